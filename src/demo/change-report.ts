/**
 * The printed change approval part of the demo: the steps table, the signal AWS received, the
 * changes of earlier runs and the audit trail.
 */
import Table from 'cli-table3';

import type { SyncOutcome } from '../sync/engine.js';
import { DEMO_CHANGE_REQUEST, type ChangeApprovalReport, type ChangeApprovalStep, type EarlierChange } from './change-approval.js';
import type { DemoTarget } from './demo-target.js';

/** Words of the change approval's text that depend on the ITSM system. */
export type ChangeWording = Pick<DemoTarget, 'name' | 'approver' | 'closeCodeColumn' | 'changeOutcomeMeanings'>;

const TABLE_STYLE = { head: [], border: [] };

/** How many changes of earlier runs are listed one by one. */
const EARLIER_CHANGES_LISTED = 3;

/**
 * Meaning of each sync outcome for a change request, in the words of this part. The target
 * replaces those that name its states (updated, resolved).
 */
const CHANGE_OUTCOME_MEANINGS: Partial<Record<SyncOutcome, string>> = {
  created: 'the execution waits for approval, so a change was created and linked to it',
  updated: 'the change got the fields that changed, because the runbook runs',
  unchanged: "another event about the execution (a step's status, the OpsItem's) changed nothing mapped",
  resolved: "the runbook ended, so the change was closed with the runbook's outcome",
  'already-resolved': 'the change is closed already, so a later event about the execution wrote nothing',
};

function stepName(action: ChangeApprovalStep['action'], wording: ChangeWording): string {
  const names: Record<ChangeApprovalStep['action'], string> = {
    filed: 'Change request filed in Change Manager; its events reach the queue',
    approved: `${wording.approver} approves the change in ${wording.name}`,
    polled: 'One change poll runs',
    finished: 'The runbook ends with Success',
  };
  return names[action];
}

/** Formats the whole change approval part, ready to print. */
export function formatChangeApproval(report: ChangeApprovalReport, wording: ChangeWording): string {
  const lines: string[] = [
    '',
    `Change approval: an AWS change request waits for approval, ${wording.approver} approves its change in ${wording.name}, and the connector`,
    'sends the decision to AWS:',
    `  Change request "${DEMO_CHANGE_REQUEST.changeRequestName}": template ${DEMO_CHANGE_REQUEST.templateName}, runbook ${DEMO_CHANGE_REQUEST.runbookName}`,
    `  Approver in AWS: the connector's role, ${report.approverArn}`,
  ];
  if (report.earlierChanges.length > 0) lines.push(...earlierChangeLines(report.earlierChanges));

  lines.push(stepsTable(report.steps, wording), ...legendLines(report.steps, wording));
  lines.push('', ...signalLines(report));
  if (report.stoppedBecause !== undefined) lines.push(`Stopped early: ${report.stoppedBecause}.`);

  lines.push('', 'Audit trail of the decisions sent to AWS, as `itsm-sync decisions` prints it (all runs in this data folder):');
  lines.push(report.auditTrail.trimEnd());
  lines.push(changeCountLine(report, wording));
  return `${lines.join('\n')}\n`;
}

/** Lists the newest changes of earlier runs, and counts the older ones by state, so many runs stay short. */
function earlierChangeLines(changes: EarlierChange[]): string[] {
  const listed = changes.slice(-EARLIER_CHANGES_LISTED);
  const older = changes.slice(0, -EARLIER_CHANGES_LISTED);

  const lines: string[] = [];
  if (older.length > 0) {
    const states = countedList(older.map(({ view }) => view.stateName));
    lines.push(`  Earlier runs left ${older.length} older change${older.length === 1 ? '' : 's'} (${states}), and these:`);
  }
  for (const { view, executionId } of listed) {
    const closeCode = view.closeCode === '' ? '' : `, close code ${view.closeCode}`;
    lines.push(`  ${view.number} from an earlier run is ${view.stateName}${closeCode}, for execution ${executionId ?? '(no link in the state store)'}.`);
  }
  const executions = changes.length === 1 ? 'that execution is' : 'those executions are';
  lines.push(
    `  The SSM simulator starts empty, so ${executions} gone: this run files a new change request, which gets`,
    '  a change of its own.',
  );
  if (changes.some(({ view }) => !view.final)) {
    lines.push('  A change above that is not Closed or Canceled stays as it is, because its execution is gone; --fresh removes it.');
  }
  return lines;
}

function stepsTable(steps: ChangeApprovalStep[], wording: ChangeWording): string {
  const table = new Table({
    head: ['Step', 'AWS execution', 'Change', 'State', 'Approval', wording.closeCodeColumn, 'Connector'],
    wordWrap: true,
    style: TABLE_STYLE,
    colWidths: [26, 17, 12, 16, 11, 12, 32],
  });
  table.push(...steps.map((step) => stepRow(step, wording)));
  return table.toString();
}

function stepRow(step: ChangeApprovalStep, wording: ChangeWording): string[] {
  const { change } = step;
  const connector: string[] = [];
  if (step.action === 'polled') connector.push(`poll: ${step.reverseWrites.join(', ') || 'no AWS write'}`);
  if (step.syncOutcomes.length > 0) connector.push(`events: ${countedList(step.syncOutcomes)}`);
  if (step.action === 'approved') connector.push('nothing yet: the change poll reads the approval');

  return [
    stepName(step.action, wording),
    step.executionStatus,
    change === undefined ? '-' : `${change.number}\n${change.type}`,
    change === undefined ? '-' : change.stateName,
    change?.approval || '-',
    change?.closeCode || '-',
    connector.join('\n') || '-',
  ];
}

/** Lists values in order of first appearance, with a count after those that repeat: `updated, unchanged ×2`. */
function countedList(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => (count === 1 ? value : `${value} ×${count}`)).join(', ');
}

function legendLines(steps: ChangeApprovalStep[], wording: ChangeWording): string[] {
  const present = new Set(steps.flatMap((step) => step.syncOutcomes));
  const lines = Object.entries({ ...CHANGE_OUTCOME_MEANINGS, ...wording.changeOutcomeMeanings })
    .filter(([outcome]) => present.has(outcome as SyncOutcome))
    .map(([outcome, meaning]) => `  ${outcome}: ${meaning}`);
  return lines.length === 0 ? [] : ['  Connector: outcomes of the events AWS sent about the execution, from the queue.', ...lines];
}

/** Describes the SendAutomationSignal requests of the execution, from the SSM simulator's log. */
function signalLines(report: ChangeApprovalReport): string[] {
  const { signals } = report;
  if (signals.length === 0) return [`AWS received no SendAutomationSignal for execution ${report.executionId}.`];

  const accepted = signals.filter((signal) => signal.accepted);
  const described = signals.map((signal) => {
    const result = signal.accepted ? 'accepted' : `refused with ${signal.errorType ?? 'an error'}`;
    const comment = signal.payload?.Comment?.[0];
    return `  ${signal.signalType ?? '(no type)'}, ${result}${comment === undefined ? ', no comment' : `, comment: "${comment}"`}`;
  });
  const count = signals.length === 1 ? 'exactly 1 SendAutomationSignal' : `${signals.length} SendAutomationSignal requests (${accepted.length} accepted)`;
  return [`AWS received ${count} for execution ${report.executionId}:`, ...described];
}

function changeCountLine(report: ChangeApprovalReport, wording: ChangeWording): string {
  if (report.duplicateCorrelations.length === 0) {
    const eachOwn = report.changeCount > 1 ? ', each for a different AWS execution' : '';
    return `Changes in the ${wording.name} simulator: ${report.changeCount}${eachOwn}.`;
  }
  return (
    `Changes in the ${wording.name} simulator: ${report.changeCount}, with duplicates: more than one change carries the ` +
    `correlation value ${report.duplicateCorrelations.join(', ')}.`
  );
}
