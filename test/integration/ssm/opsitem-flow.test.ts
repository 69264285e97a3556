/**
 * The OpsItem source and write-back with the real SSMClient against the SSM simulator on loopback:
 * events the simulator emits go through the source, and write-backs land in the simulator.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent, WritebackRecord } from '../../../src/core/types.js';
import { startSsmSimulator, type SimulatedOpsItem, type SsmSimulator } from '../../../src/simulators/ssm/server.js';
import { OpsItemSource } from '../../../src/sources/opsitem/opsitem-source.js';
import { NOTES_MAX_BYTES, utf8Bytes } from '../../../src/writeback/opsitem-notes.js';
import { createSsmClient, OpsItemWriteback, OpsItemWritebackError } from '../../../src/writeback/opsitem-writeback.js';
import { capturingLogger, eventFixture, rejectionOf, steppingClock, TEST_CREDENTIALS, wireOpsItem } from './support.js';

const issue = wireOpsItem('get-ops-item-issue.wire-response.json');
const changeRequest = wireOpsItem('get-ops-item-changerequest.wire-response.json');

const TICKET = {
  system: 'servicenow' as const,
  table: 'incident',
  id: '9d3a8f0c1b2e4d5f6a7b8c9d0e1f2a3b',
  number: 'INC0010043',
  url: 'https://itsm-dev.example.com/nav_to.do?uri=incident.do?sys_id=9d3a8f0c1b2e4d5f6a7b8c9d0e1f2a3b',
};

let simulator: SsmSimulator;
let client: SSMClient;
let events: EventBridgeEvent[];
let log: ReturnType<typeof capturingLogger>;
let source: OpsItemSource;
let writeback: OpsItemWriteback;

beforeEach(async () => {
  simulator = await startSsmSimulator({ clock: steppingClock('2025-03-11T09:00:00Z') });
  events = [];
  simulator.onEvent((event) => {
    events.push(event);
  });
  log = capturingLogger();
  client = createSsmClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 2, logger: log.logger });
  source = new OpsItemSource({ client, logger: log.logger });
  writeback = new OpsItemWriteback({ client, logger: log.logger, clock: () => new Date('2025-03-11T09:30:00Z') });
});

afterEach(async () => {
  client.destroy();
  await simulator.stop();
});

/** Builds the record from the simulator's latest event, as the source does. */
async function recordFromLatestEvent() {
  const event = events.at(-1);
  expect(event, 'the simulator emitted no event').toBeDefined();
  const records = await source.toRecords(event!);
  expect(records).toHaveLength(1);
  return records[0]!;
}

function writebackRecord(item: SimulatedOpsItem): WritebackRecord {
  return { kind: 'opsitem', format: 'opsitem', displayId: item.OpsItemId, writebackKey: { opsItemId: item.OpsItemId, region: 'us-east-1', account: '111122223333' } };
}

describe('OpsItem source', () => {
  it('builds the record from GetOpsItem', async () => {
    simulator.seedOpsItem(issue);

    const record = await recordFromLatestEvent();

    expect(record.identity).toBe('opsitem|111122223333|us-east-1|oi-4f3a2b1c0d9e');
    expect(record.updatedAt).toBe('2025-03-10T16:45:19.872Z');
    expect(record.view.status).toBe('Resolved');
    expect(record.view.relatedResources).toEqual(['arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60718']);
    expect(simulator.calls.map((call) => call.operation)).toEqual(['GetOpsItem']);
  });

  it('reads the current state, not the event', async () => {
    const item = simulator.seedOpsItem({ Title: 'Disk almost full', Source: 'EC2' });
    const staleCreate = events[0]!;
    simulator.updateOpsItemAsHuman(item.OpsItemId, { Status: 'Resolved', Title: 'Disk almost full (cleaned up)' });

    const [record] = await source.toRecords(staleCreate);

    expect((staleCreate.detail as Record<string, unknown>).status).toBe('Open');
    expect(record?.view.status).toBe('Resolved');
    expect(record?.view.title).toBe('Disk almost full (cleaned up)');
    expect(record?.view.lastModifiedBy).toBe('arn:aws:sts::111122223333:assumed-role/OpsEngineer/sam.example');
  });

  it('skips a change request that the event does not mark', async () => {
    simulator.seedOpsItem(changeRequest, { emitEvent: false });
    const event = { ...eventFixture('opsitem-update-resolved.json'), detail: { 'ops-item-id': changeRequest.OpsItemId } };

    expect(await source.toRecords(event)).toEqual([]);
    expect(simulator.calls.map((call) => call.operation)).toEqual(['GetOpsItem']);
  });

  it('skips a change request marked in the event without a call', async () => {
    simulator.seedOpsItem(changeRequest);

    expect(await source.toRecords(events[0]!)).toEqual([]);
    expect(simulator.calls).toEqual([]);
  });

  it('skips a deleted OpsItem', async () => {
    const records = await source.toRecords(eventFixture('opsitem-create.json'));

    expect(records).toEqual([]);
    expect(log.text()).toMatch(/OpsItem oi-4f2a9c81d0e7 no longer exists in us-east-1/);
  });

  it('throws when throttling outlasts the retries', async () => {
    simulator.seedOpsItem(issue);
    simulator.injectFaults([{ operation: 'GetOpsItem', errorType: 'ThrottlingException', times: 2 }]);

    const error = await rejectionOf(source.toRecords(events[0]!));

    expect((error as Error).name).toBe('OpsItemReadError');
    expect((error as Error).message).toMatch(/ThrottlingException/);
    expect(log.lines().filter((line) => line.errorCode === 'ThrottlingException')).toHaveLength(2);
  });
});

describe('OpsItem write-back', () => {
  it('writes status, ticket and note in one update', async () => {
    const item = simulator.seedOpsItem(issue, { emitEvent: false });

    await writeback.apply(writebackRecord(item), { status: 'InProgress', ticket: TICKET, note: 'Tracked in INC0010043' });

    const stored = simulator.getOpsItem(item.OpsItemId)!;
    expect(stored.Status).toBe('InProgress');
    expect(stored.Version).toBe('4');
    expect(stored.OperationalData['itsm-sync:ticket']).toEqual({
      Value: JSON.stringify({ system: 'servicenow', number: 'INC0010043', url: TICKET.url }),
      Type: 'SearchableString',
    });
    expect(stored.OperationalData['itsm-sync:notes']).toEqual({ Value: '--- 2025-03-11T09:30:00.000Z ---\nTracked in INC0010043', Type: 'String' });
    expect(simulator.calls.map((call) => call.operation)).toEqual(['GetOpsItem', 'UpdateOpsItem']);
  });

  it('emits an update event the connector can recognise', async () => {
    const item = simulator.seedOpsItem(issue, { emitEvent: false });

    await writeback.apply(writebackRecord(item), { status: 'Open', ticket: TICKET });

    expect(events).toHaveLength(1);
    expect(events[0]!['detail-type']).toBe('OpsItem Update');
    expect((events[0]!.detail as Record<string, unknown>)['modified-by']).toBe(simulator.callerArn);
  });

  it('leaves the view\'s operational data unchanged', async () => {
    const item = simulator.seedOpsItem(issue);
    const before = await recordFromLatestEvent();

    await writeback.apply(writebackRecord(item), { ticket: TICKET, note: 'Linked' });
    const after = await recordFromLatestEvent();

    expect(after.view.operationalData).toEqual(before.view.operationalData);
    expect(after.view.relatedResources).toEqual(before.view.relatedResources);
    expect(after.view.status).toBe(before.view.status);
    expect(after.view.lastModifiedBy).toBe(simulator.callerArn);
  });

  it('appends notes in order', async () => {
    const item = simulator.seedOpsItem({ Title: 'Notes' }, { emitEvent: false });
    let minute = 0;
    const clocked = new OpsItemWriteback({ client, logger: log.logger, clock: () => new Date(Date.UTC(2025, 2, 11, 10, minute++)) });

    await clocked.apply(writebackRecord(item), { note: 'Linked to INC0010043' });
    await clocked.apply(writebackRecord(item), { note: 'Resolved: instance restarted' });

    expect(simulator.getOpsItem(item.OpsItemId)!.OperationalData['itsm-sync:notes']?.Value).toBe(
      '--- 2025-03-11T10:00:00.000Z ---\nLinked to INC0010043\n\n--- 2025-03-11T10:01:00.000Z ---\nResolved: instance restarted',
    );
  });

  it('keeps full notes within the limit the simulator enforces', async () => {
    const oldNotes = Array.from({ length: 8 }, (_, index) => `--- 2025-03-0${index + 1}T00:00:00.000Z ---\n${'ö'.repeat(1_100)}`).join('\n\n');
    const item = simulator.seedOpsItem({ OperationalData: { 'itsm-sync:notes': { Value: oldNotes, Type: 'String' } } }, { emitEvent: false });

    await writeback.apply(writebackRecord(item), { note: 'ü'.repeat(1_500) });

    const notes = simulator.getOpsItem(item.OpsItemId)!.OperationalData['itsm-sync:notes']!.Value;
    expect(utf8Bytes(notes)).toBeLessThanOrEqual(NOTES_MAX_BYTES);
    expect(notes.startsWith('--- 2025-03-02T00:00:00.000Z ---')).toBe(true);
    expect(notes.endsWith('ü'.repeat(1_500))).toBe(true);
  });

  it('reports a deleted OpsItem as not retryable', async () => {
    const record = writebackRecord({ OpsItemId: 'oi-0123456789ab' } as SimulatedOpsItem);

    const error = await rejectionOf<OpsItemWritebackError>(writeback.apply(record, { status: 'Resolved' }));

    expect(error).toBeInstanceOf(OpsItemWritebackError);
    expect(error.errorCode).toBe('OpsItemNotFoundException');
    expect(error.retryable).toBe(false);
    expect(error.httpStatus).toBe(400);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rides out throttling with the SDK retries', async () => {
    const item = simulator.seedOpsItem(issue, { emitEvent: false });
    simulator.injectFaults([{ operation: 'UpdateOpsItem', errorType: 'ThrottlingException' }]);

    await writeback.apply(writebackRecord(item), { status: 'Resolved' });

    expect(simulator.calls.map((call) => call.status)).toEqual([400, 200]);
    expect(simulator.getOpsItem(item.OpsItemId)!.Status).toBe('Resolved');
    expect(log.lines().some((line) => line.level === 40 && line.errorCode === 'ThrottlingException')).toBe(true);
  });

  it('reports lasting throttling as retryable', async () => {
    const item = simulator.seedOpsItem({ ...issue, Status: 'Open' }, { emitEvent: false });
    simulator.injectFaults([{ operation: 'UpdateOpsItem', errorType: 'ThrottlingException', times: 2 }]);

    const error = await rejectionOf<OpsItemWritebackError>(writeback.apply(writebackRecord(item), { status: 'Resolved' }));

    expect(error.errorCode).toBe('ThrottlingException');
    expect(error.retryable).toBe(true);
    expect(simulator.getOpsItem(item.OpsItemId)!.Status).toBe('Open');
    expect(events).toEqual([]);
  });
});
