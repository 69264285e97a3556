import { readFileSync } from 'node:fs';

import { pino } from 'pino';

import type { AwsWriteback, ItsmTarget, SourceRecord, TicketRef, WritebackAction } from '../core/types.js';
import { parseMessageBody } from '../intake/envelope.js';
import { MappingValidationError } from '../rules/errors.js';
import { loadMappingFile } from '../rules/loader.js';
import type { GetOpsItemCommandOutput } from '@aws-sdk/client-ssm';

import { ConfigComplianceSource } from '../sources/config/config-compliance-source.js';
import { ConfigurationItemSource } from '../sources/config/configuration-item-source.js';
import { OpsItemSource } from '../sources/opsitem/opsitem-source.js';
import { opsItemToRecord } from '../sources/opsitem/opsitem-record.js';
import { FindingSource } from '../sources/securityhub/finding-source.js';
import type { SourceAdapter } from '../sources/source-adapter.js';
import type { SyncRule } from '../rules/sync-rule.js';
import { SqliteStateStore } from '../state/sqlite-store.js';
import type { Link, StateStore } from '../state/store.js';
import { correlationFor } from '../sync/correlation.js';
import { SyncEngine, type SyncResult } from '../sync/engine.js';
import type { JiraDeployment } from '../targets/jira/client.js';
import type { ServiceNowClient, ServiceNowRecord } from '../targets/servicenow/client.js';
import { ServiceNowTarget } from '../targets/servicenow/servicenow-target.js';
import { jiraPreviewSystem } from './jira-preview.js';
import { previewPublication } from './publication-preview.js';

// The OpsItem adapter is used only to recognise events here: the OpsItem itself comes from --record.
const ADAPTERS: SourceAdapter[] = [
  new FindingSource(),
  new OpsItemSource({
    client: () => {
      throw new Error('preview calls nothing: give the OpsItem with --record');
    },
    logger: pino({ level: 'silent' }),
  }),
  // A configuration item event carries the whole item, unless it was too large for EventBridge.
  new ConfigurationItemSource({
    client: () => {
      throw new Error('preview calls nothing, so it cannot read an oversized configuration item with BatchGetResourceConfig; preview a change event that carries the item');
    },
    logger: pino({ level: 'silent' }),
  }),
  new ConfigComplianceSource(),
];
const PREVIEW_INSTANCE_URL = 'https://preview.invalid';

/** One request that the sync would have sent, or a step such as a Jira status change. */
export interface RecordedCall {
  call: string;
  body?: unknown;
  [detail: string]: unknown;
}

/** The ITSM side of a preview: a target that records its writes, and the ticket of an open link. */
export interface PreviewSystem {
  target: ItsmTarget;
  /** An open ticket of `table` that already exists, for the case "the record has an open ticket". */
  openTicket(table: string): TicketRef;
  /** Facts needed to read the payloads, such as the Jira deployment and field catalog; empty for ServiceNow. */
  details: Record<string, unknown>;
}

/**
 * Print what an event would do under one mapping, calling nothing: the real sync engine and
 * ServiceNow or Jira target run against an in-memory state store and a client that records the
 * requests instead of sending them. So the printed payloads are exactly what the Table API or the
 * Jira REST API would receive; Jira issue fields are converted with a default field catalog,
 * and Assets objects are shown as attribute names and values (see jira-preview.ts).
 *
 * Two cases are shown: the record has no ticket yet, and the record has an open ticket that was
 * last synced from the same content. The second shows the resolve payload, or that nothing is
 * written.
 */
export async function runPreview(options: PreviewOptions): Promise<number> {
  try {
    return await preview(options);
  } catch (error) {
    // Bad input (a missing file, an event that is not EventBridge JSON, an expression that fails
    // on this event) is reported as one message. The message names the file or the expression.
    process.stderr.write(`preview failed: ${(error as Error).message}\n`);
    return 1;
  }
}

export interface PreviewOptions {
  mapping: string;
  /** The EventBridge event, for sync rules. */
  event?: string;
  /**
   * A GetOpsItem output, for OpsItem events (the event is only a trigger); for a publication, the
   * CMDB record as the Table API returns it.
   */
  record?: string;
  /** For Jira mappings: the REST API and text format to preview. Default `cloud`. */
  deployment?: JiraDeployment;
}

async function preview(options: PreviewOptions): Promise<number> {
  let loaded;
  try {
    loaded = await loadMappingFile(options.mapping);
  } catch (error) {
    if (error instanceof MappingValidationError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if ('publication' in loaded) {
    return previewPublication(loaded.publication, options);
  }
  const rule = loaded.rule;
  if (options.event === undefined) {
    process.stderr.write(`${options.mapping} is a sync rule: give the AWS event it would sync with --event FILE.\n`);
    return 1;
  }
  if (options.deployment !== undefined && rule.target.system !== 'jira') {
    process.stderr.write(`--deployment applies to Jira mappings, but ${options.mapping} syncs to ${rule.target.system}; leave --deployment out.\n`);
    return 1;
  }

  const event = parseMessageBody(readFileSync(options.event, 'utf8'), `from file ${options.event}`);
  const adapter = ADAPTERS.find((candidate) => candidate.handles(event));
  if (!adapter) {
    process.stderr.write(`No source adapter handles events of type "${event.source} / ${event['detail-type']}".\n`);
    return 1;
  }
  if (adapter.kind !== rule.source.kind) {
    process.stderr.write(`The mapping syncs ${rule.source.kind} records, but the event carries ${adapter.kind} records.\n`);
    return 1;
  }

  let records: SourceRecord[];
  if (adapter.kind === 'opsitem') {
    if (options.record === undefined) {
      process.stderr.write(
        'OpsItem events are only triggers: the connector reads the OpsItem with GetOpsItem. Give it with --record FILE, ' +
          'the output of `aws ssm get-ops-item --ops-item-id <id> --output json`.\n',
      );
      return 1;
    }
    records = [opsItemRecordFrom(options.record, event)];
  } else {
    records = await recordsSelectedBy(rule, await adapter.toRecords(event));
  }
  if (records.length === 0) {
    process.stderr.write(`The event in ${options.event} carries no ${rule.source.kind} records (for example an empty detail.findings list), so there is nothing to preview.\n`);
    return 1;
  }

  const output: unknown[] = [];
  for (const record of records) {
    const calls: RecordedCall[] = [];
    const system = previewSystem(rule, options.deployment, calls);
    const { engine, store } = previewEngine(rule, system.target, calls);

    const newRecord = await engine.sync(record);
    const newRecordCalls = calls.splice(0);

    // When no ticket was created, give the record an open one synced from this same content, so
    // the preview shows the resolve payload of a passed or archived finding.
    if (!newRecord.ticket) await store.putLink(await openLinkFor(rule, record, system.openTicket(rule.target.table)));
    const openTicket = await engine.sync(record);

    output.push({
      record: { kind: record.kind, format: record.format, id: record.displayId },
      rule: newRecord.rule ?? null,
      correlation: newRecord.correlation ?? null,
      ...(Object.keys(system.details).length > 0 ? { target: { system: rule.target.system, table: rule.target.table, ...system.details } } : {}),
      whenNoTicketExists: describe(newRecord, newRecordCalls),
      whenTicketIsOpen: describe(openTicket, calls.splice(0)),
    });
  }

  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}

/**
 * Keep the records that the rule's `source.when` selects. A configuration item event also carries
 * the records of its account and Region, which the mapping of a resource type does not select.
 * When the rule selects none, every record is kept, so the preview shows that no rule handles them.
 */
async function recordsSelectedBy(rule: SyncRule, records: SourceRecord[]): Promise<SourceRecord[]> {
  if (rule.source.when === undefined) return records;

  const selected: SourceRecord[] = [];
  for (const record of records) {
    if (await rule.source.when.evaluate(record.view, { rule: rule.name })) selected.push(record);
  }
  return selected.length > 0 ? selected : records;
}

/** Build the OpsItem record from a saved GetOpsItem output, as the adapter would from the API. */
function opsItemRecordFrom(file: string, event: { account: string; region: string; detail: unknown }): SourceRecord {
  let output: Partial<GetOpsItemCommandOutput>;
  try {
    output = JSON.parse(readFileSync(file, 'utf8')) as Partial<GetOpsItemCommandOutput>;
  } catch (error) {
    throw new Error(`cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const opsItem = output.OpsItem;
  if (opsItem === undefined || typeof opsItem.OpsItemId !== 'string') {
    throw new Error(`${file} is not a GetOpsItem output: it needs an "OpsItem" object with an "OpsItemId"`);
  }

  // The record must be the OpsItem the event names, or the preview shows another OpsItem.
  const named = (event.detail as { 'ops-item-id'?: unknown } | null)?.['ops-item-id'];
  if (typeof named === 'string' && named !== opsItem.OpsItemId) {
    throw new Error(`${file} holds OpsItem ${opsItem.OpsItemId}, but the event is about ${named}; save the OpsItem the event names`);
  }
  // The CLI prints times as ISO text and the wire format as epoch seconds; the SDK gives dates.
  const times = ['CreatedTime', 'LastModifiedTime', 'PlannedStartTime', 'PlannedEndTime', 'ActualStartTime', 'ActualEndTime'] as const;
  const withDates: Record<string, unknown> = { ...opsItem };
  for (const key of times) {
    const value: unknown = withDates[key];
    if (typeof value === 'number') withDates[key] = new Date(value * 1000);
    else if (typeof value === 'string') withDates[key] = new Date(value);
  }
  return opsItemToRecord(withDates as typeof opsItem, { opsItemId: opsItem.OpsItemId, account: event.account, region: event.region }).record;
}

function describe(result: SyncResult, calls: RecordedCall[]): { outcome: string; requests: RecordedCall[] } {
  return { outcome: result.outcome, requests: calls };
}

/** Build the link of an open `ticket` whose AWS-owned fields were last written from `record`. */
async function openLinkFor(rule: SyncRule, record: SourceRecord, ticket: TicketRef): Promise<Link> {
  const now = new Date().toISOString();
  const written: Record<string, unknown> = {};
  for (const field of rule.fields) {
    if (field.owner === 'aws') written[field.name] = await field.evaluate(record.view, { rule: rule.name, now });
  }

  return {
    correlation: correlationFor(rule.correlation.prefix, record.identity),
    identity: record.identity,
    kind: record.kind,
    rule: rule.name,
    status: 'open',
    ticket,
    written,
    // The ticket was last synced from this content, so its link write-back is done too, as after a create.
    writebacks: { [record.format]: ticket.number },
    previousTickets: [],
    createdAt: now,
    updatedAt: now,
  };
}

/** Builds the recording target of the rule's system, with the open ticket it previews updates on. */
function previewSystem(rule: SyncRule, deployment: JiraDeployment | undefined, calls: RecordedCall[]): PreviewSystem {
  if (rule.target.system === 'jira') return jiraPreviewSystem(rule, deployment ?? 'cloud', calls);

  const target = new ServiceNowTarget(recordingClient(calls), { instanceUrl: PREVIEW_INSTANCE_URL });
  return {
    target,
    // Named as the target names a created record, so both cases show the same kind of URL.
    openTicket: (table) => target.ticketRef(table, { sys_id: 'f'.repeat(32), number: 'PREVIEW0000' }),
    details: {},
  };
}

function previewEngine(rule: SyncRule, target: ItsmTarget, calls: RecordedCall[]): { engine: SyncEngine; store: StateStore } {

  const writeback: AwsWriteback = {
    kind: rule.source.kind,
    async apply(record: SourceRecord, action: WritebackAction) {
      const { ticket, ...written } = action;
      calls.push({ call: `AWS write-back to ${record.format} ${record.displayId}`, body: written });
    },
  };

  const store = new SqliteStateStore(':memory:');
  const engine = new SyncEngine({
    rules: [rule],
    targets: { [rule.target.system]: target },
    writebacks: { [rule.source.kind]: writeback },
    store,
    logger: pino({ level: 'silent' }),
  });
  return { engine, store };
}

/** Create a stand-in Table API client that records each request and returns what the instance would. */
function recordingClient(calls: RecordedCall[]): ServiceNowClient {
  let created = 0;

  const client = {
    async createRecord(table: string, fields: Record<string, string>): Promise<ServiceNowRecord> {
      calls.push({ call: `POST /api/now/table/${table}`, body: fields });
      created += 1;
      return { ...fields, sys_id: `${'0'.repeat(31)}${created}`, number: `PREVIEW${String(created).padStart(4, '0')}` };
    },
    async updateRecord(table: string, sysId: string, fields: Record<string, string>): Promise<ServiceNowRecord> {
      calls.push({ call: `PATCH /api/now/table/${table}/${sysId}`, body: fields });
      return { ...fields, sys_id: sysId };
    },
    async *queryRecords(): AsyncIterable<ServiceNowRecord> {
      // The preview has no ServiceNow records to find.
    },
  };
  // The target only calls the methods above in a preview.
  return client as unknown as ServiceNowClient;
}
