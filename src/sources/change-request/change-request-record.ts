/**
 * Builds the source record of a change request from the GetAutomationExecution output and, for a
 * Change Manager change request, the GetOpsItem output.
 */
import type { AutomationExecution, OpsItem, StepExecution } from '@aws-sdk/client-ssm';

import { isoTime, partitionOf, toJson } from '../../core/aws-values.js';
import type { SourceRecord } from '../../core/types.js';
import type {
  ChangeRequestKind,
  ChangeRequestOutcome,
  ChangeRequestRunbook,
  ChangeRequestStep,
  ChangeRequestTarget,
  ChangeRequestView,
} from './change-request-view.js';

/** Inputs of the record besides the execution. */
export interface ChangeRequestRecordContext {
  /** The AutomationExecutionId that GetAutomationExecution was called with. */
  executionId: string;
  /** The event's account: the execution output names none. */
  account: string;
  /** The event's Region, where the execution was read. */
  region: string;
  /** The change request's OpsItem, when there is one and it could be read. */
  opsItem?: OpsItem;
  /**
   * Every step of the execution, when GetAutomationExecution returned only some of them
   * (`StepExecutionsTruncated`) and the caller read the rest. Absent: the execution's own list.
   */
  steps?: StepExecution[];
  /** The `approvers` of a `Change Request Status Update` event, the only place that lists them for every template. */
  eventApprovers?: string[];
}

/** A record and the problems found while building it, for the caller to log. */
export interface ChangeRequestRecordResult {
  record: SourceRecord<ChangeRequestView>;
  /** Data that could not be read and was left out, or a status this build does not know. */
  problems: string[];
}

/** The subtype that marks the execution of a Change Manager change request. */
const CHANGE_REQUEST_SUBTYPE = 'ChangeRequest';

/** The OpsItem type of a Change Manager change request. */
const CHANGE_REQUEST_OPSITEM_TYPE = '/aws/changerequest';

/** The Automation action that pauses an execution until its approvers decide. */
export const APPROVE_ACTION = 'aws:approve';

/** Execution statuses in which AWS waits for an Approve or Reject signal. */
const APPROVAL_STATUSES = new Set(['PendingApproval', 'PendingChangeCalendarOverride']);

/** Step statuses of an `aws:approve` step that waits for a decision. */
const APPROVAL_STEP_STATUSES = new Set(['InProgress', 'Waiting']);

/** Step statuses that make a step the failed step. */
const FAILED_STEP_STATUSES = new Set(['Failed', 'TimedOut']);

/**
 * `AutomationExecutionStatus` values (SSM API model, 2025) and their outcome. A status missing here
 * is reported as a problem and treated as `running`.
 *
 * NOTE: the SSM documentation does not say when AWS sets `Exited`; it is read as the execution
 * having stopped without success, like a cancellation.
 */
const OUTCOMES: Readonly<Record<string, ChangeRequestOutcome>> = {
  Pending: 'running',
  InProgress: 'running',
  RunbookInProgress: 'running',
  Approved: 'running',
  ChangeCalendarOverrideApproved: 'running',
  Waiting: 'waiting',
  PendingApproval: 'waiting',
  PendingChangeCalendarOverride: 'waiting',
  Scheduled: 'waiting',
  Success: 'success',
  CompletedWithSuccess: 'success',
  Failed: 'failed',
  CompletedWithFailure: 'failed',
  TimedOut: 'timed-out',
  Cancelling: 'cancelled',
  Cancelled: 'cancelled',
  Exited: 'cancelled',
  Rejected: 'rejected',
  ChangeCalendarOverrideRejected: 'rejected',
};

/** `ApproverType` values of a change template and the IAM resource type of their ARN. */
const IAM_APPROVER_TYPES: Readonly<Record<string, string>> = { IamUser: 'user', IamRole: 'role', IamGroup: 'group' };

/**
 * Builds the record of a change request from `GetAutomationExecution` output (as the AWS SDK
 * returns it, with `Date` timestamps) and, in `context.opsItem`, its OpsItem.
 *
 * `updatedAt` is the latest time in the execution, its steps and the OpsItem, so an event that a
 * newer one overtook is dropped as stale.
 *
 * @example
 * const { AutomationExecution } = await client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
 * const { record, problems } = changeRequestToRecord(AutomationExecution!, { executionId: id, account: event.account, region: event.region });
 */
export function changeRequestToRecord(execution: AutomationExecution, context: ChangeRequestRecordContext): ChangeRequestRecordResult {
  const problems: string[] = [];
  const id = execution.AutomationExecutionId ?? context.executionId;
  const { account, region, opsItem } = context;

  const kind = kindOf(execution, opsItem);
  const status = execution.AutomationExecutionStatus ?? '';
  const stepExecutions = context.steps ?? execution.StepExecutions ?? [];
  const steps = stepExecutions.map(viewStep);
  const runbooks = (execution.Runbooks ?? []).map(viewRunbook);
  const opsItemId = execution.OpsItemId ?? opsItem?.OpsItemId ?? null;

  // Change requests run their change template; the work is done by the runbooks it starts.
  const executionDocument = execution.DocumentName ?? '';
  const documentName = kind === 'change-manager' ? (runbooks[0]?.documentName ?? executionDocument) : executionDocument;

  const waitingAtApproveStep = steps.some((step) => step.action === APPROVE_ACTION && APPROVAL_STEP_STATUSES.has(step.status));
  const waitingForApproval = APPROVAL_STATUSES.has(status) || waitingAtApproveStep;
  const outcome = outcomeOf(status, waitingForApproval, problems);

  const view: ChangeRequestView = {
    id,
    opsItemId,
    kind,
    title: execution.ChangeRequestName ?? opsItem?.Title ?? (documentName || id),
    status,
    waitingForApproval,
    calendarOverride: status === 'PendingChangeCalendarOverride',
    templateName: kind === 'change-manager' ? executionDocument || null : null,
    templateVersion: kind === 'change-manager' ? (execution.DocumentVersion ?? null) : null,
    documentName,
    runbooks,
    parameters: copyParameters(execution.Parameters),
    targets: (execution.Targets ?? []).map(viewTarget),
    scheduledTime: isoTime(execution.ScheduledTime) ?? isoTime(opsItem?.PlannedStartTime),
    scheduledEndTime: isoTime(opsItem?.PlannedEndTime),
    requester: execution.ExecutedBy ?? opsItem?.CreatedBy ?? null,
    approvers: approversOf(execution, stepExecutions, context, problems),
    changeDetails: kind === 'change-manager' ? (opsItem?.Description ?? null) : null,
    steps,
    failedStep: failedStepOf(steps, execution.FailureMessage),
    outcome,
    executionStartTime: isoTime(execution.ExecutionStartTime),
    executionEndTime: isoTime(execution.ExecutionEndTime),
    account,
    region,
    consoleUrl: automationConsoleUrl(region, id),
    raw: {
      execution: toJson(execution) as Record<string, unknown>,
      opsItem: opsItem === undefined ? null : (toJson(opsItem) as Record<string, unknown>),
    },
  };

  const writebackKey: Record<string, string> = { executionId: id, region, account };
  if (opsItemId !== null) {
    writebackKey.opsItemId = opsItemId;
  }

  const record: SourceRecord<ChangeRequestView> = {
    kind: 'change-request',
    format: kind,
    identity: changeRequestIdentity(account, region, id),
    displayId: id,
    view,
    writebackKey,
    // The execution status tells the way back which decision AWS waits for (an approval, or a
    // calendar override).
    status,
  };
  const updatedAt = latestTime(execution, stepExecutions, opsItem);
  if (updatedAt !== null) {
    record.updatedAt = updatedAt;
  }
  return { record, problems };
}

/**
 * Builds the identity of a change request. Execution ids are unique only within an account and
 * Region, so both are part of it.
 */
export function changeRequestIdentity(account: string, region: string, executionId: string): string {
  return `change-request|${account}|${region}|${executionId}`;
}

/** Builds a link that opens the execution in the Systems Manager Automation console of its Region. */
export function automationConsoleUrl(region: string, executionId: string): string {
  const host = region ? `${region}.console.aws.amazon.com` : 'console.aws.amazon.com';
  return `https://${host}/systems-manager/automation/execution/${encodeURIComponent(executionId)}?region=${encodeURIComponent(region)}`;
}

function kindOf(execution: AutomationExecution, opsItem: OpsItem | undefined): ChangeRequestKind {
  if (execution.AutomationSubtype === CHANGE_REQUEST_SUBTYPE || opsItem?.OpsItemType === CHANGE_REQUEST_OPSITEM_TYPE) {
    return 'change-manager';
  }
  return 'automation';
}

function outcomeOf(status: string, waitingForApproval: boolean, problems: string[]): ChangeRequestOutcome {
  // An aws:approve step can wait while the execution itself reports InProgress.
  if (waitingForApproval) {
    return 'waiting';
  }

  const outcome = OUTCOMES[status];
  if (outcome === undefined) {
    problems.push(`AutomationExecutionStatus "${status}" is not known to this version, so the outcome is "running"`);
    return 'running';
  }
  return outcome;
}

function viewStep(step: StepExecution): ChangeRequestStep {
  return {
    name: step.StepName ?? '',
    action: step.Action ?? '',
    status: step.StepStatus ?? '',
    startTime: isoTime(step.ExecutionStartTime),
    endTime: isoTime(step.ExecutionEndTime),
    failureMessage: step.FailureMessage ?? null,
  };
}

function viewRunbook(runbook: NonNullable<AutomationExecution['Runbooks']>[number]): ChangeRequestRunbook {
  return {
    documentName: runbook.DocumentName ?? '',
    documentVersion: runbook.DocumentVersion ?? null,
    parameters: copyParameters(runbook.Parameters),
  };
}

function viewTarget(target: NonNullable<AutomationExecution['Targets']>[number]): ChangeRequestTarget {
  return { key: target.Key ?? '', values: [...(target.Values ?? [])] };
}

function copyParameters(parameters: Record<string, string[]> | undefined): Record<string, string[]> {
  const copy: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(parameters ?? {})) {
    copy[name] = [...(values ?? [])];
  }
  return copy;
}

function failedStepOf(steps: ChangeRequestStep[], executionFailure: string | undefined): ChangeRequestView['failedStep'] {
  const failed = steps.filter((step) => FAILED_STEP_STATUSES.has(step.status)).at(-1);
  if (failed === undefined) {
    return null;
  }
  return { name: failed.name, message: failed.failureMessage ?? executionFailure ?? '' };
}

/**
 * Collects the approver ARNs from the template's `Approver` parameter, the `Approvers` input of each
 * `aws:approve` step, and the event.
 *
 * NOTE: only the `Change Request Status Update` event lists every approver. A record of the same
 * change request built from an Automation event lacks those that the API does not name.
 */
function approversOf(execution: AutomationExecution, steps: StepExecution[], context: ChangeRequestRecordContext, problems: string[]): string[] {
  const arns = new Set<string>(context.eventApprovers ?? []);

  const approverType = execution.Parameters?.ApproverType?.[0];
  for (const approver of execution.Parameters?.Approver ?? []) {
    const arn = approverArn(approver, approverType, context.account, context.region);
    if (arn !== undefined) {
      arns.add(arn);
    }
  }

  for (const step of steps) {
    const input = step.Action === APPROVE_ACTION ? step.Inputs?.Approvers : undefined;
    if (input !== undefined) {
      for (const approver of readApproversInput(input, step.StepName ?? '', problems)) {
        arns.add(approver);
      }
    }
  }

  // Code-unit order, so the result does not depend on the locale of the host.
  return [...arns].sort(compareCodeUnits);
}

/**
 * Turns one `Approver` value into an ARN: an ARN stays as it is, an IAM name becomes the ARN its
 * `ApproverType` implies. Other types (such as IAM Identity Center users) give no ARN.
 *
 * NOTE: an IAM name carries no path, so the ARN built for a user, role or group created with a
 * path (`/team/`) differs from the principal's real ARN.
 */
function approverArn(approver: string, approverType: string | undefined, account: string, region: string): string | undefined {
  if (approver.startsWith('arn:')) {
    return approver;
  }
  const resourceType = approverType === undefined ? undefined : IAM_APPROVER_TYPES[approverType];
  if (resourceType === undefined || approver === '') {
    return undefined;
  }
  return `arn:${partitionOf(region)}:iam::${account}:${resourceType}/${approver}`;
}

/**
 * Reads an `aws:approve` step's `Approvers` input. `StepExecution.Inputs` contains each input as text,
 * so a list arrives as JSON (`["arn:…"]`); a single principal may arrive as plain text.
 */
function readApproversInput(input: string, stepName: string, problems: string[]): string[] {
  const text = input.trim();
  if (!text.startsWith('[')) {
    return text === '' ? [] : [text];
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push(`the Approvers input of step "${stepName}" is not a JSON list, so its approvers are left out`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push(`the Approvers input of step "${stepName}" is not a JSON list, so its approvers are left out`);
    return [];
  }
  return parsed.filter((entry): entry is string => typeof entry === 'string' && entry !== '');
}

/** Returns the latest of the execution's start and end, each step's start and end, and the OpsItem's last change. */
function latestTime(execution: AutomationExecution, steps: StepExecution[], opsItem: OpsItem | undefined): string | null {
  const times: Array<Date | undefined> = [execution.ExecutionStartTime, execution.ExecutionEndTime, opsItem?.LastModifiedTime];
  for (const step of steps) {
    times.push(step.ExecutionStartTime, step.ExecutionEndTime);
  }

  let latest: number | undefined;
  for (const time of times) {
    const milliseconds = time instanceof Date ? time.getTime() : Number.NaN;
    if (!Number.isNaN(milliseconds) && (latest === undefined || milliseconds > latest)) {
      latest = milliseconds;
    }
  }
  return latest === undefined ? null : new Date(latest).toISOString();
}

function compareCodeUnits(left: string, right: string): number {
  if (left < right) {
    return -1;
  }
  return left > right ? 1 : 0;
}
