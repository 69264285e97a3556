/**
 * The demo's way back: a person resolves incidents in ServiceNow, one change poll carries that to
 * the finding and the OpsItem, and the AWS events those updates cause come back through the queue.
 */
import type { Connector } from '../app/connector.js';
import type { ChangedTicket, SourceKind, SourceRecord, TicketRef } from '../core/types.js';
import type { PollStats } from '../reverse/change-poller.js';
import type { ReverseResult } from '../reverse/reverse-sync.js';
import { LOCAL_SERVICENOW_PEOPLE, type LocalStack } from '../simulators/local-stack.js';
import { NOTES_DATA_KEY } from '../sources/opsitem/operational-data-keys.js';
import type { SyncOutcome, SyncResult } from '../sync/engine.js';
import { writesBetween, type StackTraffic, type WriteCounts } from './traffic.js';

/** The person who works tickets in the ServiceNow simulator during the demo. */
export const RESOLVER = LOCAL_SERVICENOW_PEOPLE[0]!.username;

/** A person's resolution of the incident of one sample record. */
export interface PersonEdit {
  kind: Extract<SourceKind, 'finding' | 'opsitem'>;
  /** The finding Id (ASFF) or the OpsItemId, as in the sample file. */
  recordId: string;
  closeCode: string;
  closeNotes: string;
}

/**
 * Edits the person makes in the demo. With close code Risk Accepted the mapping suppresses the
 * finding, and any other close code resolves it. Resolving the OpsItem's incident resolves the OpsItem.
 */
export const PERSON_EDITS: readonly PersonEdit[] = [
  {
    kind: 'finding',
    recordId: 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.6/finding/f1ddf319-3e60-5921-830d-cb9bd7a12376',
    closeCode: 'Risk Accepted',
    closeNotes: 'Root has a virtual MFA device and no access keys; a hardware key is not required in this sandbox account',
  },
  {
    kind: 'opsitem',
    recordId: 'oi-4f2a9c81d0e7',
    closeCode: 'Solution provided',
    closeNotes: 'Scaled orders-api out from 2 to 4 tasks; CPU is back under 60%',
  },
];

/** ServiceNow incident states that count as closed (Resolved, Closed, Canceled). */
const CLOSED_STATES = new Set(['6', '7', '8']);
const RESOLVED_STATE = '6';

/** AWS side of a record: the finding's workflow status and note, or the OpsItem's status and latest note. */
export interface AwsRecordView {
  status: string;
  note: string;
}

/** Result of one person edit in the way back. */
export type WayBackStep =
  | { edit: PersonEdit; title: string; action: 'resolved'; incident: string; before: AwsRecordView; after: AwsRecordView }
  | { edit: PersonEdit; title: string; action: 'already-closed'; incident: string; state: string; closedBy: string; timelineOutcome?: SyncOutcome }
  | { edit: PersonEdit; title: string; action: 'no-incident' };

/** The result of the way back: the edits, one change poll, and the AWS events that came back. */
export interface WayBackReport {
  steps: WayBackStep[];
  poll: PollStats;
  /** Way-back result of each incident the poll read. */
  reverseResults: Array<{ ticket: ChangedTicket; result: ReverseResult }>;
  /** Syncs of the AWS events caused by the updates the poll made (their echo). */
  echoes: Array<{ record: SourceRecord; result: SyncResult }>;
  writes: WriteCounts;
}

/** A sample record of this run's timeline, with the incident and outcome of its last sync. */
export interface LinkedRecord {
  title: string;
  ticket?: TicketRef;
  outcome: SyncOutcome;
}

/** The sample records of this run's timeline by finding Id or OpsItemId. */
export type LinkedRecords = ReadonlyMap<string, LinkedRecord>;

export interface WayBackContext {
  stack: LocalStack;
  connector: Connector;
  traffic: StackTraffic;
  records: LinkedRecords;
  /** Removes and returns the sync results collected since the last call. */
  takeSyncResults(): Array<{ record: SourceRecord; result: SyncResult }>;
  /** Removes and returns the way-back results collected since the last call. */
  takeReverseResults(): Array<{ ticket: ChangedTicket; result: ReverseResult }>;
}

/**
 * Resolves the incidents of {@link PERSON_EDITS} as {@link RESOLVER}, runs one change poll and waits
 * for its echo. An incident that is closed already, by an earlier run for one, is left alone. The
 * poll runs anyway, to show that it finds nothing left to carry over.
 */
export async function runWayBack(context: WayBackContext, edits: readonly PersonEdit[] = PERSON_EDITS): Promise<WayBackReport> {
  const { stack, connector, traffic } = context;
  const writesBefore = traffic.writes();
  context.takeSyncResults();
  context.takeReverseResults();

  // Steps stay in the order of the edits; a resolved one gets its AWS view after the poll.
  const steps: Array<WayBackStep | PendingStep> = [];
  for (const edit of edits) {
    const linked = context.records.get(edit.recordId);
    const title = linked?.title ?? edit.recordId;
    const ticket = linked?.ticket;
    const incident = ticket === undefined ? undefined : stack.serviceNow.records('incident').find((candidate) => candidate.sys_id === ticket.id);
    if (ticket === undefined || incident === undefined) {
      steps.push({ edit, title, action: 'no-incident' });
      continue;
    }

    if (CLOSED_STATES.has(incident.state ?? '')) {
      steps.push({
        edit,
        title,
        action: 'already-closed',
        incident: ticket.number,
        state: incident.state!,
        closedBy: incident.sys_updated_by ?? 'unknown',
        timelineOutcome: linked?.outcome,
      });
      continue;
    }

    const before = awsView(stack, edit);
    stack.serviceNow.updateRecord('incident', ticket.id, { state: RESOLVED_STATE, close_code: edit.closeCode, close_notes: edit.closeNotes }, { user: RESOLVER });
    steps.push({ edit, title, action: 'pending', incident: ticket.number, before });
  }

  // One poll, as the timer would run it. The AWS updates it makes come back as events.
  const poll = await connector.poller.pollOnce();
  await traffic.settle();

  return {
    steps: steps.map((step) => (step.action === 'pending' ? { ...step, action: 'resolved', after: awsView(stack, step.edit) } : step)),
    poll,
    reverseResults: context.takeReverseResults(),
    echoes: context.takeSyncResults(),
    writes: writesBetween(writesBefore, traffic.writes()),
  };
}

/** A resolved step before the poll, when AWS has not changed yet. */
interface PendingStep {
  edit: PersonEdit;
  title: string;
  action: 'pending';
  incident: string;
  before: AwsRecordView;
}

/** Reads what AWS shows now of the record an edit is about. */
function awsView(stack: LocalStack, edit: PersonEdit): AwsRecordView {
  if (edit.kind === 'finding') {
    const finding = stack.securityHub.getFinding(edit.recordId) as { Workflow?: { Status?: string }; Note?: { Text?: string } } | undefined;
    return { status: `Workflow ${finding?.Workflow?.Status ?? '(none)'}`, note: finding?.Note?.Text ?? '(no note)' };
  }

  const opsItem = stack.ssm.getOpsItem(edit.recordId);
  return { status: `Status ${opsItem?.Status ?? '(not found)'}`, note: latestNote(opsItem?.OperationalData[NOTES_DATA_KEY]?.Value) };
}

/**
 * Returns the newest note of the OpsItem's `itsm-sync:notes` value, without its time line. The
 * write-back keeps notes oldest first, each under a line `--- <ISO time> ---`.
 */
function latestNote(notes: string | undefined): string {
  if (notes === undefined || notes.trim() === '') return '(no notes)';
  const entries = notes.split(/\n\n(?=--- \S+ ---\n)/);
  return entries.at(-1)!.replace(/^--- \S+ ---\n/, '');
}
