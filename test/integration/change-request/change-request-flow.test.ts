/**
 * The change request source and write-back with the real SSMClient against the SSM simulator on
 * loopback: the events the simulator emits go through the source, and signals and OpsItem writes
 * land in the simulator.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent, SourceRecord, TicketRef, WritebackRecord } from '../../../src/core/types.js';
import { startSsmSimulator, type SsmSimulator } from '../../../src/simulators/ssm/server.js';
import { ChangeRequestReadError, ChangeRequestSource } from '../../../src/sources/change-request/change-request-source.js';
import type { ChangeRequestView } from '../../../src/sources/change-request/change-request-view.js';
import { AutomationSignalError, ChangeRequestWriteback, SIGNAL_FAILURE_REASONS } from '../../../src/writeback/change-request-writeback.js';
import { createSsmClient } from '../../../src/writeback/ssm-client.js';
import { capturingLogger, rejectionOf, steppingClock, TEST_CREDENTIALS } from '../ssm/support.js';

const CALLER = 'arn:aws:sts::111122223333:assumed-role/ItsmSyncTaskRole/itsm-sync';
const CALLER_ROLE = 'arn:aws:iam::111122223333:role/ItsmSyncTaskRole';

const TICKET: TicketRef = {
  system: 'servicenow',
  table: 'change_request',
  id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
  number: 'CHG0030012',
  url: 'https://itsm-dev.example.com/change_request.do?sys_id=c0ffee00c0ffee00c0ffee00c0ffee00',
};

let simulator: SsmSimulator;
let client: SSMClient;
let events: EventBridgeEvent[];
let log: ReturnType<typeof capturingLogger>;
let source: ChangeRequestSource;
let writeback: ChangeRequestWriteback;

beforeEach(async () => {
  simulator = await startSsmSimulator({ clock: steppingClock('2025-03-12T10:00:00Z'), callerArn: CALLER });
  events = [];
  simulator.onEvent((event) => {
    events.push(event);
  });
  log = capturingLogger();
  client = createSsmClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 1, logger: log.logger });
  source = new ChangeRequestSource({ client, logger: log.logger });
  writeback = new ChangeRequestWriteback({ client, logger: log.logger, clock: () => new Date('2025-03-12T11:00:00Z') });
});

afterEach(async () => {
  client.destroy();
  await simulator.stop();
});

/** Returns the latest event of `detailType` that the simulator emitted. */
function latestEvent(detailType: string): EventBridgeEvent {
  const event = events.filter((candidate) => candidate['detail-type'] === detailType).at(-1);
  expect(event, `the simulator emitted no "${detailType}" event`).toBeDefined();
  return event!;
}

/** Builds the one record of an event, as the source does. */
async function recordOf(event: EventBridgeEvent): Promise<SourceRecord<ChangeRequestView>> {
  expect(source.handles(event)).toBe(true);
  const records = await source.toRecords(event);
  expect(records).toHaveLength(1);
  return records[0]!;
}

function writebackRecord(record: SourceRecord): WritebackRecord {
  return { kind: record.kind, format: record.format, displayId: record.displayId, writebackKey: record.writebackKey };
}

describe('Change Manager change request', () => {
  it('reads a change request waiting for approval', async () => {
    const execution = simulator.startChangeRequest({ approvers: [CALLER_ROLE] });

    const record = await recordOf(latestEvent('Change Request Status Update'));

    expect(record.identity).toBe(`change-request|111122223333|us-east-1|${execution.AutomationExecutionId}`);
    expect(record.format).toBe('change-manager');
    expect(record.writebackKey).toEqual({ executionId: execution.AutomationExecutionId, opsItemId: execution.OpsItemId, region: 'us-east-1', account: '111122223333' });
    expect(record.view.title).toBe('Patch orders fleet to latest AMI');
    expect(record.view.templateName).toBe('StandardFleetPatching');
    expect(record.view.documentName).toBe('PatchOrdersFleet');
    expect(record.view.status).toBe('PendingApproval');
    expect(record.view.waitingForApproval).toBe(true);
    expect(record.view.outcome).toBe('waiting');
    expect(record.view.approvers).toContain(CALLER_ROLE);
    expect(record.view.raw.opsItem?.OpsItemType).toBe('/aws/changerequest');
  });

  it('approves exactly once', async () => {
    const execution = simulator.startChangeRequest({ approvers: [CALLER_ROLE] });
    const record = await recordOf(latestEvent('Change Request Status Update'));

    await writeback.apply(writebackRecord(record), { signal: { type: 'Approve', comment: 'Approved in ServiceNow CHG0030012 by avery.agent: go ahead' } });

    const signals = simulator.signals();
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      executionId: execution.AutomationExecutionId,
      signalType: 'Approve',
      payload: { Comment: ['Approved in ServiceNow CHG0030012 by avery.agent: go ahead'] },
      accepted: true,
    });
    const after = await recordOf(latestEvent('Change Request Status Update'));
    expect(after.view.waitingForApproval).toBe(false);
    expect(after.view.status).not.toBe('PendingApproval');
    expect(after.updatedAt! >= record.updatedAt!).toBe(true);
  });

  it('refuses a second decision', async () => {
    simulator.startChangeRequest({ approvers: [CALLER_ROLE] });
    const record = await recordOf(latestEvent('Change Request Status Update'));
    await writeback.apply(writebackRecord(record), { signal: { type: 'Reject', comment: 'Conflicts with the freeze window' } });

    const error = await rejectionOf<AutomationSignalError>(writeback.apply(writebackRecord(record), { signal: { type: 'Approve', comment: 'too late' } }));

    expect(error).toBeInstanceOf(AutomationSignalError);
    expect(error.errorCode).toBe('InvalidAutomationSignalException');
    expect(error.reason).toBe(SIGNAL_FAILURE_REASONS.notWaiting);
    expect(error.retryable).toBe(false);
    expect(simulator.signals().map((signal) => [signal.signalType, signal.accepted])).toEqual([
      ['Reject', true],
      ['Approve', false],
    ]);
    const rejected = await recordOf(latestEvent('Change Request Status Update'));
    expect(rejected.view.status).toBe('Rejected');
    expect(rejected.view.outcome).toBe('rejected');
  });

  it('reports a caller that is not an approver', async () => {
    simulator.startChangeRequest({ approvers: ['arn:aws:iam::111122223333:role/ReleaseManagers'], checkApprovers: true });
    const record = await recordOf(latestEvent('Change Request Status Update'));

    const error = await rejectionOf<AutomationSignalError>(writeback.apply(writebackRecord(record), { signal: { type: 'Approve', comment: 'ok' } }));

    expect(error).toBeInstanceOf(AutomationSignalError);
    expect(error.reason).toBe(SIGNAL_FAILURE_REASONS.notApprover);
    expect(error.retryable).toBe(false);
  });

  it('writes the ticket to the OpsItem', async () => {
    const execution = simulator.startChangeRequest({ approvers: [CALLER_ROLE] });
    const record = await recordOf(latestEvent('Change Request Status Update'));

    await writeback.apply(writebackRecord(record), { ticket: TICKET, note: 'Tracked in CHG0030012' });

    const opsItem = simulator.getOpsItem(execution.OpsItemId!);
    expect(JSON.parse(opsItem!.OperationalData!['itsm-sync:ticket']!.Value!)).toEqual({ system: 'servicenow', number: 'CHG0030012', url: TICKET.url });
    expect(opsItem!.OperationalData!['itsm-sync:notes']!.Value).toBe('--- 2025-03-12T11:00:00.000Z ---\nTracked in CHG0030012');
    expect(simulator.signals()).toEqual([]);
  });

  it('waits for a calendar override', async () => {
    simulator.setChangeCalendarClosed(true);
    simulator.startChangeRequest({ approvers: [CALLER_ROLE] });
    const pending = await recordOf(latestEvent('Change Request Status Update'));
    await writeback.apply(writebackRecord(pending), { signal: { type: 'Approve', comment: 'approved' } });

    const record = await recordOf(latestEvent('Change Request Status Update'));

    expect(record.view.status).toBe('PendingChangeCalendarOverride');
    expect(record.view.calendarOverride).toBe(true);
    expect(record.view.waitingForApproval).toBe(true);
  });
});

describe('Automation runbook with an approval step', () => {
  it('reads the execution from its status event', async () => {
    const execution = simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });

    const record = await recordOf(latestEvent('EC2 Automation Execution Status-change Notification'));

    expect(record.displayId).toBe(execution.AutomationExecutionId);
    expect(record.format).toBe('automation');
    expect(record.writebackKey).toEqual({ executionId: execution.AutomationExecutionId, region: 'us-east-1', account: '111122223333' });
    expect(record.view.kind).toBe('automation');
    expect(record.view.status).toBe('Waiting');
    expect(record.view.waitingForApproval).toBe(true);
    expect(record.view.approvers).toContain(CALLER_ROLE);
    expect(record.view.steps.some((step) => step.action === 'aws:approve' && step.status === 'Waiting')).toBe(true);
  });

  it('reads the execution from a step event', async () => {
    simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });

    const record = await recordOf(latestEvent('EC2 Automation Step Status-change Notification'));

    expect(record.view.waitingForApproval).toBe(true);
  });

  it('rejects the execution', async () => {
    const execution = simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });
    const record = await recordOf(latestEvent('EC2 Automation Execution Status-change Notification'));

    await writeback.apply(writebackRecord(record), { signal: { type: 'Reject', comment: 'Rejected in ServiceNow CHG0030020 by casey.example' } });

    expect(simulator.signals()).toEqual([expect.objectContaining({ executionId: execution.AutomationExecutionId, signalType: 'Reject', accepted: true })]);
    const after = await recordOf(latestEvent('EC2 Automation Execution Status-change Notification'));
    expect(after.view.waitingForApproval).toBe(false);
  });

  it('reports the failed step', async () => {
    const execution = simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });
    const waiting = await recordOf(latestEvent('EC2 Automation Execution Status-change Notification'));
    await writeback.apply(writebackRecord(waiting), { signal: { type: 'Approve', comment: 'go' } });
    simulator.finishExecution(execution.AutomationExecutionId!, { status: 'Failed', failureMessage: 'instance i-0a1b2c3d4e5f60718 not found' });

    const record = await recordOf(latestEvent('EC2 Automation Execution Status-change Notification'));

    expect(record.view.status).toBe('Failed');
    expect(record.view.outcome).toBe('failed');
    expect(record.view.failedStep?.message).toContain('instance i-0a1b2c3d4e5f60718 not found');
    expect(record.view.executionEndTime).not.toBeNull();
  });

  it('ignores the ticket of a plain execution', async () => {
    simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });
    const record = await recordOf(latestEvent('EC2 Automation Execution Status-change Notification'));
    const before = simulator.calls.length;

    await writeback.apply(writebackRecord(record), { ticket: TICKET });

    expect(simulator.calls.length).toBe(before);
  });
});

describe('faults', () => {
  it('throws a throttled read for a retry', async () => {
    simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });
    const event = latestEvent('EC2 Automation Execution Status-change Notification');
    simulator.injectFaults([{ operation: 'GetAutomationExecution', errorType: 'ThrottlingException', message: 'Rate exceeded' }]);

    const error = await rejectionOf<ChangeRequestReadError>(source.toRecords(event));

    expect(error).toBeInstanceOf(ChangeRequestReadError);
    expect(error.errorCode).toBe('ThrottlingException');
  });

  it('marks a throttled signal retryable', async () => {
    simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });
    const record = await recordOf(latestEvent('EC2 Automation Execution Status-change Notification'));
    simulator.injectFaults([{ operation: 'SendAutomationSignal', errorType: 'ThrottlingException', message: 'Rate exceeded' }]);

    const error = await rejectionOf<AutomationSignalError>(writeback.apply(writebackRecord(record), { signal: { type: 'Approve', comment: 'ok' } }));

    expect(error).toBeInstanceOf(AutomationSignalError);
    expect(error.retryable).toBe(true);
    expect(error.reason).toBe(SIGNAL_FAILURE_REASONS.throttled);

    await writeback.apply(writebackRecord(record), { signal: { type: 'Approve', comment: 'ok' } });
    expect(simulator.signals().map((signal) => signal.accepted)).toEqual([false, true]);
  });

  it('skips an execution the simulator does not know', async () => {
    simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });
    const event = latestEvent('EC2 Automation Execution Status-change Notification');
    simulator.reset();

    expect(await source.toRecords(event)).toEqual([]);
    expect(log.lines().some((line) => line.level === 40 && /no longer exists/.test(String(line.msg)))).toBe(true);
  });
});
