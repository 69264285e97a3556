/**
 * The demo's way back: a person resolves tickets in the ITSM system, one change poll carries that
 * to the finding and the OpsItem, and the AWS events those updates cause come back through the queue.
 */
import type { ChangedTicket, SourceRecord, TicketRef } from '../core/types.js';
import type { PollStats } from '../reverse/change-poller.js';
import type { ReverseResult } from '../reverse/reverse-sync.js';
import type { LocalStack } from '../simulators/local-stack.js';
import { NOTES_DATA_KEY } from '../sources/opsitem/operational-data-keys.js';
import type { SyncOutcome, SyncResult } from '../sync/engine.js';
import type { PersonEdit } from './demo-target.js';
import type { DemoSession } from './session.js';
import { writesBetween, type WriteCounts } from './traffic.js';

/**
 * AWS side of a record: the finding's workflow status and note, or the OpsItem's status and notes.
 * Before the poll, an OpsItem shows its latest note; after it, the notes the poll added.
 */
export interface AwsRecordView {
  status: string;
  note: string;
}

/** Result of one person edit in the way back. */
export type WayBackStep =
  | { edit: PersonEdit; title: string; action: 'resolved'; ticket: string; before: AwsRecordView; after: AwsRecordView }
  | { edit: PersonEdit; title: string; action: 'already-closed'; ticket: string; state: string; closedBy: string; timelineOutcome?: SyncOutcome }
  | { edit: PersonEdit; title: string; action: 'no-ticket' };

/** The result of the way back: the edits, one change poll, and the AWS events that came back. */
export interface WayBackReport {
  steps: WayBackStep[];
  poll: PollStats;
  /** Way-back result of each ticket the poll read. */
  reverseResults: Array<{ ticket: ChangedTicket; result: ReverseResult }>;
  /** Syncs of the AWS events caused by the updates the poll made (their echo). */
  echoes: Array<{ record: SourceRecord; result: SyncResult }>;
  writes: WriteCounts;
}

/** A sample record of this run's timeline, with the ticket and outcome of its last sync. */
export interface LinkedRecord {
  title: string;
  ticket?: TicketRef;
  outcome: SyncOutcome;
}

/** The sample records of this run's timeline by finding Id or OpsItemId. */
export type LinkedRecords = ReadonlyMap<string, LinkedRecord>;

/**
 * Resolves the tickets of the target's person edits as its resolver, runs one change poll and
 * waits for its echo. A ticket that is closed already, by an earlier run for one, is left alone.
 * The poll runs anyway, to show that it finds nothing left to carry over.
 */
export async function runWayBack(session: DemoSession, records: LinkedRecords): Promise<WayBackReport> {
  const { stack, connector, target, traffic } = session;
  const writesBefore = traffic.writes();
  session.takeSyncResults();
  session.takeReverseResults();

  // Steps stay in the order of the edits; a resolved one gets its AWS view after the poll.
  const steps: Array<WayBackStep | PendingStep> = [];
  for (const edit of target.personEdits) {
    const linked = records.get(edit.recordId);
    const title = linked?.title ?? edit.recordId;
    const ref = linked?.ticket;
    const ticket = ref === undefined ? undefined : target.ticket(ref);
    if (ref === undefined || ticket === undefined) {
      steps.push({ edit, title, action: 'no-ticket' });
      continue;
    }

    if (ticket.closed) {
      steps.push({
        edit,
        title,
        action: 'already-closed',
        ticket: ticket.number,
        state: ticket.state,
        closedBy: ticket.updatedBy ?? 'unknown',
        timelineOutcome: linked?.outcome,
      });
      continue;
    }

    const before = awsView(stack, edit);
    const notesBefore = opsItemNotes(stack, edit).length;
    target.resolveAsPerson(ref, edit);
    steps.push({ edit, title, action: 'pending', ticket: ticket.number, before, notesBefore });
  }

  // One poll, as the timer would run it. The AWS updates it makes come back as events.
  const poll = await connector.poller.pollOnce();
  await traffic.settle();

  return {
    steps: steps.map((step) => (step.action === 'pending' ? resolvedStep(stack, step) : step)),
    poll,
    reverseResults: session.takeReverseResults(),
    echoes: session.takeSyncResults(),
    writes: writesBetween(writesBefore, traffic.writes()),
  };
}

/** A resolved step before the poll, when AWS has not changed yet. */
interface PendingStep {
  edit: PersonEdit;
  title: string;
  action: 'pending';
  ticket: string;
  before: AwsRecordView;
  /** Notes the OpsItem had before the edit, so the step shows only those the poll added. */
  notesBefore: number;
}

/** Completes a pending step with what AWS shows after the poll. */
function resolvedStep(stack: LocalStack, step: PendingStep): WayBackStep {
  const { notesBefore, ...resolved } = step;
  const after = awsView(stack, step.edit);
  const added = opsItemNotes(stack, step.edit).slice(notesBefore);
  return { ...resolved, action: 'resolved', after: added.length > 0 ? { ...after, note: added.join('\n') } : after };
}

/** Reads what AWS shows now of the record an edit is about. */
function awsView(stack: LocalStack, edit: PersonEdit): AwsRecordView {
  if (edit.kind === 'finding') {
    const finding = stack.securityHub.getFinding(edit.recordId) as { Workflow?: { Status?: string }; Note?: { Text?: string } } | undefined;
    return { status: `Workflow ${finding?.Workflow?.Status ?? '(none)'}`, note: finding?.Note?.Text ?? '(no note)' };
  }

  const opsItem = stack.ssm.getOpsItem(edit.recordId);
  return { status: `Status ${opsItem?.Status ?? '(not found)'}`, note: opsItemNotes(stack, edit).at(-1) ?? '(no notes)' };
}

/**
 * Returns the notes of the OpsItem's `itsm-sync:notes` value, oldest first, without their time
 * lines; empty for a finding. The write-back keeps each note under a line `--- <ISO time> ---`.
 */
function opsItemNotes(stack: LocalStack, edit: PersonEdit): string[] {
  if (edit.kind !== 'opsitem') return [];
  const notes = stack.ssm.getOpsItem(edit.recordId)?.OperationalData[NOTES_DATA_KEY]?.Value;
  if (notes === undefined || notes.trim() === '') return [];
  return notes.split(/\n\n(?=--- \S+ ---\n)/).map((entry) => entry.replace(/^--- \S+ ---\n/, ''));
}
