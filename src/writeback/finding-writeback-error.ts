/**
 * The one error type of the Security Hub write-back, and how Security Hub's error codes map to it.
 */

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
export interface FindingWritebackErrorDetails {
  /** ASFF `Id` or OCSF `metadata.uid` of the finding. */
  findingId: string;
  format: string;
  /** Absent when the write-back failed before a call to Security Hub. */
  operation?: FindingWritebackOperation;
  /** Security Hub's error code (`FindingNotFound`, `AccessDeniedException`, …) or one of {@link LOCAL_ERROR_CODES}. */
  errorCode: string;
  /** Security Hub's own message, when Security Hub sent one. */
  awsMessage?: string;
  /** Whether the same write-back may succeed later, for example after throttling or an internal error. */
  retryable: boolean;
  httpStatus?: number;
  /** AWS request id, for a support case. */
  requestId?: string;
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
export class FindingWritebackError extends Error {
  override readonly name = 'FindingWritebackError';
  readonly findingId: string;
  readonly format: string;
  readonly operation?: FindingWritebackOperation;
  readonly errorCode: string;
  readonly awsMessage?: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  readonly requestId?: string;

  constructor(message: string, details: FindingWritebackErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.findingId = details.findingId;
    this.format = details.format;
    this.operation = details.operation;
    this.errorCode = details.errorCode;
    this.awsMessage = details.awsMessage;
    this.retryable = details.retryable;
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
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

/** The fields of an AWS SDK v3 service exception (or a network error) that classification reads. */
interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

const THROTTLING_CODES = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException']);
const SERVER_ERROR_CODES = new Set(['InternalException', 'InternalServerException', 'ServiceUnavailableException', 'ConflictException']);
const INPUT_ERROR_CODES = new Set(['InvalidInputException', 'ValidationException', 'SerializationException', 'ResourceNotFoundException']);
const EXPIRED_CREDENTIAL_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const BAD_CREDENTIAL_CODES = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Wraps an error thrown by `SecurityHubClient.send` (after the SDK's own retries) into a
 * {@link FindingWritebackError} whose message names the fix. AWS error messages name ARNs and
 * actions, never credentials, so they are kept in the message.
 */
export function sdkCallError(context: WritebackContext, error: unknown): FindingWritebackError {
  const sdkError: SdkErrorLike = typeof error === 'object' && error !== null ? (error as SdkErrorLike) : {};
  // Network errors from Node are plain Errors whose `code` (ECONNREFUSED, …) is the useful part.
  const errorCode = (sdkError.name === undefined || sdkError.name === 'Error') && sdkError.code !== undefined ? sdkError.code : (sdkError.name ?? 'Unknown');
  const awsMessage = sdkError.message ?? String(error);
  const httpStatus = sdkError.$metadata?.httpStatusCode;
  const { retryable, advice } = classifySdkError(sdkError, errorCode, httpStatus);

  return new FindingWritebackError(
    `${context.operation} failed for finding ${context.findingId}: ${errorCode}: ${awsMessage}. ${advice}`,
    { ...context, errorCode, awsMessage, retryable, httpStatus, requestId: sdkError.$metadata?.requestId },
    { cause: error },
  );
}

function classifySdkError(error: SdkErrorLike, code: string, httpStatus: number | undefined): { retryable: boolean; advice: string } {
  if (code === 'AccessDeniedException') {
    // BatchUpdateFindingsV2 has no IAM action of its own: both operations are authorized by
    // securityhub:BatchUpdateFindings (BatchUpdateFindingsV2Command documentation).
    return {
      retryable: false,
      advice: 'The task role needs the securityhub:BatchUpdateFindings permission (it also authorizes BatchUpdateFindingsV2) for this account and region.',
    };
  }
  if (code === 'InvalidAccessException') {
    return { retryable: false, advice: 'Check that Security Hub is enabled in this account and region for the task role\'s account.' };
  }
  if (EXPIRED_CREDENTIAL_CODES.has(code)) {
    // The default credential chain refreshes ECS task role credentials, so a later attempt
    // usually gets fresh ones.
    return { retryable: true, advice: 'The AWS credentials expired: check the task role credentials (ECS task role or the configured role to assume).' };
  }
  if (BAD_CREDENTIAL_CODES.has(code)) {
    return { retryable: false, advice: 'AWS rejected or could not load the credentials: check the task role credentials (ECS task role or the configured role to assume).' };
  }
  if (THROTTLING_CODES.has(code)) {
    return { retryable: true, advice: 'Security Hub throttled the request after the SDK\'s retries; a later attempt may succeed.' };
  }
  if (INPUT_ERROR_CODES.has(code)) {
    return { retryable: false, advice: 'Security Hub rejected the request as invalid; retrying the same update will not help.' };
  }
  if (SERVER_ERROR_CODES.has(code)) {
    return { retryable: true, advice: 'Security Hub failed on its side; a later attempt may succeed.' };
  }
  if (NETWORK_ERROR_CODES.has(error.code ?? '') || code === 'TimeoutError' || code === 'RequestTimeout') {
    return { retryable: true, advice: 'The Security Hub endpoint could not be reached; check the network path or the configured endpoint.' };
  }

  const retryable = error.$fault === 'server' || (httpStatus !== undefined && httpStatus >= 500) || httpStatus === 429;
  return {
    retryable,
    advice: retryable ? 'A later attempt may succeed.' : 'Retrying the same update will not help.',
  };
}
