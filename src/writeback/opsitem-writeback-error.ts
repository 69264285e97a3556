/**
 * The one error type of the OpsItem write-back, and how SSM's error codes map to it.
 */

/** The SSM operations an OpsItem write-back calls. */
export type OpsItemWritebackOperation = 'GetOpsItem' | 'UpdateOpsItem';

/** Error codes that itsm-sync raises itself, before any call to SSM. */
export const OPSITEM_LOCAL_ERROR_CODES = {
  /** The record is not an OpsItem, or its write-back key is unusable. */
  invalidRecord: 'InvalidRecord',
  /** `WritebackAction.status` is not a status UpdateOpsItem accepts for an OpsItem. */
  invalidStatus: 'InvalidOpsItemStatus',
} as const;

/** Context of an {@link OpsItemWritebackError}, besides its message. */
export interface OpsItemWritebackErrorDetails {
  opsItemId: string;
  /** Absent when the record itself had no usable Region. */
  region?: string;
  /** Absent when the write-back failed before a call to SSM. */
  operation?: OpsItemWritebackOperation;
  /** SSM's error code (`OpsItemNotFoundException`, `ThrottlingException`, …) or one of {@link OPSITEM_LOCAL_ERROR_CODES}. */
  errorCode: string;
  /** SSM's own message, when SSM sent one. */
  awsMessage?: string;
  /** Whether the same write-back may succeed later, for example after throttling or an internal error. */
  retryable: boolean;
  httpStatus?: number;
  /** AWS request id, for a support case. */
  requestId?: string;
}

/**
 * A write-back to one OpsItem failed: SSM rejected the GetOpsItem or UpdateOpsItem call, or the
 * write-back action itself was invalid.
 *
 * `retryable` is true when a later attempt may succeed (throttling after the SDK's own retries,
 * internal errors, network failures) and false when the caller should give up (deleted OpsItem,
 * invalid input, missing permission).
 *
 * @example
 * try {
 *   await writeback.apply(record, { status: 'Resolved' });
 * } catch (error) {
 *   if (error instanceof OpsItemWritebackError && !error.retryable) {
 *     logger.error({ opsItemId: error.opsItemId, errorCode: error.errorCode }, error.message);
 *   }
 * }
 */
export class OpsItemWritebackError extends Error {
  override readonly name = 'OpsItemWritebackError';
  readonly opsItemId: string;
  readonly region?: string;
  readonly operation?: OpsItemWritebackOperation;
  readonly errorCode: string;
  readonly awsMessage?: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  readonly requestId?: string;

  constructor(message: string, details: OpsItemWritebackErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.opsItemId = details.opsItemId;
    this.region = details.region;
    this.operation = details.operation;
    this.errorCode = details.errorCode;
    this.awsMessage = details.awsMessage;
    this.retryable = details.retryable;
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
  }
}

/** The OpsItem and call that an error is about. */
export interface OpsItemCallContext {
  opsItemId: string;
  region: string;
  operation: OpsItemWritebackOperation;
}

/** The fields of an AWS SDK v3 service exception (or a network error) that classification reads. */
interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

// Error codes of GetOpsItem and UpdateOpsItem, from the command documentation of @aws-sdk/client-ssm 3.1178.
const THROTTLING_CODES = new Set(['ThrottlingException', 'TooManyRequestsException', 'LimitExceededException', 'RequestLimitExceeded']);
const SERVER_ERROR_CODES = new Set(['InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException']);
const INPUT_ERROR_CODES = new Set(['OpsItemInvalidParameterException', 'ValidationException', 'SerializationException', 'OpsItemAlreadyExistsException']);
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
 * Wraps an error thrown by `SSMClient.send` (after the SDK's own retries) into an
 * {@link OpsItemWritebackError} whose message names the fix. AWS error messages name ARNs and
 * actions, never credentials, so they are kept in the message.
 */
export function ssmCallError(context: OpsItemCallContext, error: unknown): OpsItemWritebackError {
  const sdkError: SdkErrorLike = typeof error === 'object' && error !== null ? (error as SdkErrorLike) : {};
  const errorCode = (sdkError.name === undefined || sdkError.name === 'Error') && sdkError.code !== undefined ? sdkError.code : (sdkError.name ?? 'Unknown');
  const awsMessage = sdkError.message ?? String(error);
  const httpStatus = sdkError.$metadata?.httpStatusCode;
  const { retryable, advice } = classify(sdkError, errorCode, httpStatus, context.operation);

  return new OpsItemWritebackError(
    `${context.operation} failed for OpsItem ${context.opsItemId} in ${context.region}: ${errorCode}: ${awsMessage}. ${advice}`,
    { ...context, errorCode, awsMessage, retryable, httpStatus, requestId: sdkError.$metadata?.requestId },
    { cause: error },
  );
}

function classify(
  error: SdkErrorLike,
  code: string,
  httpStatus: number | undefined,
  operation: OpsItemWritebackOperation,
): { retryable: boolean; advice: string } {
  switch (code) {
    case 'OpsItemNotFoundException':
      return { retryable: false, advice: 'The OpsItem was deleted, or the record points at another account or Region; retrying will not help.' };
    case 'OpsItemConflictException':
      return { retryable: false, advice: 'The OpsItem is being deleted; retrying will not help.' };
    case 'OpsItemLimitExceededException':
      return { retryable: false, advice: 'The update would exceed an OpsCenter quota; retrying the same update will not help.' };
    case 'OpsItemAccessDeniedException':
    case 'AccessDeniedException':
      return { retryable: false, advice: `The task role needs the ssm:${operation} permission for OpsItems of this account and Region.` };
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
    return { retryable: true, advice: 'SSM throttled the request after the SDK\'s retries; a later attempt may succeed.' };
  }
  if (INPUT_ERROR_CODES.has(code)) {
    return { retryable: false, advice: 'SSM rejected the request as invalid; retrying the same update will not help.' };
  }
  if (SERVER_ERROR_CODES.has(code)) {
    return { retryable: true, advice: 'SSM failed on its side; a later attempt may succeed.' };
  }
  if (NETWORK_ERROR_CODES.has(error.code ?? '') || code === 'TimeoutError' || code === 'RequestTimeout') {
    return { retryable: true, advice: 'The SSM endpoint could not be reached; check the network path or the configured endpoint.' };
  }

  const retryable = error.$fault === 'server' || (httpStatus !== undefined && httpStatus >= 500) || httpStatus === 429;
  return { retryable, advice: retryable ? 'A later attempt may succeed.' : 'Retrying the same update will not help.' };
}
