import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { Harness, SHIPPED_MAPPINGS } from '../support/harness.js';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

async function start(options: { webhookSecret?: string } = {}): Promise<Harness> {
  harness = await Harness.start({ forwardAwsEvents: true, ...options });
  return harness;
}

function changes(): Array<Record<string, string>> {
  return harness.serviceNow.records('change_request');
}

function changeFor(executionId: string): Record<string, string> {
  const change = changes().find((candidate) => (candidate.description ?? '').includes(executionId));
  if (!change) throw new Error(`No change_request mentions execution ${executionId}`);
  return change;
}

/** Signals AWS accepted, by type. */
function acceptedSignals(type: 'Approve' | 'Reject'): unknown[] {
  return harness.ssm.signals().filter((signal) => signal.accepted && signal.signalType === type);
}

/** File a Change Manager change request that waits for the connector's role to approve. */
async function fileChangeRequest(templateName = 'Example-RestartWebTierChangeTemplate') {
  const execution = harness.ssm.startChangeRequest({ templateName, approvers: [harness.ssm.callerArn] });
  await harness.settle();
  return execution;
}

describe('change requests through SQS', () => {
  it('creates a normal change that waits in Assess for approval', async () => {
    await start();
    const execution = await fileChangeRequest();

    const change = changeFor(execution.AutomationExecutionId);
    expect(change.type).toBe('normal');
    expect(change.state).toBe('-4');
    expect(change.approval).toBe('requested');
    expect(change.short_description).toContain('[AWS change]');
    expect(harness.ssm.signals()).toEqual([]);
  });

  it('approves once, then closes on success', async () => {
    await start({ webhookSecret: 'e2e-webhook-secret-0123456789abcdef' });
    const execution = await fileChangeRequest();
    const change = changeFor(execution.AutomationExecutionId);

    harness.serviceNow.approveChange(change.sys_id!, { user: 'cab.member', comment: 'Fits the maintenance window' });
    // The webhook and the poller both see the approval: one signal.
    await harness.serviceNow.webhooksSettled();
    await harness.settle();
    await harness.poll();

    expect(acceptedSignals('Approve')).toHaveLength(1);
    const [signal] = harness.ssm.signals();
    expect(JSON.stringify(signal?.payload)).toContain(`Approved in ServiceNow ${change.number} by cab.member: Fits the maintenance window`);
    expect(changeFor(execution.AutomationExecutionId).state).toBe('-1');

    const decisions = await harness.connector.store.listDecisions();
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ executionId: execution.AutomationExecutionId, signal: 'Approve', status: 'sent', approver: 'cab.member', ticketNumber: change.number });

    harness.ssm.finishExecution(execution.AutomationExecutionId, { status: 'Success' });
    await harness.settle();

    const closed = changeFor(execution.AutomationExecutionId);
    expect(closed.state).toBe('3');
    expect(closed.close_code).toBe('successful');
    expect(acceptedSignals('Approve')).toHaveLength(1);
  });

  it('closes the change as unsuccessful with the failed step', async () => {
    await start();
    const execution = await fileChangeRequest();
    harness.serviceNow.approveChange(changeFor(execution.AutomationExecutionId).sys_id!, { user: 'cab.member' });
    await harness.poll();

    harness.ssm.finishExecution(execution.AutomationExecutionId, { status: 'Failed', failedStep: 'patchInstances', failureMessage: 'Instance i-0abc is not managed' });
    await harness.settle();

    const closed = changeFor(execution.AutomationExecutionId);
    expect(closed.state).toBe('3');
    expect(closed.close_code).toBe('unsuccessful');
    expect(closed.close_notes).toContain('Instance i-0abc is not managed');
  });

  it('sends Reject when the change is rejected', async () => {
    await start();
    const execution = await fileChangeRequest();
    harness.serviceNow.rejectChange(changeFor(execution.AutomationExecutionId).sys_id!, { user: 'cab.member', comment: 'Not during the freeze' });
    await harness.poll();

    expect(acceptedSignals('Reject')).toHaveLength(1);
    expect(JSON.stringify(harness.ssm.signals()[0]?.payload)).toContain('Rejected in ServiceNow');
    expect(acceptedSignals('Approve')).toHaveLength(0);
    expect(harness.ssm.getAutomationExecution(execution.AutomationExecutionId)?.AutomationExecutionStatus).toBe('Rejected');
    // AWS reports the rejection back: the change is canceled, with one write and no close fields.
    const change = changeFor(execution.AutomationExecutionId);
    expect(change.state).toBe('4');
    expect(change.close_code).toBe('');
  });

  it('sends Reject when the change is cancelled in ServiceNow', async () => {
    await start();
    const execution = await fileChangeRequest();
    harness.serviceNow.cancelChange(changeFor(execution.AutomationExecutionId).sys_id!, { user: 'cab.member', reason: 'Superseded by CHG0030099' });
    await harness.poll();

    expect(acceptedSignals('Reject')).toHaveLength(1);
    expect(JSON.stringify(harness.ssm.signals()[0]?.payload)).toContain('Canceled in ServiceNow');
    // The cancelled change stays cancelled when AWS reports the rejection back.
    expect(changeFor(execution.AutomationExecutionId).state).toBe('4');
  });

  it('approves a pre-approved template at once, as a standard change', async () => {
    await start();
    const execution = await fileChangeRequest('StandardFleetPatching');

    const change = changeFor(execution.AutomationExecutionId);
    expect(change.type).toBe('standard');
    expect(change.approval).toBe('approved');
    expect(acceptedSignals('Approve')).toHaveLength(1);
  });

  it('handles an Automation runbook waiting at an aws:approve step', async () => {
    await start();
    const execution = harness.ssm.startWaitingExecution({ approvers: [harness.ssm.callerArn] });
    await harness.settle();

    const change = changeFor(execution.AutomationExecutionId);
    harness.serviceNow.approveChange(change.sys_id!, { user: 'cab.member' });
    await harness.poll();

    expect(acceptedSignals('Approve')).toHaveLength(1);
  });

  it('notes a rejected signal without retrying', async () => {
    await start();
    // The connector's role is not among the execution's approvers.
    const execution = harness.ssm.startWaitingExecution({ approvers: ['arn:aws:iam::111122223333:role/SomeoneElse'], checkApprovers: true });
    await harness.settle();
    const change = changeFor(execution.AutomationExecutionId);

    harness.serviceNow.approveChange(change.sys_id!, { user: 'cab.member' });
    await harness.poll();
    await harness.poll();

    expect(harness.ssm.signals()).toHaveLength(1);
    expect(acceptedSignals('Approve')).toHaveLength(0);
    const [decision] = await harness.connector.store.listDecisions();
    expect(decision?.status).toBe('refused');
    const notes = harness.serviceNow.records('sys_journal_field').filter((entry) => entry.element_id === change.sys_id && entry.element === 'work_notes');
    expect(notes.map((entry) => entry.value).join('\n')).toContain('itsm-sync could not send the Approve');
  });

  it('notes a decision that comes after AWS stopped waiting, and cancels the change', async () => {
    await start();
    const execution = await fileChangeRequest();
    const change = changeFor(execution.AutomationExecutionId);

    // The approval and the end of the execution cross: AWS cancels while the CAB approves.
    harness.serviceNow.approveChange(change.sys_id!, { user: 'cab.member' });
    harness.ssm.finishExecution(execution.AutomationExecutionId, { status: 'Cancelled' });
    await harness.connector.poller.pollOnce();
    await harness.settle();

    const [signal] = harness.ssm.signals();
    expect(signal).toMatchObject({ signalType: 'Approve', accepted: false, errorType: 'InvalidAutomationSignalException' });
    const [decision] = await harness.connector.store.listDecisions();
    expect(decision).toMatchObject({ status: 'refused', errorCode: 'InvalidAutomationSignalException' });

    const canceled = changeFor(execution.AutomationExecutionId);
    expect(canceled.state).toBe('4');
    const notes = harness.serviceNow.records('sys_journal_field').filter((entry) => entry.element_id === change.sys_id && entry.element === 'work_notes');
    expect(notes.map((entry) => entry.value).join('\n')).toContain('itsm-sync could not send the Approve');
    expect(notes.map((entry) => entry.value).join('\n')).toContain('ended as Cancelled before it started');

    await harness.poll();
    expect(harness.ssm.signals()).toHaveLength(1);
  });

  it('cancels a change whose execution timed out while it waited for approval', async () => {
    await start();
    const execution = await fileChangeRequest();
    harness.ssm.finishExecution(execution.AutomationExecutionId, { status: 'TimedOut' });
    await harness.settle();

    expect(changeFor(execution.AutomationExecutionId).state).toBe('4');
    expect(harness.ssm.signals()).toEqual([]);
  });

  it('retries a throttled signal at the next poll', async () => {
    await start();
    const execution = await fileChangeRequest();
    harness.ssm.injectFaults([{ operation: 'SendAutomationSignal', errorType: 'ThrottlingException', times: 2 }]);
    harness.serviceNow.approveChange(changeFor(execution.AutomationExecutionId).sys_id!, { user: 'cab.member' });
    await harness.poll();
    expect(acceptedSignals('Approve')).toHaveLength(0);

    await harness.poll();
    expect(acceptedSignals('Approve')).toHaveLength(1);
  });
});

describe('ServiceNow changes that start a runbook', () => {
  /** Copy the shipped mappings, with `start` appended to the change request rule. */
  function mappingsWithStart(start: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'itsm-sync-start-'));
    cpSync(SHIPPED_MAPPINGS, dir, { recursive: true });
    const file = join(dir, 'change-request-to-change.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nstart:\n${start}`);
    return dir;
  }

  /** The start section that runs AWS-RestartEC2Instance on the change's instance. */
  const RESTART_RUNBOOK = `  query: category=AWS Automation^approval=approved
  fields: [state, u_instance_id]
  when: state = "-2"
  runbook: AWS-RestartEC2Instance
  parameters:
    InstanceId: u_instance_id
  write:
    state:
      const: "-1"
`;

  /** The start section that starts an auto-approved Change Manager change request. */
  const AUTO_APPROVED_CHANGE_REQUEST = `  query: category=AWS Automation^approval=approved
  fields: [state]
  when: state = "-2"
  changeTemplate: StandardFleetPatching
  templateParameters:
    Approver: '"ItsmSyncTaskRole"'
    ApproverType: '"IamRole"'
  runbook: PatchOrdersFleet
  parameters:
    Operation: '"Install"'
  write:
    state:
      const: "-1"
`;

  /** File a normal change in ServiceNow as a person, with the given instance, and have the CAB approve it. */
  function approvedChange(instanceId?: string): Record<string, string> {
    const change = harness.serviceNow.insertRecord(
      'change_request',
      { short_description: 'Restart the web tier', category: 'AWS Automation', type: 'normal', u_instance_id: instanceId ?? '' },
      { user: 'jane.doe' },
    );
    harness.serviceNow.updateRecord('change_request', change.sys_id!, { state: '-4' }, { user: 'jane.doe' });
    harness.serviceNow.approveChange(change.sys_id!, { user: 'cab.member' });
    return harness.serviceNow.records('change_request').find((candidate) => candidate.sys_id === change.sys_id)!;
  }

  function startCalls(): number {
    return harness.ssm.calls.filter((call) => call.operation === 'StartAutomationExecution').length;
  }

  it('starts the runbook once, then closes the change with its outcome', async () => {
    harness = await Harness.start({ forwardAwsEvents: true, mappingsDir: mappingsWithStart(RESTART_RUNBOOK) });
    const change = approvedChange('i-0abc1234def567890');

    await harness.poll();
    await harness.poll();

    expect(startCalls()).toBe(1);
    const started = harness.serviceNow.records('change_request').find((candidate) => candidate.sys_id === change.sys_id)!;
    expect(started.state).toBe('-1');
    expect(started.correlation_id).toMatch(/^aws-cr-/);
    const execution = harness.ssm.calls.find((call) => call.operation === 'StartAutomationExecution')!;
    expect(execution.body).toMatchObject({ DocumentName: 'AWS-RestartEC2Instance', Parameters: { InstanceId: ['i-0abc1234def567890'] } });
    const notes = harness.serviceNow.records('sys_journal_field').filter((entry) => entry.element_id === change.sys_id).map((entry) => entry.value);
    expect(notes.join('\n')).toContain('itsm-sync started AWS Automation runbook AWS-RestartEC2Instance, execution ');

    const id = /execution ([0-9a-f-]{36})/.exec(notes.join('\n'))![1]!;
    harness.ssm.finishExecution(id, { status: 'Success' });
    await harness.settle();

    const closed = harness.serviceNow.records('change_request').find((candidate) => candidate.sys_id === change.sys_id)!;
    expect(closed.state).toBe('3');
    expect(closed.close_code).toBe('successful');
    expect(closed.short_description).toBe('Restart the web tier');
  });

  it('closes the change when the runbook ends before its first event is handled', async () => {
    harness = await Harness.start({ forwardAwsEvents: true, mappingsDir: mappingsWithStart(RESTART_RUNBOOK) });
    const change = approvedChange('i-0abc1234def567890');

    // The runbook finishes at once: the first event the connector reads shows it done.
    await harness.connector.poller.pollOnce();
    const started = harness.ssm.calls.find((call) => call.operation === 'StartAutomationExecution');
    expect(started).toBeDefined();
    const notes = harness.serviceNow.records('sys_journal_field').filter((entry) => entry.element_id === change.sys_id).map((entry) => entry.value);
    harness.ssm.finishExecution(/execution ([0-9a-f-]{36})/.exec(notes.join('\n'))![1]!, { status: 'Success' });
    await harness.settle();

    const closed = harness.serviceNow.records('change_request').find((candidate) => candidate.sys_id === change.sys_id)!;
    expect(closed).toMatchObject({ state: '3', close_code: 'successful', short_description: 'Restart the web tier' });
  });

  it('starts an auto-approved Change Manager change request when the mapping names a template', async () => {
    harness = await Harness.start({ forwardAwsEvents: true, mappingsDir: mappingsWithStart(AUTO_APPROVED_CHANGE_REQUEST) });
    const change = approvedChange();

    await harness.poll();

    const call = harness.ssm.calls.find((candidate) => candidate.operation === 'StartChangeRequestExecution');
    expect(call?.body).toMatchObject({ DocumentName: 'StandardFleetPatching', AutoApprove: true, Runbooks: [{ DocumentName: 'PatchOrdersFleet', Parameters: { Operation: ['Install'] } }] });
    const started = harness.serviceNow.records('change_request').find((candidate) => candidate.sys_id === change.sys_id)!;
    expect(started.state).toBe('-1');
    const notes = harness.serviceNow.records('sys_journal_field').filter((entry) => entry.element_id === change.sys_id).map((entry) => entry.value).join('\n');
    expect(notes).toContain('auto-approved AWS Change Manager change request (template StandardFleetPatching, runbook PatchOrdersFleet)');

    harness.ssm.finishExecution(/execution ([0-9a-f-]{36})/.exec(notes)![1]!, { status: 'Success' });
    await harness.settle();
    expect(harness.serviceNow.records('change_request').find((candidate) => candidate.sys_id === change.sys_id)).toMatchObject({ state: '3', close_code: 'successful' });
    // Approved in ServiceNow before it started: no signal is sent.
    expect(harness.ssm.signals()).toEqual([]);
  });

  it('notes a change whose parameters fail the runbook check, and starts nothing', async () => {
    harness = await Harness.start({ forwardAwsEvents: true, mappingsDir: mappingsWithStart(RESTART_RUNBOOK) });
    const change = approvedChange('not-an-instance');

    await harness.poll();
    await harness.poll();

    expect(startCalls()).toBe(1);
    const refused = harness.serviceNow.records('change_request').find((candidate) => candidate.sys_id === change.sys_id)!;
    expect(refused.correlation_id).toBe('');
    expect(refused.state).toBe('-2');
    const notes = harness.serviceNow.records('sys_journal_field').filter((entry) => entry.element_id === change.sys_id).map((entry) => entry.value);
    expect(notes.join('\n')).toContain("itsm-sync could not start AWS runbook AWS-RestartEC2Instance: the runbook's parameter check failed");
  });
});

describe('change calendar override', () => {
  /** Copy the shipped mappings, with the CAB member asked to approve calendar overrides. */
  function mappingsWithOverrideApprover(): string {
    const dir = mkdtempSync(join(tmpdir(), 'itsm-sync-override-'));
    cpSync(SHIPPED_MAPPINGS, dir, { recursive: true });
    const file = join(dir, 'change-request-to-change.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('# approvers: [cab.member]', 'approvers: [cab.member]'));
    return dir;
  }

  /** Approve the change as the CAB, and let the poller send the first Approve. */
  async function approveFirstRound(executionId: string): Promise<Record<string, string>> {
    const change = changeFor(executionId);
    harness.serviceNow.approveChange(change.sys_id!, { user: 'cab.member', comment: 'Approved for the window' });
    await harness.poll();
    await harness.settle();
    return changeFor(executionId);
  }

  function overrideRows(changeSysId: string): Array<Record<string, string>> {
    return harness.serviceNow.records('sysapproval_approver').filter((row) => row.sysapproval === changeSysId);
  }

  it('asks the approvers again and sends one override Approve', async () => {
    harness = await Harness.start({ forwardAwsEvents: true, mappingsDir: mappingsWithOverrideApprover() });
    harness.ssm.setChangeCalendarClosed(true);
    const execution = await fileChangeRequest();

    const change = await approveFirstRound(execution.AutomationExecutionId);
    expect(acceptedSignals('Approve')).toHaveLength(1);
    expect(harness.ssm.getAutomationExecution(execution.AutomationExecutionId)?.AutomationExecutionStatus).toBe('PendingChangeCalendarOverride');

    // The first approval must not count as the override: the change asks again.
    await harness.poll();
    expect(acceptedSignals('Approve')).toHaveLength(1);
    expect(change.approval).toBe('requested');
    expect(overrideRows(change.sys_id!).filter((row) => row.state === 'requested')).toHaveLength(1);

    harness.serviceNow.approveChange(change.sys_id!, { user: 'cab.member', comment: 'Override the freeze' });
    await harness.poll();
    await harness.poll();
    await harness.settle();

    expect(acceptedSignals('Approve')).toHaveLength(2);
    const override = harness.ssm.signals().filter((signal) => signal.accepted).at(-1);
    expect(JSON.stringify(override?.payload)).toContain('Approved (change calendar override)');
    expect(harness.ssm.getAutomationExecution(execution.AutomationExecutionId)?.AutomationExecutionStatus).not.toBe('PendingChangeCalendarOverride');

    const decisions = await harness.connector.store.listDecisions();
    expect(decisions.map((decision) => [decision.decisionKind, decision.signal, decision.status])).toEqual([
      ['approval', 'Approve', 'sent'],
      ['calendar-override', 'Approve', 'sent'],
    ]);
  });

  it('sends Reject when the override is rejected', async () => {
    harness = await Harness.start({ forwardAwsEvents: true, mappingsDir: mappingsWithOverrideApprover() });
    harness.ssm.setChangeCalendarClosed(true);
    const execution = await fileChangeRequest();
    const change = await approveFirstRound(execution.AutomationExecutionId);

    harness.serviceNow.rejectChange(change.sys_id!, { user: 'cab.member', comment: 'Not during the freeze' });
    await harness.poll();
    await harness.settle();

    expect(acceptedSignals('Approve')).toHaveLength(1);
    expect(acceptedSignals('Reject')).toHaveLength(1);
    expect(harness.ssm.getAutomationExecution(execution.AutomationExecutionId)?.AutomationExecutionStatus).toBe('ChangeCalendarOverrideRejected');
    const decisions = await harness.connector.store.listDecisions();
    expect(decisions.map((decision) => decision.decisionKind)).toEqual(['approval', 'calendar-override']);
  });

  it('leaves an override without routing to Change Manager', async () => {
    await start();
    harness.ssm.setChangeCalendarClosed(true);
    const execution = await fileChangeRequest();
    await approveFirstRound(execution.AutomationExecutionId);
    await harness.poll();

    // The shipped mapping asks again (approval requested, a work note), but names no approvers.
    expect(acceptedSignals('Approve')).toHaveLength(1);
    expect(changeFor(execution.AutomationExecutionId).approval).toBe('requested');
    expect(harness.ssm.getAutomationExecution(execution.AutomationExecutionId)?.AutomationExecutionStatus).toBe('PendingChangeCalendarOverride');
  });
});
