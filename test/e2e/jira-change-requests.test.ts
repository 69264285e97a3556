/**
 * AWS Change Manager change requests to JSM changes with JSM approvals, on Jira Cloud and Data
 * Center. The approvers' decision in Jira reaches AWS as one SendAutomationSignal, recorded in the
 * decisions audit trail, and the runbook's outcome completes the change. Through SQS on loopback,
 * with AWS events (the echo of the connector's own signal included) forwarded to the queue.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { runDecisions } from '../../src/cli/decisions.js';
import type { Harness } from '../support/harness.js';
import { AGENT, AGENT_NAME, APPROVER, APPROVER_NAME, commentTexts, issueMentioning, jiraOf, startJiraHarness } from '../support/jira.js';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

/** File a Change Manager change request that waits for the connector's role to approve. */
async function fileChangeRequest(): Promise<{ executionId: string; key: string }> {
  const execution = harness.ssm.startChangeRequest({ templateName: 'Example-RestartWebTierChangeTemplate', approvers: [harness.ssm.callerArn] });
  await harness.settle();
  const key = issueMentioning(jiraOf(harness), 'ITS', `Automation execution: ${execution.AutomationExecutionId}`).key;
  return { executionId: execution.AutomationExecutionId, key };
}

/** Signals AWS accepted, by type. */
function acceptedSignals(type: 'Approve' | 'Reject'): Array<Record<string, any>> {
  return harness.ssm.signals().filter((signal) => signal.accepted && signal.signalType === type) as Array<Record<string, any>>;
}

function status(key: string): string | undefined {
  return jiraOf(harness).issue(key)?.fields.status.name;
}

describe.each(['cloud', 'datacenter'] as const)('change requests to Jira %s changes', (deployment) => {
  it('creates a JSM change that waits in Awaiting approval', async () => {
    harness = await startJiraHarness(deployment);
    const { key } = await fileChangeRequest();
    const jira = jiraOf(harness);

    const change = jira.issue(key)!;
    expect(change.fields.issuetype.name).toBe('[System] Change');
    expect(change.fields.status.name).toBe('Awaiting approval');
    expect(change.fields.summary).toContain('[AWS change]');
    expect(change.fields.labels).toContain('aws-change');
    const [approval, ...others] = jira.approvals(key);
    expect(others).toHaveLength(0);
    expect(approval?.finalDecision).toBe('pending');
    expect(harness.ssm.signals()).toEqual([]);
  });

  it('approves once, records the decision, then completes on success', async () => {
    harness = await startJiraHarness(deployment);
    const { executionId, key } = await fileChangeRequest();
    const jira = jiraOf(harness);

    jira.decideApproval(key, APPROVER[deployment], 'approve', 'Fits the maintenance window');
    await harness.poll();
    // The same approval read again: by the next poll, and after a restart, which rereads the overlap.
    await harness.poll();
    await harness.restartConnector();
    await harness.poll();

    const approvals = acceptedSignals('Approve');
    expect(approvals).toHaveLength(1);
    expect(JSON.stringify(approvals[0]?.payload)).toContain(`Approved in Jira ${key} by ${APPROVER_NAME}`);
    expect(acceptedSignals('Reject')).toHaveLength(0);

    const decisions = await harness.connector.store.listDecisions();
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ executionId, signal: 'Approve', status: 'sent', ticketNumber: key, ticketUrl: `${jira.url}/browse/${key}` });
    const approverId = deployment === 'cloud' ? jira.users.find((user) => user.login === APPROVER.cloud)?.accountId : APPROVER.datacenter;
    expect(decisions[0]?.approver).toBe(approverId);

    // `itsm-sync decisions --json` prints the same audit trail from the state file.
    let printed = '';
    const exitCode = await runDecisions({ json: true }, { STATE_STORE: `sqlite:${harness.stateFile}` }, { stdout: { write: (text: string) => (printed += text) }, stderr: { write: () => true } });
    expect(exitCode).toBe(0);
    const rows = printed.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ executionId, signal: 'Approve', status: 'sent', ticketNumber: key, approver: approverId });

    // AWS runs the runbook: the change moves on to Implementing, then completes with it.
    expect(status(key)).toBe('Implementing');
    harness.ssm.finishExecution(executionId, { status: 'Success' });
    await harness.settle();

    const completed = jira.issue(key)!;
    expect(completed.fields.status.name).toBe('Completed');
    expect(completed.fields.resolution?.name).toBe('Done');
    expect(commentTexts(jira, key).at(-1)).toBe(`AWS Automation execution ${executionId} succeeded.`);
    expect(acceptedSignals('Approve')).toHaveLength(1);

    // Nothing goes back for the connector's own writes.
    await harness.poll();
    expect(harness.ssm.signals()).toHaveLength(1);
  });

  it('closes the change with the failure noted', async () => {
    harness = await startJiraHarness(deployment);
    const { executionId, key } = await fileChangeRequest();
    jiraOf(harness).decideApproval(key, APPROVER[deployment], 'approve');
    await harness.poll();
    expect(status(key)).toBe('Implementing');

    harness.ssm.finishExecution(executionId, { status: 'Failed', failedStep: 'patchInstances', failureMessage: 'Instance i-0abc is not managed' });
    await harness.settle();

    const closed = jiraOf(harness).issue(key)!;
    expect(closed.fields.status.name).toBe('Completed');
    expect(closed.fields.resolution?.name).toBe("Won't Do");
    expect(commentTexts(jiraOf(harness), key).at(-1)).toContain('ended as Failed: step patchInstances failed: Instance i-0abc is not managed');
  });

  it('sends Reject when the approver declines', async () => {
    harness = await startJiraHarness(deployment);
    const { executionId, key } = await fileChangeRequest();

    jiraOf(harness).decideApproval(key, APPROVER[deployment], 'decline', 'Not during the freeze');
    await harness.poll();
    await harness.poll();

    const rejects = acceptedSignals('Reject');
    expect(rejects).toHaveLength(1);
    expect(JSON.stringify(rejects[0]?.payload)).toContain(`Declined in Jira ${key} by ${APPROVER_NAME}`);
    expect(acceptedSignals('Approve')).toHaveLength(0);
    expect(harness.ssm.getAutomationExecution(executionId)?.AutomationExecutionStatus).toBe('Rejected');
    expect(await harness.connector.store.listDecisions()).toMatchObject([{ executionId, signal: 'Reject', status: 'sent' }]);
    // AWS reports the rejection back: the change stays Declined.
    expect(status(key)).toBe('Declined');
  });

  it('sends Reject when the change is canceled in Jira', async () => {
    harness = await startJiraHarness(deployment);
    const { executionId, key } = await fileChangeRequest();

    jiraOf(harness).transitionTo(key, 'Canceled', AGENT[deployment]);
    await harness.poll();
    await harness.poll();

    const rejects = acceptedSignals('Reject');
    expect(rejects).toHaveLength(1);
    expect(JSON.stringify(rejects[0]?.payload)).toContain(`Canceled in Jira ${key} by ${AGENT_NAME}`);
    expect(harness.ssm.getAutomationExecution(executionId)?.AutomationExecutionStatus).toBe('Rejected');
    expect(status(key)).toBe('Canceled');
  });
});

describe('change calendar override on Jira', () => {
  it('asks for a new JSM approval and sends one override Approve', async () => {
    harness = await startJiraHarness('cloud');
    harness.ssm.setChangeCalendarClosed(true);
    const { executionId, key } = await fileChangeRequest();
    const jira = jiraOf(harness);

    jira.decideApproval(key, APPROVER.cloud, 'approve');
    await harness.poll();
    await harness.settle();
    expect(acceptedSignals('Approve')).toHaveLength(1);
    expect(harness.ssm.getAutomationExecution(executionId)?.AutomationExecutionStatus).toBe('PendingChangeCalendarOverride');

    // The change is back in Awaiting approval with a new, pending approval; the first one does not count.
    await harness.poll();
    expect(status(key)).toBe('Awaiting approval');
    expect(jira.approvals(key).map((approval) => approval.finalDecision)).toEqual(['approved', 'pending']);
    expect(acceptedSignals('Approve')).toHaveLength(1);
    expect(commentTexts(jira, key).some((text) => text.includes('calendar override'))).toBe(true);

    jira.decideApproval(key, APPROVER.cloud, 'approve');
    await harness.poll();
    await harness.poll();
    await harness.settle();

    expect(acceptedSignals('Approve')).toHaveLength(2);
    expect(JSON.stringify(acceptedSignals('Approve')[1]?.payload)).toContain(`Approved (change calendar override) in Jira ${key} by ${APPROVER_NAME}`);
    const decisions = await harness.connector.store.listDecisions();
    expect(decisions.map((decision) => [decision.decisionKind, decision.signal])).toEqual([
      ['approval', 'Approve'],
      ['calendar-override', 'Approve'],
    ]);
  });
});
