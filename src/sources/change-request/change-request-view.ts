/**
 * The change request as mapping expressions see it: one Automation execution that waits (or
 * waited) for an approval, built from GetAutomationExecution and, for Change Manager change
 * requests, from GetOpsItem. The event is only a trigger. `raw` keeps both API outputs for fields
 * this view does not carry.
 *
 * Two kinds of execution give this view:
 *
 * - `change-manager`: a Change Manager change request. Its execution runs the change template
 *   (`AutomationSubtype` `ChangeRequest`), lists the runbooks it will start in `Runbooks`, and is
 *   linked to an OpsItem of type `/aws/changerequest` by `OpsItemId`.
 * - `automation`: any other Automation execution, such as a runbook that waits at an `aws:approve`
 *   step. Executions that never wait for an approval give this view too (for example the runbooks
 *   that a change request starts, each a separate execution), so a mapping's create condition
 *   should test `waitingForApproval` or `kind`.
 */
export interface ChangeRequestView {
  /** AutomationExecutionId, a UUID such as `9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e`. */
  id: string;
  /** Id of the change request's OpsItem (`oi-` and 12 hexadecimal digits), or null for a plain execution. */
  opsItemId: string | null;
  /** `change-manager` for a Change Manager change request, `automation` for any other execution. */
  kind: ChangeRequestKind;
  /** `ChangeRequestName`, else the OpsItem title, else the document name. */
  title: string;
  /**
   * `AutomationExecutionStatus` as AWS returns it: `PendingApproval`, `Waiting`, `InProgress`,
   * `Success`, `Failed`, `Rejected`, `PendingChangeCalendarOverride`, … (see `outcome` for the
   * same state in fewer values).
   */
  status: string;
  /**
   * True while AWS waits for an approval decision: the status is `PendingApproval` or
   * `PendingChangeCalendarOverride`, or an `aws:approve` step is `InProgress` or `Waiting`. Only
   * then does a SendAutomationSignal `Approve` or `Reject` take effect.
   */
  waitingForApproval: boolean;
  /**
   * True when the change request waits for approval to run while its change calendar is closed
   * (status `PendingChangeCalendarOverride`). An approval then overrides the calendar.
   */
  calendarOverride: boolean;
  /** The change template (the execution's `DocumentName`) of a change request; null for a plain execution. */
  templateName: string | null;
  /** Version of the change template, as the execution names it (`1`, `$DEFAULT`); null for a plain execution. */
  templateVersion: string | null;
  /**
   * The runbook that does the work: the execution's `DocumentName` for a plain execution, the first
   * runbook's for a change request (whose own document is the change template). Falls back to the
   * execution's `DocumentName` when a change request lists no runbook.
   */
  documentName: string;
  /** The runbooks a change request starts once approved, in order; empty for a plain execution. */
  runbooks: ChangeRequestRunbook[];
  /**
   * Parameters of the execution: the change template's (`Approver`, `ApproverType`, …) for a change
   * request, the runbook's for a plain execution. Every value is a list of text, as in the API.
   */
  parameters: Record<string, string[]>;
  /** Targets of a rate-controlled execution, such as `{key: 'tag:Role', values: ['web']}`; often empty. */
  targets: ChangeRequestTarget[];
  /** ISO-8601 time the change is scheduled to start (`ScheduledTime`, else the OpsItem's `PlannedStartTime`), or null. */
  scheduledTime: string | null;
  /** ISO-8601 time the change is scheduled to end (the OpsItem's `PlannedEndTime`), or null. */
  scheduledEndTime: string | null;
  /** ARN of the principal that started the execution (`ExecutedBy`, else the OpsItem's `CreatedBy`), or null. */
  requester: string | null;
  /**
   * ARNs of the principals that may approve, sorted, where the API or event names them. They come
   * from ARNs in the `Approver` parameter or in an `aws:approve` step's `Approvers` input, from IAM
   * names in `Approver` turned into ARNs by `ApproverType` (`IamUser`, `IamRole`, `IamGroup`), and
   * from the `approvers` of a `Change Request Status Update` event. Empty when none is known.
   */
  approvers: string[];
  /**
   * The change details of a change request (the OpsItem's description, where Change Manager puts
   * `ChangeDetails` or the template's information); null for a plain execution.
   */
  changeDetails: string | null;
  /** The steps of the execution, in the order AWS ran them. */
  steps: ChangeRequestStep[];
  /**
   * The last step that failed or timed out, with its failure message (the execution's when the step
   * has none), or null when no step failed.
   */
  failedStep: { name: string; message: string } | null;
  /** The execution's state in the terms of a change: see {@link ChangeRequestOutcome}. */
  outcome: ChangeRequestOutcome;
  /** ISO-8601 time the execution started, or null. */
  executionStartTime: string | null;
  /** ISO-8601 time the execution ended, or null while it runs or waits. */
  executionEndTime: string | null;
  /** AWS account id of the execution, from the event. */
  account: string;
  /** AWS Region of the execution. */
  region: string;
  /** Link that opens the execution in the Systems Manager Automation console of its Region. */
  consoleUrl: string;
  /**
   * The API outputs, with timestamps as ISO-8601 text: `execution` as GetAutomationExecution returned
   * it, and `opsItem` as GetOpsItem returned it (null for a plain execution).
   */
  raw: { execution: Record<string, unknown>; opsItem: Record<string, unknown> | null };
}

/** `change-manager` for a Change Manager change request, `automation` for any other Automation execution. */
export type ChangeRequestKind = 'change-manager' | 'automation';

/**
 * The state of an execution in the terms of a change:
 *
 * - `waiting`: not running yet, because AWS waits for an approval, a calendar override, a step
 *   that waits (`Waiting`) or the scheduled time (`Scheduled`);
 * - `running`: approved or started, and not finished (`Pending`, `Approved`, `InProgress`,
 *   `RunbookInProgress`, `ChangeCalendarOverrideApproved`);
 * - `success`: `Success` or `CompletedWithSuccess`;
 * - `failed`: `Failed` or `CompletedWithFailure`;
 * - `timed-out`: `TimedOut`, for example when no approver decided in time;
 * - `cancelled`: `Cancelling`, `Cancelled` or `Exited`;
 * - `rejected`: `Rejected` or `ChangeCalendarOverrideRejected`.
 */
export type ChangeRequestOutcome = 'running' | 'success' | 'failed' | 'timed-out' | 'cancelled' | 'rejected' | 'waiting';

/** One runbook of a change request. */
export interface ChangeRequestRunbook {
  documentName: string;
  /** Version as the change request names it (`3`, `$DEFAULT`), or null. */
  documentVersion: string | null;
  /** Parameters the runbook starts with; every value is a list of text. */
  parameters: Record<string, string[]>;
}

/** One target of an execution: a key such as `tag:Role` or `ParameterValues`, and its values. */
export interface ChangeRequestTarget {
  key: string;
  values: string[];
}

/** One step of an execution. */
export interface ChangeRequestStep {
  /** Step name from the document, such as `approve` or `stopInstances`. */
  name: string;
  /** Automation action, such as `aws:approve` or `aws:changeInstanceState`. */
  action: string;
  /** `StepStatus`: `Pending`, `InProgress`, `Waiting`, `Success`, `Failed`, `TimedOut`, `Cancelled`, … */
  status: string;
  /** ISO-8601 time the step started, or null while it is pending. */
  startTime: string | null;
  /** ISO-8601 time the step ended, or null while it runs. */
  endTime: string | null;
  /** Failure message of the step, or null. */
  failureMessage: string | null;
}
