/**
 * The errors of the change request write-back, and how SSM's SendAutomationSignal errors map to
 * them, each with a reason that can go into a work note on the ITSM record.
 */
import {
  AwsWritebackError,
  classifyAwsSdkError,
  describeAwsSdkError,
  isCredentialErrorCode,
  type AwsServiceErrorCodes,
  type AwsWritebackErrorDetails,
} from './aws-sdk-errors.js';

/** The SSM operation the change request write-back calls itself; OpsItem writes go through the OpsItem write-back. */
export type ChangeRequestWritebackOperation = 'SendAutomationSignal';

/** The approval signals the write-back sends. */
export type ApprovalSignalType = 'Approve' | 'Reject';

/** Error codes that itsm-sync raises itself, before any call to SSM. */
export const CHANGE_REQUEST_LOCAL_ERROR_CODES = {
  /** The record is not a change request, or its write-back key is unusable. */
  invalidRecord: 'InvalidRecord',
  /** `WritebackAction.status` was set: AWS sets an execution's status itself. */
  statusNotSupported: 'StatusNotSupported',
  /** `WritebackAction.signal` is not an Approve or Reject with a text comment. */
  invalidSignal: 'InvalidSignal',
} as const;

/** Context of a {@link ChangeRequestWritebackError}, besides its message. */
export interface ChangeRequestWritebackErrorDetails extends AwsWritebackErrorDetails<ChangeRequestWritebackOperation> {
  executionId: string;
  /** Absent when the record itself had no usable Region. */
  region?: string;
}

/**
 * A write-back to a change request was invalid before anything was sent: the record is not a
 * change request, or the action requests something the write-back cannot do. Never retryable.
 */
export class ChangeRequestWritebackError extends AwsWritebackError<ChangeRequestWritebackOperation> {
  override readonly name = 'ChangeRequestWritebackError';
  readonly executionId: string;
  readonly region?: string;

  constructor(message: string, details: ChangeRequestWritebackErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
    this.executionId = details.executionId;
    this.region = details.region;
  }
}

/** Context of an {@link AutomationSignalError}, besides its message. */
export interface AutomationSignalErrorDetails extends AwsWritebackErrorDetails<ChangeRequestWritebackOperation> {
  executionId: string;
  region: string;
  signalType: ApprovalSignalType;
  /** Reason the signal was not taken, as a clause for people (no final full stop). */
  reason: string;
}

/**
 * SendAutomationSignal failed: AWS did not take the Approve or Reject.
 *
 * `reason` explains the failure in words an approver understands, for a work note on the ITSM record ("AWS no
 * longer waits for an approval of this execution"). `retryable` is true only when a later attempt
 * may succeed (throttling, a server or network failure); it is false when AWS refused the signal
 * itself (the execution no longer waits, is gone, or the connector's role may not approve).
 *
 * @example
 * try {
 *   await writeback.apply(record, { signal: { type: 'Approve', comment } });
 * } catch (error) {
 *   if (error instanceof AutomationSignalError && !error.retryable) {
 *     await target.update(ticket, {}, { note: `AWS did not take the approval: ${error.reason}.` });
 *   }
 * }
 */
export class AutomationSignalError extends AwsWritebackError<ChangeRequestWritebackOperation> {
  override readonly name = 'AutomationSignalError';
  readonly executionId: string;
  readonly region: string;
  readonly signalType: ApprovalSignalType;
  readonly reason: string;

  constructor(message: string, details: AutomationSignalErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
    this.executionId = details.executionId;
    this.region = details.region;
    this.signalType = details.signalType;
    this.reason = details.reason;
  }
}

/** The execution and signal that a SendAutomationSignal call was about. */
export interface AutomationSignalContext {
  executionId: string;
  region: string;
  signalType: ApprovalSignalType;
}

/** Reasons for a work note, one per kind of failure. */
export const SIGNAL_FAILURE_REASONS = {
  notWaiting: 'AWS no longer waits for an approval of this execution',
  notApprover: "the connector's role is not an approver of this change template or approval step",
  executionNotFound: 'the Automation execution no longer exists in AWS',
  stepNotFound: 'AWS found no approval step in this execution',
  throttled: 'throttled by AWS; the signal will be sent again',
  awsFailure: 'AWS failed on its side or could not be reached; the signal will be sent again',
  credentials: "AWS rejected the connector's credentials",
  rejected: 'AWS rejected the signal',
} as const;

// Error codes of the SSM API for throttling, server failures and malformed requests. The command
// documentation of @aws-sdk/client-ssm 3.1178 lists AutomationExecutionNotFoundException,
// AutomationStepNotFoundException, InvalidAutomationSignalException and InternalServerError for
// SendAutomationSignal. The first three have a reason of their own and are handled before these
// sets are read.
const SSM_SIGNAL_ERROR_CODES: AwsServiceErrorCodes = {
  service: 'SSM',
  throttling: new Set(['ThrottlingException', 'TooManyRequestsException', 'LimitExceededException', 'RequestLimitExceeded']),
  serverError: new Set(['InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException']),
  invalidInput: new Set(['ValidationException', 'SerializationException']),
};

const ACCESS_DENIED_CODES = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

/**
 * NOTE: the SSM API reference documents InvalidAutomationSignalException only as "the signal isn't
 * valid for the current Automation execution". A message that names approvers or authorization is
 * read as the caller not being an approver; any other as the execution no longer waiting.
 */
const NOT_APPROVER_MESSAGE = /approver|not authori[sz]ed|not allowed|permission/i;

/**
 * Wraps an error thrown by SendAutomationSignal (after the SDK's own retries) into an
 * {@link AutomationSignalError} with a reason for people and advice for the operator. AWS error
 * messages name ARNs and actions, never credentials, so they are kept in the message.
 */
export function automationSignalError(context: AutomationSignalContext, error: unknown): AutomationSignalError {
  const description = describeAwsSdkError(error);
  const { errorCode, awsMessage, httpStatus, requestId } = description;
  const { retryable, reason, advice } = classifySignalError(errorCode, awsMessage, () => classifyAwsSdkError(description, SSM_SIGNAL_ERROR_CODES));

  return new AutomationSignalError(
    `SendAutomationSignal ${context.signalType} failed for Automation execution ${context.executionId} in ${context.region}: ${errorCode}: ${awsMessage}. ${advice}`,
    { ...context, operation: 'SendAutomationSignal', errorCode, awsMessage, retryable, httpStatus, requestId, reason },
    { cause: error },
  );
}

function classifySignalError(
  errorCode: string,
  awsMessage: string,
  classifyCommon: () => { retryable: boolean; advice: string },
): { retryable: boolean; reason: string; advice: string } {
  switch (errorCode) {
    case 'InvalidAutomationSignalException':
      if (NOT_APPROVER_MESSAGE.test(awsMessage)) {
        return { retryable: false, reason: SIGNAL_FAILURE_REASONS.notApprover, advice: notApproverAdvice() };
      }
      return {
        retryable: false,
        reason: SIGNAL_FAILURE_REASONS.notWaiting,
        advice: 'The execution was approved, rejected, cancelled or timed out already; retrying will not help.',
      };
    case 'AutomationExecutionNotFoundException':
      return {
        retryable: false,
        reason: SIGNAL_FAILURE_REASONS.executionNotFound,
        advice: 'The execution expired from Automation history, or the record points at another account or Region; retrying will not help.',
      };
    case 'AutomationStepNotFoundException':
      return { retryable: false, reason: SIGNAL_FAILURE_REASONS.stepNotFound, advice: 'Retrying will not help.' };
  }
  if (ACCESS_DENIED_CODES.has(errorCode)) {
    return { retryable: false, reason: SIGNAL_FAILURE_REASONS.notApprover, advice: notApproverAdvice() };
  }

  const { retryable, advice } = classifyCommon();
  if (SSM_SIGNAL_ERROR_CODES.throttling.has(errorCode)) {
    return { retryable, reason: SIGNAL_FAILURE_REASONS.throttled, advice };
  }
  if (isCredentialErrorCode(errorCode)) {
    return { retryable, reason: SIGNAL_FAILURE_REASONS.credentials, advice };
  }
  return { retryable, reason: retryable ? SIGNAL_FAILURE_REASONS.awsFailure : `${SIGNAL_FAILURE_REASONS.rejected} (${errorCode})`, advice };
}

function notApproverAdvice(): string {
  return (
    'The task role needs ssm:SendAutomationSignal, and must be one of the approvers of the change template ' +
    '(or of the aws:approve step); retrying will not help until it is.'
  );
}
