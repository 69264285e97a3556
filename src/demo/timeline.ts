import type { SourceRecord } from '../core/types.js';
import type { OpsItemView } from '../sources/opsitem/opsitem-view.js';
import type { FindingView } from '../sources/securityhub/finding-view.js';
import type { SyncResult } from '../sync/engine.js';
import type { DemoTarget, DemoTicket } from './demo-target.js';
import { createOpsItem, seedFindings, snsEnvelope, type DemoSample } from './samples.js';
import type { DemoSession } from './session.js';
import type { LinkedRecord, LinkedRecords } from './way-back.js';

/** The sync of one sample record, with what came back from the AWS writes it made. */
export interface TimelineEntry {
  sample: DemoSample;
  record: SourceRecord;
  result: SyncResult;
  /** Syncs of the AWS events that the connector's own write-backs for this record caused. */
  echoes: SyncResult[];
  /** The linked ticket as it was right after this step. */
  ticket?: DemoTicket;
}

/**
 * Sends the samples one at a time, in order, and waits after each until its messages and their echo
 * are handled, so the table reads like a timeline and shows each ticket as it was right then.
 * A finding event goes to the queue as EventBridge would send it; an OpsItem is created in the SSM
 * simulator, which sends its `OpsItem Create` event.
 */
export async function runTimeline(session: DemoSession, samples: DemoSample[]): Promise<TimelineEntry[]> {
  const { stack, traffic } = session;
  const entries: TimelineEntry[] = [];

  for (const sample of samples) {
    if (sample.kind === 'finding') {
      seedFindings(stack.securityHub, sample);
      await stack.queue.send(sample.viaSns ? snsEnvelope(sample.event) : sample.event);
    } else {
      createOpsItem(stack.ssm, sample);
    }
    await traffic.settle();

    entries.push(...entriesOfStep(sample, session.takeSyncResults(), session.target));
  }
  return entries;
}

/**
 * Groups the results of one step by record. The first result of a record is the sample itself.
 * The demo changes nothing in AWS during a step, so any later result for the same record is an
 * event that the connector's own write caused.
 */
function entriesOfStep(sample: DemoSample, results: Array<{ record: SourceRecord; result: SyncResult }>, target: DemoTarget): TimelineEntry[] {
  const byIdentity = new Map<string, TimelineEntry>();

  for (const { record, result } of results) {
    const entry = byIdentity.get(record.identity);
    if (entry) {
      entry.echoes.push(result);
      continue;
    }
    const ticket = result.ticket === undefined ? undefined : target.ticket(result.ticket);
    byIdentity.set(record.identity, { sample, record, result, echoes: [], ticket });
  }
  return [...byIdentity.values()];
}

/** Returns the title of a finding or OpsItem, for tables. */
export function titleOf(record: SourceRecord): string {
  return (record.view as Partial<FindingView & OpsItemView>).title ?? record.displayId;
}

/** Returns the severity of a finding, or the priority of an OpsItem, for tables. */
export function severityOf(record: SourceRecord): string {
  if (record.kind === 'opsitem') {
    const priority = (record.view as OpsItemView).priority;
    return priority === null ? 'no priority' : `priority ${priority}`;
  }
  return (record.view as FindingView).severity;
}

/**
 * Indexes the timeline's sample records by finding Id or OpsItemId, with the ticket each one was
 * linked to last and the outcome of its last sync.
 */
export function linkedRecords(entries: TimelineEntry[]): LinkedRecords {
  const records = new Map<string, LinkedRecord>();
  for (const { record, result } of entries) {
    const known = records.get(record.displayId);
    records.set(record.displayId, { title: titleOf(record), ticket: result.ticket ?? known?.ticket, outcome: result.outcome });
  }
  return records;
}
