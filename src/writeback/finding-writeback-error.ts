/**
 * The one error type of the Security Hub write-back, and how Security Hub's error codes map to it.
 */
import {
  AwsWritebackError,
  classifyAwsSdkError,
  describeAwsSdkError,
  type AwsErrorClassification,
  type AwsSdkErrorDescription,
  type AwsServiceErrorCodes,
  type AwsWritebackErrorDetails,
} from './aws-sdk-errors.js';

/** The Security Hub operation a finding write-back calls. */
export type FindingWritebackOperation = 'BatchUpdateFindings' | 'BatchUpdateFindingsV2';

/** Error codes that itsm-sync raises itself, before any call to Security Hub. */
export const LOCAL_ERROR_CODES = {
  /** The record is not a finding, or its format or write-back key is unusable. */
  invalidRecord: 'InvalidRecord',
  /** `WritebackAction.status` is not a Security Hub workflow status. */
  invalidStatus: 'InvalidWorkflowStatus',
} as const;

/** Context of a {@link FindingWritebackError}, besides its message. */
export interface FindingWritebackErrorDetails extends AwsWritebackErrorDetails<FindingWritebackOperation> {
  /** ASFF `Id` or OCSF `metadata.uid` of the finding. */
  findingId: string;
  format: string;
  /** Security Hub's error code (`FindingNotFound`, `AccessDeniedException`, …) or one of {@link LOCAL_ERROR_CODES}. */
  errorCode: string;
}

/**
 * A write-back to one Security Hub finding failed: the request was rejected, the finding came back
 * in `UnprocessedFindings`, or the write-back action itself was invalid.
 *
 * `retryable` is true when a later attempt may succeed (throttling after the SDK's own retries,
 * internal errors, concurrent updates) and false when the caller should give up (missing finding,
 * invalid input, missing permission).
 *
 * @example
 * try {
 *   await writeback.apply(record, { status: 'NOTIFIED' });
 * } catch (error) {
 *   if (error instanceof FindingWritebackError && !error.retryable) {
 *     logger.error({ findingId: error.findingId, errorCode: error.errorCode }, error.message);
 *   }
 * }
 */
export class FindingWritebackError extends AwsWritebackError<FindingWritebackOperation> {
  override readonly name = 'FindingWritebackError';
  readonly findingId: string;
  readonly format: string;

  constructor(message: string, details: FindingWritebackErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
    this.findingId = details.findingId;
    this.format = details.format;
  }
}

/** The finding and call that an error is about. */
export interface WritebackContext {
  findingId: string;
  format: string;
  operation: FindingWritebackOperation;
}

// Per-finding error codes in UnprocessedFindings. ASFF codes are listed in the
// BatchUpdateFindingsUnprocessedFinding documentation, V2 codes in the
// BatchUpdateFindingsV2UnprocessedFindingErrorCode enum (both in @aws-sdk/client-securityhub).
// A concurrent update or a conflict clears once the other writer is done, so those are retryable.
const RETRYABLE_UNPROCESSED_CODES = new Set([
  'ConcurrentUpdateError',
  'InternalFailure',
  'ConflictException',
  'InternalServerException',
]);

/**
 * Builds the error for a finding that Security Hub returned in `UnprocessedFindings`.
 * Codes not listed in the SDK's documentation count as retryable only when they name throttling or
 * an internal failure.
 */
export function unprocessedFindingError(
  context: WritebackContext,
  errorCode: string | undefined,
  errorMessage: string | undefined,
): FindingWritebackError {
  const code = errorCode ?? 'Unknown';
  const retryable = RETRYABLE_UNPROCESSED_CODES.has(code) || /throttl|limitexceeded|toomanyrequests|internal/i.test(code);
  const next = retryable ? 'A later attempt may succeed.' : explainUnprocessed(code);

  return new FindingWritebackError(
    `Security Hub did not update finding ${context.findingId} (${context.operation}): ${code}: ${errorMessage ?? 'no message'}. ${next}`,
    { ...context, errorCode: code, awsMessage: errorMessage, retryable },
  );
}

function explainUnprocessed(code: string): string {
  switch (code) {
    case 'FindingNotFound':
    case 'ResourceNotFoundException':
      return 'The finding does not exist in this account and region (it may have been deleted after 90 days, or the record points at another account); retrying will not help.';
    case 'FindingSizeExceeded':
      return 'The finding exceeds the 240 KB size limit; retrying will not help.';
    default:
      return 'Retrying the same update will not help.';
  }
}

// Error codes of the Security Hub API; the command documentation of @aws-sdk/client-securityhub
// 3.1108 lists only some of them for BatchUpdateFindings and BatchUpdateFindingsV2.
// ConflictException (a concurrent update) clears once the other writer is done, so it is retryable.
const SECURITY_HUB_ERROR_CODES: AwsServiceErrorCodes = {
  service: 'Security Hub',
  throttling: new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException']),
  serverError: new Set(['InternalException', 'InternalServerException', 'ServiceUnavailableException', 'ConflictException']),
  invalidInput: new Set(['InvalidInputException', 'ValidationException', 'SerializationException', 'ResourceNotFoundException']),
};

/**
 * Wraps an error thrown by `SecurityHubClient.send` (after the SDK's own retries) into a
 * {@link FindingWritebackError} whose message names the fix. AWS error messages name ARNs and
 * actions, never credentials, so they are kept in the message.
 */
export function sdkCallError(context: WritebackContext, error: unknown): FindingWritebackError {
  const description = describeAwsSdkError(error);
  const { errorCode, awsMessage, httpStatus, requestId } = description;
  const { retryable, advice } = classifySecurityHubError(description);

  return new FindingWritebackError(
    `${context.operation} failed for finding ${context.findingId}: ${errorCode}: ${awsMessage}. ${advice}`,
    { ...context, errorCode, awsMessage, retryable, httpStatus, requestId },
    { cause: error },
  );
}

function classifySecurityHubError(description: AwsSdkErrorDescription): AwsErrorClassification {
  if (description.errorCode === 'AccessDeniedException') {
    // BatchUpdateFindingsV2 has no IAM action of its own: both operations are authorized by
    // securityhub:BatchUpdateFindings (BatchUpdateFindingsV2Command documentation).
    return {
      retryable: false,
      advice: 'The task role needs the securityhub:BatchUpdateFindings permission (it also authorizes BatchUpdateFindingsV2) for this account and region.',
    };
  }
  if (description.errorCode === 'InvalidAccessException') {
    return { retryable: false, advice: 'Check that Security Hub is enabled in this account and region for the task role\'s account.' };
  }

  return classifyAwsSdkError(description, SECURITY_HUB_ERROR_CODES);
}
