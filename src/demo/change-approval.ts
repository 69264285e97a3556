/**
 * The demo's third part, change approval. A Change Manager change request filed in AWS becomes a
 * change in the ITSM system, and an approver approves it there. One change poll sends the Approve
 * signal to the Automation execution, and the runbook's outcome closes the change.
 */
import { runDecisions } from '../cli/decisions.js';
import type { TicketRef } from '../core/types.js';
import type { ChangeRequestOptions, ReceivedSignal } from '../simulators/ssm/server.js';
import type { Decision } from '../state/store.js';
import type { SyncOutcome } from '../sync/engine.js';
import type { ChangeView, StoredChange } from './demo-target.js';
import type { DemoSession } from './session.js';
import { writesBetween, type WriteCounts } from './traffic.js';

/** The comment the approver writes on the approval. */
export const APPROVAL_COMMENT = 'Fits the Tuesday maintenance window';

/**
 * The change request filed in each run. The template is not in the mapping's list of pre-approved
 * templates, so it becomes a normal change that waits for the CAB. The approvers are added when it is
 * filed, because the connector's role ARN comes from the SSM simulator.
 */
export const DEMO_CHANGE_REQUEST = {
  changeRequestName: 'Restart the orders web tier',
  templateName: 'Example-RestartWebTierChangeTemplate',
  runbookName: 'AWS-RestartEC2Instance',
  runbookParameters: { InstanceId: ['i-0c4e1f7a9b2d3e5f6'] },
} as const satisfies ChangeRequestOptions;

/** One step of the change approval, with AWS and the ITSM system as they were right after it. */
export interface ChangeApprovalStep {
  action: 'filed' | 'approved' | 'polled' | 'finished';
  /** `AutomationExecutionStatus` of the change request's execution. */
  executionStatus: string;
  change?: ChangeView;
  /** Outcomes of the syncs of this execution's events that the connector handled during the step. */
  syncOutcomes: SyncOutcome[];
  /** AWS writes that the change poll made for the change, such as `signal Approve`. */
  reverseWrites: string[];
}

/** A change that an earlier run in the same data folder created. */
export interface EarlierChange {
  view: ChangeView;
  /** The AutomationExecutionId the change tracks, from its link in the state store. */
  executionId?: string;
}

/** The result of the change approval part. */
export interface ChangeApprovalReport {
  executionId: string;
  /** ARN of the approver the change request names: the connector's role. */
  approverArn: string;
  /** Changes that earlier runs left in the ITSM system, as they were before this part started. */
  earlierChanges: EarlierChange[];
  steps: ChangeApprovalStep[];
  /** Reason the part ended before the runbook finished, absent when every step ran. */
  stoppedBecause?: string;
  /** SendAutomationSignal requests AWS received for this execution, accepted or not. */
  signals: ReceivedSignal[];
  /** Every decision in the state store, this run's and earlier ones'. */
  decisions: Decision[];
  /** The audit trail as `itsm-sync decisions` prints it. */
  auditTrail: string;
  /** Changes in the ITSM simulator after this part. */
  changeCount: number;
  /** Correlation values that more than one change carries: each one is a duplicate change for one execution. */
  duplicateCorrelations: string[];
  writes: WriteCounts;
}

/**
 * Files {@link DEMO_CHANGE_REQUEST} with the connector's role as approver, waits until its event
 * has created a change, approves the change as the target's approver, runs one change poll, ends
 * the runbook with Success, and reads the audit trail. A step whose precondition does not hold (no
 * change was created, the change does not wait for approval, the runbook did not start) ends the
 * part, with the reason in `stoppedBecause`.
 */
export async function runChangeApproval(session: DemoSession): Promise<ChangeApprovalReport> {
  const { stack, target, traffic } = session;
  const writesBefore = traffic.writes();
  session.takeSyncResults();
  session.takeReverseResults();
  const earlierChanges = await readEarlierChanges(session);

  // Filing the change request emits its events, which the simulator forwards to the queue.
  const execution = stack.ssm.startChangeRequest({ ...DEMO_CHANGE_REQUEST, approvers: [stack.ssm.callerArn] });
  const executionId = execution.AutomationExecutionId;
  const played = await playSteps(session, executionId);

  const changes = target.changes();
  return {
    executionId,
    approverArn: stack.ssm.callerArn,
    earlierChanges,
    ...played,
    signals: stack.ssm.signals().filter((signal) => signal.executionId === executionId),
    decisions: await session.connector.store.listDecisions(),
    auditTrail: await readAuditTrail(session.stateStore),
    changeCount: changes.length,
    duplicateCorrelations: duplicateCorrelations(changes),
    writes: writesBetween(writesBefore, traffic.writes()),
  };
}

/** Runs the steps from the filed change request to the closed change, as far as each one allows. */
async function playSteps(session: DemoSession, executionId: string): Promise<{ steps: ChangeApprovalStep[]; stoppedBecause?: string }> {
  const { stack, connector, target, traffic } = session;
  const steps: ChangeApprovalStep[] = [];

  await traffic.settle();
  const filedSyncs = takeSyncOutcomes(session, executionId);
  const ticket = filedSyncs.ticket;
  steps.push(stepAfter(session, 'filed', executionId, ticket, filedSyncs.outcomes, []));
  if (ticket === undefined) {
    const outcomes = filedSyncs.outcomes.join(', ') || 'no sync';
    return { steps, stoppedBecause: `the connector created no change for the change request (${outcomes}), so there is nothing to approve` };
  }

  const waiting = target.change(ticket);
  if (waiting?.awaitingApproval !== true) {
    const view = waiting === undefined ? `it is not in ${target.name}` : `its approval is "${waiting.approval}"`;
    return { steps, stoppedBecause: `${ticket.number} does not wait for approval (${view}), so ${target.approver} has nothing to approve` };
  }

  target.approveChange(ticket, APPROVAL_COMMENT);
  steps.push(stepAfter(session, 'approved', executionId, ticket, [], []));

  // One poll, as the timer would run it. The signal starts the runbook, whose events come back.
  await connector.poller.pollOnce();
  await traffic.settle();
  const reverseWrites = session
    .takeReverseResults()
    .filter((entry) => entry.ticket.ref.id === ticket.id)
    .flatMap(({ result }) => result.writes);
  steps.push(stepAfter(session, 'polled', executionId, ticket, takeSyncOutcomes(session, executionId).outcomes, reverseWrites));

  const status = stack.ssm.getAutomationExecution(executionId)?.AutomationExecutionStatus;
  if (status !== 'InProgress') {
    return { steps, stoppedBecause: `execution ${executionId} is ${status ?? 'gone'} after the poll, so its runbook did not start` };
  }

  stack.ssm.finishExecution(executionId, { status: 'Success' });
  await traffic.settle();
  steps.push(stepAfter(session, 'finished', executionId, ticket, takeSyncOutcomes(session, executionId).outcomes, []));
  return { steps };
}

/**
 * Removes the collected sync results and returns the outcomes of those about this execution, with
 * the change they link to. Results about other records are dropped, because the demo runs nothing
 * else meanwhile and they would show against the wrong step.
 */
function takeSyncOutcomes(session: DemoSession, executionId: string): { outcomes: SyncOutcome[]; ticket?: TicketRef } {
  const results = session.takeSyncResults().filter(({ record }) => record.kind === 'change-request' && record.displayId === executionId);
  return {
    outcomes: results.map(({ result }) => result.outcome),
    ticket: results.map(({ result }) => result.ticket).find((candidate) => candidate !== undefined),
  };
}

function stepAfter(
  session: DemoSession,
  action: ChangeApprovalStep['action'],
  executionId: string,
  ticket: TicketRef | undefined,
  syncOutcomes: SyncOutcome[],
  reverseWrites: string[],
): ChangeApprovalStep {
  const execution = session.stack.ssm.getAutomationExecution(executionId);
  return {
    action,
    executionStatus: execution?.AutomationExecutionStatus ?? '(not found)',
    change: ticket === undefined ? undefined : session.target.change(ticket),
    syncOutcomes,
    reverseWrites,
  };
}

/**
 * Reads the changes that earlier runs left in the ITSM simulator, with the execution each one
 * tracks. The execution id comes from the link in the state store, which the change's correlation
 * value names.
 */
async function readEarlierChanges(session: DemoSession): Promise<EarlierChange[]> {
  const earlier: EarlierChange[] = [];
  for (const { view, correlation } of session.target.changes()) {
    const link = correlation === '' ? undefined : await session.connector.store.getLink(correlation);
    const awsRecord = Object.values(link?.awsRecords ?? {})[0];
    earlier.push({ view, executionId: awsRecord?.displayId });
  }
  return earlier;
}

/**
 * Returns the audit trail as `itsm-sync decisions` prints it, by running that command against the
 * connector's state store. A second connection to the SQLite file is fine while the connector has it open.
 */
async function readAuditTrail(stateStore: string): Promise<string> {
  let text = '';
  const collect = { write: (chunk: string) => (text += chunk) };
  await runDecisions({ json: false }, { STATE_STORE: stateStore }, { stdout: collect, stderr: collect });
  return text;
}

/** Returns the correlation values that more than one change carries. */
function duplicateCorrelations(changes: StoredChange[]): string[] {
  const counts = new Map<string, number>();
  for (const { correlation } of changes) {
    if (correlation !== '') counts.set(correlation, (counts.get(correlation) ?? 0) + 1);
  }
  return [...counts].filter(([, count]) => count > 1).map(([correlation]) => correlation);
}
