/**
 * Automation executions and Change Manager change requests of the SSM simulator, and the operations
 * on them: StartAutomationExecution, StartChangeRequestExecution, GetAutomationExecution,
 * DescribeAutomationExecutions and SendAutomationSignal. Executions are kept in the wire shape of
 * GetAutomationExecution (timestamps in epoch seconds).
 *
 * The simulator does not run actions. An execution moves only when a signal or a test moves it:
 *
 * - A runbook execution completes the steps before its first `aws:approve` step at once and waits
 *   there (status `Waiting`). Without an approval step, its first step stays `InProgress`.
 * - Approve completes the approval step; the next step stays `InProgress` until the test calls
 *   {@link AutomationStore.finish}. Approving a last step ends the execution with `Success`.
 * - A change request waits in `PendingApproval` unless AutoApprove is set. Once approved it waits
 *   in `PendingChangeCalendarOverride` while the change calendar is closed, in `Scheduled` while its
 *   ScheduledTime is in the future, and otherwise runs its runbook (`InProgress`), with the
 *   runbook's steps as its StepExecutions.
 *
 * Every status change emits its EventBridge event (see automation-events.ts).
 */
import { randomUUID } from 'node:crypto';

import type { EventBridgeEvent } from '../../core/types.js';
import {
  automationDefinitionNotFound,
  automationExecutionNotFound,
  automationStepNotFound,
  idempotentParameterMismatch,
  invalidExecutionParameters,
  invalidSignal,
  notAnApprover,
  validationError,
} from './api-error.js';
import { approvalFromSteps, approvalFromTemplate, isSamePrincipal, type ApprovalPolicy } from './automation-approvals.js';
import { describeExecutions, type DescribeAutomationExecutionsOutput } from './automation-describe.js';
import { documentArn, resolveParameters, type DocumentRegistry, type SimulatedDocument } from './automation-documents.js';
import { automationExecutionEvent, automationStepEvent, changeRequestEvent, type ChangeRequestEventSource, type ExecutionEventSource } from './automation-events.js';
import { readBoolean, readClientToken, readExecutionId, readParameterMap, readRunbooks, readSignalType, type RunbookRequest } from './automation-validation.js';
import { epochSeconds, type Actor, type OpsItemLocation, type OpsItemStore } from './opsitem-store.js';
import { asObject, readText, readTimestamp } from './opsitem-validation.js';

export type { ApprovalPolicy } from './automation-approvals.js';

/** One step of an execution as GetAutomationExecution returns it. */
export interface SimulatedStepExecution {
  StepName: string;
  Action: string;
  TimeoutSeconds?: number;
  OnFailure: string;
  MaxAttempts: number;
  ExecutionStartTime?: number;
  ExecutionEndTime?: number;
  StepStatus: string;
  Inputs: Record<string, string>;
  Outputs?: Record<string, string[]>;
  FailureMessage?: string;
  StepExecutionId: string;
  IsCritical: boolean;
}

/** An execution as GetAutomationExecution returns it (the wire shape, epoch-second timestamps). */
export interface SimulatedAutomationExecution {
  AutomationExecutionId: string;
  DocumentName: string;
  DocumentVersion: string;
  ExecutionStartTime: number;
  ExecutionEndTime?: number;
  AutomationExecutionStatus: string;
  StepExecutions: SimulatedStepExecution[];
  StepExecutionsTruncated: boolean;
  Parameters: Record<string, string[]>;
  Outputs: Record<string, string[]>;
  FailureMessage?: string;
  Mode: string;
  ExecutedBy: string;
  CurrentStepName?: string;
  CurrentAction?: string;
  Targets: unknown[];
  ResolvedTargets: { ParameterValues: string[]; Truncated: boolean };
  AutomationSubtype?: 'ChangeRequest';
  ScheduledTime?: number;
  Runbooks?: RunbookRequest[];
  OpsItemId?: string;
  ChangeRequestName?: string;
}

/** The outcomes a test can give an execution with {@link AutomationStore.finish}. */
export type ExecutionOutcome = 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';

/** Options of {@link AutomationStore.finish}. */
export interface FinishOptions {
  status: ExecutionOutcome;
  /** For `Failed`: the step that failed. Default: the step that is running. */
  failedStep?: string;
  /** FailureMessage of the failed or timed-out step and of the execution. */
  failureMessage?: string;
}

/** A test helper was called on an execution whose status does not allow it. */
export class ExecutionStateError extends Error {
  override readonly name = 'ExecutionStateError';

  constructor(
    readonly executionId: string,
    readonly status: string,
    message: string,
  ) {
    super(`Automation execution ${executionId} is ${status}: ${message}`);
  }
}

/** The statuses in which an execution accepts Approve and Reject. */
const APPROVAL_STATUSES: ReadonlySet<string> = new Set(['Waiting', 'PendingApproval', 'PendingChangeCalendarOverride']);

/** Statuses after which an execution never changes again. */
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Rejected', 'ChangeCalendarOverrideRejected']);

/**
 * The OpsItem status of a change request for each execution status. NOTE: the pairs for statuses
 * after the runbook starts (CompletedWithSuccess, CompletedWithFailure, TimedOut, Cancelled) are
 * assumed from the OpsItemStatus enum; no public example shows them.
 */
const CHANGE_REQUEST_OPSITEM_STATUS: Readonly<Record<string, string>> = {
  PendingApproval: 'PendingApproval',
  PendingChangeCalendarOverride: 'PendingChangeCalendarOverride',
  ChangeCalendarOverrideRejected: 'ChangeCalendarOverrideRejected',
  Scheduled: 'Scheduled',
  InProgress: 'InProgress',
  Waiting: 'InProgress',
  Rejected: 'Rejected',
  Success: 'CompletedWithSuccess',
  Failed: 'CompletedWithFailure',
  TimedOut: 'TimedOut',
  Cancelled: 'Cancelled',
};

/** The change request part of an execution. */
interface ChangeRequestState {
  template: SimulatedDocument;
  runbook: SimulatedDocument;
  autoApprove: boolean;
  calendarOverrideApproved: boolean;
  event: ChangeRequestEventSource;
}

/** An execution with what the simulator needs besides its wire shape. */
interface ExecutionRecord {
  execution: SimulatedAutomationExecution;
  startedAt: Date;
  event: ExecutionEventSource;
  approval: ApprovalPolicy;
  /** The definitions of `execution.StepExecutions`, in the same order. */
  steps: SimulatedDocument['steps'];
  changeRequest?: ChangeRequestState;
}

/** A change request as {@link AutomationStore.startChangeRequest} takes it, checked. */
interface ChangeRequestInput {
  template: SimulatedDocument;
  templateParameters: Record<string, string[]>;
  runbookRequest: RunbookRequest;
  runbook: SimulatedDocument;
  runbookParameters: Record<string, string[]>;
  name: string;
  description: string;
  autoApprove: boolean;
  scheduledTime?: number;
  scheduledEndTime?: number;
}

/** The Automation executions of one simulator, in the order they were started. */
export class AutomationStore {
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly clientTokens = new Map<string, { fingerprint: string; executionId: string }>();
  private calendarClosed = false;

  constructor(
    private readonly location: OpsItemLocation,
    private readonly documents: DocumentRegistry,
    private readonly opsItems: OpsItemStore,
    private readonly emit: (event: EventBridgeEvent) => void,
  ) {}

  /**
   * Runs StartAutomationExecution and returns the new execution's id (or, for a repeated
   * ClientToken with the same request, the id of the execution it started).
   *
   * @param approval - Replaces the approvers that the document's `aws:approve` step names (test helpers).
   */
  startAutomation(body: unknown, actor: Actor, approval?: ApprovalPolicy): string {
    const request = asObject(body, 'request body');
    rejectUnsupportedMembers(request, ['Targets', 'TargetMaps', 'TargetParameterName', 'TargetLocations', 'TargetLocationsURL', 'MaxConcurrency', 'MaxErrors', 'AlarmConfiguration']);
    const replay = this.replayClientToken(request, 'StartAutomationExecution');
    if (replay !== undefined) {
      return replay;
    }

    const document = this.documents.resolve(request.DocumentName, request.DocumentVersion, { name: 'documentName', version: 'documentVersion' });
    if (document.documentType !== 'Automation') {
      throw automationDefinitionNotFound(document.name, 'It is a change template: start it with StartChangeRequestExecution.');
    }
    const parameters = resolveParameters(document, readParameterMap(request.Parameters, 'Parameters'));
    const mode = readText(request.Mode, 'mode', { min: 1, max: 32 }) ?? 'Auto';
    if (mode !== 'Auto') {
      throw validationError('mode', mode, 'Member must be Auto: the SSM simulator runs executions in Auto mode only');
    }

    const record = this.newRecord(document, parameters, actor, approval ?? approvalFromSteps(document, parameters));
    this.rememberClientToken(request, 'StartAutomationExecution', record.execution.AutomationExecutionId);

    this.setStatus(record, 'InProgress', actor);
    this.proceed(record, 0, actor, true);
    return record.execution.AutomationExecutionId;
  }

  /**
   * Runs StartChangeRequestExecution: creates the change request's OpsItem (type
   * `/aws/changerequest`, source `ChangeManager`) and its execution, and returns the execution's id.
   *
   * @param approval - Replaces the approvers derived from the template (test helpers).
   */
  startChangeRequest(body: unknown, actor: Actor, approval?: ApprovalPolicy): string {
    const request = asObject(body, 'request body');
    const replay = this.replayClientToken(request, 'StartChangeRequestExecution');
    if (replay !== undefined) {
      return replay;
    }

    const input = this.readChangeRequest(request);
    const record = this.newRecord(input.template, input.templateParameters, actor, approval ?? approvalFromTemplate(input.template, input.templateParameters, this.location));
    const execution = record.execution;
    execution.AutomationSubtype = 'ChangeRequest';
    execution.ChangeRequestName = input.name;
    execution.Runbooks = [input.runbookRequest];
    if (input.scheduledTime !== undefined) {
      execution.ScheduledTime = input.scheduledTime;
    }
    // Until the change request runs its runbook, it lists no steps.
    execution.StepExecutions = [];
    record.steps = [];

    record.changeRequest = {
      template: input.template,
      runbook: input.runbook,
      autoApprove: input.autoApprove,
      calendarOverrideApproved: false,
      event: {
        executionId: execution.AutomationExecutionId,
        templateName: input.template.name,
        runbookArn: documentArn(input.runbook.name, this.location),
        runbookVersion: input.runbook.version,
        autoApprove: input.autoApprove,
        approvers: record.approval.approvers,
      },
    };
    this.rememberClientToken(request, 'StartChangeRequestExecution', execution.AutomationExecutionId);

    const status = input.autoApprove ? this.statusAfterApproval(record, actor.now) : 'PendingApproval';
    const topic = input.templateParameters.ApproverSnsTopicArn?.[0];
    const item = this.opsItems.seed(
      {
        OpsItemType: '/aws/changerequest',
        Title: input.name,
        Description: input.description,
        Source: 'ChangeManager',
        Status: CHANGE_REQUEST_OPSITEM_STATUS[status]!,
        Notifications: topic === undefined || topic === '' ? [] : [{ Arn: topic }],
        OperationalData: {},
        ...(input.scheduledTime === undefined ? {} : { PlannedStartTime: input.scheduledTime }),
        ...(input.scheduledEndTime === undefined ? {} : { PlannedEndTime: input.scheduledEndTime }),
      },
      actor,
    );
    execution.OpsItemId = item.OpsItemId;
    this.emit(changeRequestEvent(record.changeRequest.event, item, this.location));

    this.setStatus(record, status, actor);
    if (status === 'InProgress') {
      this.startRunbook(record, actor);
    }
    return execution.AutomationExecutionId;
  }

  /** Runs GetAutomationExecution. */
  getForRequest(body: unknown): SimulatedAutomationExecution {
    const request = asObject(body, 'request body');
    return structuredClone(this.recordOf(readExecutionId(request.AutomationExecutionId)).execution);
  }

  /** Returns a copy of the execution with this id, or undefined. */
  get(executionId: string): SimulatedAutomationExecution | undefined {
    const record = this.executions.get(executionId);
    return record === undefined ? undefined : structuredClone(record.execution);
  }

  /** Runs DescribeAutomationExecutions: filters, then returns one page of execution summaries. */
  describe(body: unknown): DescribeAutomationExecutionsOutput {
    return describeExecutions([...this.executions.values()].map((record) => record.execution), body);
  }

  /**
   * Runs SendAutomationSignal. Approve and Reject need an execution that waits for an approval
   * (`Waiting`, `PendingApproval` or `PendingChangeCalendarOverride`) and, when the execution's
   * approver check is on, a caller who is one of its approvers.
   *
   * The check of the caller is the simulator's: the API reference lists no error for a caller who
   * is not an approver, so the simulator returns AccessDeniedException, as AWS does for a request
   * that its policies deny.
   */
  signal(body: unknown, actor: Actor): void {
    const request = asObject(body, 'request body');
    const executionId = readExecutionId(request.AutomationExecutionId);
    const signalType = readSignalType(request.SignalType);
    const payload = readParameterMap(request.Payload, 'Payload');
    const record = this.recordOf(executionId);
    const status = record.execution.AutomationExecutionStatus;

    switch (signalType) {
      case 'StartStep':
      case 'Resume':
      case 'StopStep':
        this.checkStepSignal(record, signalType, payload);
        throw invalidSignal(`${signalType} applies only to executions in Interactive mode, and automation execution ${executionId} runs in ${record.execution.Mode} mode.`);
      case 'Revoke':
        throw invalidSignal(`Revoke applies only to just-in-time access requests (AutomationSubtype AccessRequest); automation execution ${executionId} is not one.`);
      case 'Approve':
      case 'Reject':
        break;
    }

    if (!APPROVAL_STATUSES.has(status)) {
      throw invalidSignal(
        `Automation execution ${executionId} is ${status} and does not wait for an approval. ` +
          `${signalType} applies only to executions in Waiting, PendingApproval or PendingChangeCalendarOverride.`,
      );
    }
    if (record.approval.enforced && !record.approval.approvers.some((approver) => isSamePrincipal(actor.arn, approver))) {
      throw notAnApprover(actor.arn, executionId, record.approval.approvers);
    }

    const comment = payload.Comment?.join('\n');
    if (status === 'Waiting') {
      this.decideApprovalStep(record, signalType, comment, actor);
    } else if (status === 'PendingApproval') {
      this.decideChangeRequest(record, signalType, actor, 'Rejected');
    } else {
      record.changeRequest!.calendarOverrideApproved = signalType === 'Approve';
      this.decideChangeRequest(record, signalType, actor, 'ChangeCalendarOverrideRejected');
    }
  }

  /**
   * Ends an execution with the outcome a test gives. `Success` completes every open step, `Failed`
   * fails `failedStep` (default: the running step), and `TimedOut` and `Cancelled` end the running
   * or waiting step. A `Scheduled` change request first starts its runbook. Returns the execution.
   *
   * @throws SsmApiError AutomationExecutionNotFoundException for an unknown id.
   * @throws ExecutionStateError when the execution already ended, or waits for an approval and
   *   `status` is Success or Failed.
   * @throws RangeError for an unknown status or a `failedStep` that cannot fail.
   */
  finish(executionId: string, options: FinishOptions, actor: Actor): SimulatedAutomationExecution {
    const record = this.recordOf(executionId);
    if (!['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(options.status)) {
      throw new RangeError(`finishExecution status must be Success, Failed, TimedOut or Cancelled, got "${String(options.status)}"`);
    }
    const status = record.execution.AutomationExecutionStatus;
    if (TERMINAL_STATUSES.has(status)) {
      throw new ExecutionStateError(executionId, status, 'it already ended');
    }
    if (options.failedStep !== undefined && options.status !== 'Failed') {
      throw new RangeError(`failedStep applies only to status Failed, got status ${options.status}`);
    }
    if (options.failureMessage !== undefined && (options.status === 'Success' || options.status === 'Cancelled')) {
      throw new RangeError(`failureMessage applies only to status Failed or TimedOut, got status ${options.status}`);
    }

    if (options.status === 'Success' || options.status === 'Failed') {
      if (status === 'Scheduled') {
        this.startRunbook(record, actor);
      }
      const running = record.execution.AutomationExecutionStatus;
      if (running !== 'InProgress') {
        throw new ExecutionStateError(executionId, running, `it must run to end with ${options.status}. Approve it first, or end it with TimedOut or Cancelled.`);
      }
    }

    const steps = record.execution.StepExecutions;
    const current = steps.findIndex((step) => step.StepStatus === 'InProgress' || step.StepStatus === 'Waiting');
    switch (options.status) {
      case 'Success':
        steps.forEach((_, index) => this.completeStep(record, index, actor));
        break;
      case 'Failed': {
        const failedIndex = options.failedStep === undefined ? current : this.failableStepIndex(record, options.failedStep, current);
        const message = options.failureMessage ?? `Step ${steps[failedIndex]?.StepName ?? 'unknown'} failed.`;
        for (let index = 0; index < failedIndex; index += 1) {
          this.completeStep(record, index, actor);
        }
        if (failedIndex >= 0) {
          this.endStep(record, failedIndex, 'Failed', actor, { FailureMessage: message });
        }
        record.execution.FailureMessage = message;
        break;
      }
      case 'TimedOut': {
        const waitedIn = current >= 0 ? `step ${steps[current]!.StepName}` : `status ${status}`;
        const message = options.failureMessage ?? `Automation execution timed out in ${waitedIn}.`;
        if (current >= 0) {
          this.endStep(record, current, 'TimedOut', actor, { FailureMessage: message });
        }
        record.execution.FailureMessage = message;
        break;
      }
      case 'Cancelled':
        if (current >= 0) {
          this.endStep(record, current, 'Cancelled', actor);
        }
        break;
    }

    this.end(record, options.status, actor);
    return structuredClone(record.execution);
  }

  /**
   * Opens or closes the change calendar of every change template. While it is closed, a change
   * request that was approved waits in `PendingChangeCalendarOverride` for an override approval.
   */
  setCalendarClosed(closed: boolean): void {
    if (typeof closed !== 'boolean') {
      throw new TypeError(`setChangeCalendarClosed takes true or false, got ${JSON.stringify(closed)}`);
    }
    this.calendarClosed = closed;
  }

  clear(): void {
    this.executions.clear();
    this.clientTokens.clear();
    this.calendarClosed = false;
  }

  private readChangeRequest(request: Record<string, unknown>): ChangeRequestInput {
    const template = this.documents.resolve(request.DocumentName, request.DocumentVersion, { name: 'documentName', version: 'documentVersion' });
    if (template.documentType !== 'Automation.ChangeTemplate') {
      throw automationDefinitionNotFound(template.name, 'It is not a change template (document type Automation.ChangeTemplate): start runbooks with StartAutomationExecution.');
    }
    const templateParameters = resolveParameters(template, readParameterMap(request.Parameters, 'Parameters'));

    const [runbookRequest] = readRunbooks(request.Runbooks);
    const runbook = this.documents.resolve(runbookRequest!.DocumentName, runbookRequest!.DocumentVersion, {
      name: 'runbooks.1.member.documentName',
      version: 'runbooks.1.member.documentVersion',
    });
    if (runbook.documentType !== 'Automation') {
      throw automationDefinitionNotFound(runbook.name, 'The runbook of a change request must be an Automation runbook, not a change template.');
    }
    const runbookParameters = resolveParameters(runbook, runbookRequest!.Parameters);

    const autoApprove = readBoolean(request.AutoApprove, 'AutoApprove') ?? false;
    if (autoApprove && !template.autoApprovable) {
      throw invalidExecutionParameters(`AutoApprove is true, but change template ${template.name} does not allow auto-approval. Leave AutoApprove out, or use a template that allows it.`);
    }

    const scheduledTime = readTimestamp(request.ScheduledTime, 'ScheduledTime');
    const scheduledEndTime = readTimestamp(request.ScheduledEndTime, 'ScheduledEndTime');
    // NOTE: the API reference states no rule for the order of the two times. The simulator rejects
    // an end before the start, because no change request can keep it.
    if (scheduledTime !== undefined && scheduledEndTime !== undefined && scheduledEndTime < scheduledTime) {
      throw invalidExecutionParameters(
        `ScheduledEndTime ${new Date(scheduledEndTime * 1000).toISOString()} is before ScheduledTime ${new Date(scheduledTime * 1000).toISOString()}. Send an end time after the start time.`,
      );
    }

    // Change Manager falls back to the template information when the request has no ChangeDetails.
    const changeDetails = readText(request.ChangeDetails, 'changeDetails', { min: 1, max: 32768 });
    const name = readText(request.ChangeRequestName, 'changeRequestName', { min: 1, max: 1024 }) ?? template.name;
    return {
      template,
      templateParameters,
      runbookRequest: runbookRequest!,
      runbook,
      runbookParameters,
      name,
      description: changeDetails ?? template.description ?? `### Document Name: ${template.name}`,
      autoApprove,
      ...(scheduledTime === undefined ? {} : { scheduledTime }),
      ...(scheduledEndTime === undefined ? {} : { scheduledEndTime }),
    };
  }

  private newRecord(document: SimulatedDocument, parameters: Record<string, string[]>, actor: Actor, approval: ApprovalPolicy): ExecutionRecord {
    const id = randomUUID();
    const execution: SimulatedAutomationExecution = {
      AutomationExecutionId: id,
      DocumentName: document.name,
      DocumentVersion: document.version,
      ExecutionStartTime: epochSeconds(actor.now),
      AutomationExecutionStatus: 'Pending',
      StepExecutions: document.steps.map((step) => newStepExecution(step, approval)),
      StepExecutionsTruncated: false,
      Parameters: parameters,
      Outputs: {},
      Mode: 'Auto',
      ExecutedBy: actor.arn,
      Targets: [],
      ResolvedTargets: { ParameterValues: [], Truncated: false },
    };
    const record: ExecutionRecord = {
      execution,
      startedAt: actor.now,
      event: { executionId: id, documentName: document.name, documentVersion: document.version, executedBy: actor.arn },
      approval,
      steps: document.steps,
    };
    this.executions.set(id, record);
    return record;
  }

  /**
   * Moves the execution on from step `index`. With `completeWorkSteps`, the steps before the next
   * `aws:approve` step complete at once, because the simulator does not run actions. Otherwise step
   * `index` starts and stays running. Past the last step, the execution ends with Success.
   */
  private proceed(record: ExecutionRecord, index: number, actor: Actor, completeWorkSteps: boolean): void {
    const steps = record.execution.StepExecutions;
    if (index >= steps.length) {
      this.end(record, 'Success', actor);
      return;
    }

    const nextApproval = steps.findIndex((step, position) => position >= index && step.Action === 'aws:approve');
    if (completeWorkSteps && nextApproval >= 0) {
      for (let position = index; position < nextApproval; position += 1) {
        this.completeStep(record, position, actor);
      }
      index = nextApproval;
    }

    const step = steps[index]!;
    const waiting = step.Action === 'aws:approve';
    step.ExecutionStartTime = epochSeconds(actor.now);
    this.setStepStatus(record, index, waiting ? 'Waiting' : 'InProgress', actor);
    record.execution.CurrentStepName = step.StepName;
    record.execution.CurrentAction = step.Action;
    this.setStatus(record, waiting ? 'Waiting' : 'InProgress', actor);
  }

  private decideApprovalStep(record: ExecutionRecord, signalType: 'Approve' | 'Reject', comment: string | undefined, actor: Actor): void {
    const index = record.execution.StepExecutions.findIndex((step) => step.StepStatus === 'Waiting');
    const decision = {
      Approver: actor.arn,
      Decision: signalType,
      ApprovalDecisionTime: actor.now.toISOString(),
      ...(comment === undefined ? {} : { Comment: comment }),
    };
    // NOTE: the shape of ApproverDecisions follows an output quoted in a post on AWS re:Post. The
    // API reference does not document it.
    const outputs = { ApprovalStatus: [signalType === 'Approve' ? 'Approved' : 'Rejected'], ApproverDecisions: [JSON.stringify(decision)] };

    if (signalType === 'Approve') {
      this.endStep(record, index, 'Success', actor, { Outputs: outputs });
      this.proceed(record, index + 1, actor, false);
      return;
    }
    // NOTE: the Automation documentation does not show which status a rejected aws:approve step
    // ends with. The simulator ends both the step and the execution with Rejected.
    this.endStep(record, index, 'Rejected', actor, { Outputs: outputs });
    this.end(record, 'Rejected', actor);
  }

  private decideChangeRequest(record: ExecutionRecord, signalType: 'Approve' | 'Reject', actor: Actor, rejectedStatus: string): void {
    if (signalType === 'Reject') {
      this.end(record, rejectedStatus, actor);
      return;
    }
    const status = this.statusAfterApproval(record, actor.now);
    this.setStatus(record, status, actor);
    if (status === 'InProgress') {
      this.startRunbook(record, actor);
    }
  }

  /**
   * Returns the status of an approved change request. NOTE: Change Manager checks the change
   * calendar when the runbook is due to start. The simulator checks it at approval time, so a
   * scheduled change request meets a closed calendar at once.
   */
  private statusAfterApproval(record: ExecutionRecord, now: Date): 'PendingChangeCalendarOverride' | 'Scheduled' | 'InProgress' {
    if (this.calendarClosed && !record.changeRequest!.calendarOverrideApproved) {
      return 'PendingChangeCalendarOverride';
    }
    const scheduledTime = record.execution.ScheduledTime;
    if (scheduledTime !== undefined && scheduledTime > epochSeconds(now)) {
      return 'Scheduled';
    }
    return 'InProgress';
  }

  /** Lists the runbook's steps as the change request's StepExecutions and starts them. */
  private startRunbook(record: ExecutionRecord, actor: Actor): void {
    const runbook = record.changeRequest!.runbook;
    record.steps = runbook.steps;
    record.execution.StepExecutions = runbook.steps.map((step) => newStepExecution(step, record.approval));
    this.setStatus(record, 'InProgress', actor);
    this.proceed(record, 0, actor, true);
  }

  private completeStep(record: ExecutionRecord, index: number, actor: Actor): void {
    const status = record.execution.StepExecutions[index]!.StepStatus;
    if (status === 'Pending' || status === 'InProgress' || status === 'Waiting') {
      this.endStep(record, index, 'Success', actor);
    }
  }

  private endStep(record: ExecutionRecord, index: number, status: string, actor: Actor, extra: Partial<SimulatedStepExecution> = {}): void {
    const step = record.execution.StepExecutions[index]!;
    const nowSeconds = epochSeconds(actor.now);
    step.ExecutionStartTime ??= nowSeconds;
    step.ExecutionEndTime = nowSeconds;
    Object.assign(step, extra);
    this.setStepStatus(record, index, status, actor);
  }

  private setStepStatus(record: ExecutionRecord, index: number, status: string, actor: Actor): void {
    const step = record.execution.StepExecutions[index]!;
    step.StepStatus = status;
    const startedAt = new Date(Math.round((step.ExecutionStartTime ?? epochSeconds(actor.now)) * 1000));
    this.emit(automationStepEvent(record.event, { name: step.StepName, action: step.Action, status }, startedAt, actor.now, this.location));
  }

  private end(record: ExecutionRecord, status: string, actor: Actor): void {
    const execution = record.execution;
    execution.ExecutionEndTime = epochSeconds(actor.now);
    delete execution.CurrentStepName;
    delete execution.CurrentAction;
    this.setStatus(record, status, actor);
  }

  /**
   * Sets the execution's status and emits its event. For a change request, the OpsItem's status
   * follows and its `Change Request Status Update` is emitted when that status changed.
   */
  private setStatus(record: ExecutionRecord, status: string, actor: Actor): void {
    const execution = record.execution;
    if (execution.AutomationExecutionStatus === status) {
      return;
    }
    execution.AutomationExecutionStatus = status;
    this.emit(automationExecutionEvent(record.event, status, record.startedAt, actor.now, this.location));

    const changeRequest = record.changeRequest;
    const opsItemStatus = CHANGE_REQUEST_OPSITEM_STATUS[status];
    if (changeRequest === undefined || execution.OpsItemId === undefined || opsItemStatus === undefined) {
      return;
    }
    if (this.opsItems.get(execution.OpsItemId)?.Status === opsItemStatus) {
      return;
    }
    const item = this.opsItems.update({ OpsItemId: execution.OpsItemId, Status: opsItemStatus }, actor);
    this.emit(changeRequestEvent(changeRequest.event, item, this.location));
  }

  private checkStepSignal(record: ExecutionRecord, signalType: 'StartStep' | 'Resume' | 'StopStep', payload: Record<string, string[]>): void {
    const id = record.execution.AutomationExecutionId;
    const key = signalType === 'StopStep' ? 'StepExecutionId' : 'StepName';
    const value = payload[key]?.[0];
    if (value === undefined) {
      throw invalidSignal(`${signalType} needs the Payload key ${key}, for example {"${key}": ["…"]}.`);
    }
    const steps = record.execution.StepExecutions;
    const found = signalType === 'StopStep' ? steps.some((step) => step.StepExecutionId === value) : steps.some((step) => step.StepName === value);
    if (!found) {
      throw automationStepNotFound(id, value);
    }
  }

  private failableStepIndex(record: ExecutionRecord, stepName: string, current: number): number {
    const steps = record.execution.StepExecutions;
    const index = steps.findIndex((step) => step.StepName === stepName);
    if (index < 0) {
      throw new RangeError(`failedStep "${stepName}" is not a step of automation execution ${record.execution.AutomationExecutionId}; its steps are ${steps.map((step) => step.StepName).join(', ')}`);
    }
    if (index < current) {
      throw new RangeError(`failedStep "${stepName}" already ended with ${steps[index]!.StepStatus}; name the running step ${steps[current]!.StepName} or a later one`);
    }
    return index;
  }

  private recordOf(executionId: string): ExecutionRecord {
    const record = this.executions.get(executionId);
    if (record === undefined) {
      throw automationExecutionNotFound(executionId);
    }
    return record;
  }

  /** Returns the execution id for a ClientToken seen before with the same request. */
  private replayClientToken(request: Record<string, unknown>, operation: string): string | undefined {
    const token = readClientToken(request.ClientToken);
    if (token === undefined) {
      return undefined;
    }
    const seen = this.clientTokens.get(token.toLowerCase());
    if (seen === undefined) {
      return undefined;
    }
    if (seen.fingerprint !== fingerprintOf(request, operation)) {
      throw idempotentParameterMismatch(token);
    }
    return seen.executionId;
  }

  private rememberClientToken(request: Record<string, unknown>, operation: string, executionId: string): void {
    const token = readClientToken(request.ClientToken);
    if (token !== undefined) {
      // The API reference calls the token case-insensitive.
      this.clientTokens.set(token.toLowerCase(), { fingerprint: fingerprintOf(request, operation), executionId });
    }
  }
}

function newStepExecution(step: SimulatedDocument['steps'][number], approval: ApprovalPolicy): SimulatedStepExecution {
  const inputs: Record<string, string> = {};
  if (step.action === 'aws:approve') {
    // Step inputs are strings; list and text inputs are JSON-encoded, as Automation reports them.
    inputs.Approvers = JSON.stringify(approval.approvers);
    inputs.MinRequiredApprovals = '1';
    if (step.message !== undefined) {
      inputs.Message = JSON.stringify(step.message);
    }
  }
  return {
    StepName: step.name,
    Action: step.action,
    ...(step.timeoutSeconds === undefined ? {} : { TimeoutSeconds: step.timeoutSeconds }),
    OnFailure: 'Abort',
    MaxAttempts: 1,
    StepStatus: 'Pending',
    Inputs: inputs,
    StepExecutionId: randomUUID(),
    IsCritical: true,
  };
}

function rejectUnsupportedMembers(request: Record<string, unknown>, members: string[]): void {
  const member = members.find((name) => request[name] !== undefined && request[name] !== null);
  if (member !== undefined) {
    throw validationError(member.charAt(0).toLowerCase() + member.slice(1), request[member], 'Member is not supported by the SSM simulator (no rate control or multi-account runs); leave it out');
  }
}

function fingerprintOf(request: Record<string, unknown>, operation: string): string {
  const { ClientToken: _token, ...members } = request;
  return JSON.stringify([operation, sortKeys(members)]);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
