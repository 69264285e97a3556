/**
 * Error handling that the AWS write-backs share. It reads the fields of an error thrown by an AWS
 * SDK v3 call and sorts it into the classes every AWS service has: credentials, throttling, invalid
 * input, server and network failures. It also holds the base class of the write-back errors.
 */

/** Context of an {@link AwsWritebackError}, besides its message and the record's own identifiers. */
export interface AwsWritebackErrorDetails<Operation extends string> {
  /** Absent when the write-back failed before any call to AWS. */
  operation?: Operation;
  /** The AWS error code (`ThrottlingException`, `AccessDeniedException`, …), a Node network error code, or a code itsm-sync raises itself. */
  errorCode: string;
  /** The service's own message, when the service sent one. */
  awsMessage?: string;
  /** Whether the same write-back may succeed later, for example after throttling or an internal error. */
  retryable: boolean;
  httpStatus?: number;
  /** AWS request id, for a support case. */
  requestId?: string;
}

/**
 * Base class of the errors of the AWS write-backs (`FindingWritebackError`,
 * `OpsItemWritebackError`). Subclasses add the identifiers of the record they are about.
 *
 * `retryable` is true when a later attempt may succeed and false when the caller should give up.
 */
export abstract class AwsWritebackError<Operation extends string = string> extends Error {
  readonly operation?: Operation;
  readonly errorCode: string;
  readonly awsMessage?: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  readonly requestId?: string;

  protected constructor(message: string, details: AwsWritebackErrorDetails<Operation>, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = details.operation;
    this.errorCode = details.errorCode;
    this.awsMessage = details.awsMessage;
    this.retryable = details.retryable;
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
  }
}

/** The fields of an AWS SDK v3 service exception (or a Node network error) that this module reads. */
interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** Fields of a thrown AWS SDK v3 error that describe the failed call. */
export interface AwsSdkErrorDescription {
  /**
   * The exception name (`ThrottlingException`, …). For a Node network error, whose name is plain
   * `Error`, its code (`ECONNREFUSED`, …). `Unknown` when the error has neither.
   */
  errorCode: string;
  /** The service's message, or the thrown value as text. */
  awsMessage: string;
  httpStatus?: number;
  requestId?: string;
  /** The side AWS blames for the failure (`$fault`), when the error came from a service response. */
  fault?: 'client' | 'server';
  /** The error's `code` property, which Node sets on network errors (`ECONNRESET`, …). */
  systemErrorCode?: string;
}

/**
 * Reads the code, message, HTTP status and request id from an error thrown by an AWS SDK v3
 * client's `send`. Accepts any thrown value, because the SDK also rethrows plain Node errors.
 *
 * @example
 * const { errorCode, requestId } = describeAwsSdkError(error);
 */
export function describeAwsSdkError(error: unknown): AwsSdkErrorDescription {
  const sdkError: SdkErrorLike = typeof error === 'object' && error !== null ? (error as SdkErrorLike) : {};

  // Network errors from Node are plain Errors whose `code` (ECONNREFUSED, …) is the useful part.
  const namesNothing = sdkError.name === undefined || sdkError.name === 'Error';
  const errorCode = namesNothing && sdkError.code !== undefined ? sdkError.code : (sdkError.name ?? 'Unknown');

  return {
    errorCode,
    awsMessage: sdkError.message ?? String(error),
    httpStatus: sdkError.$metadata?.httpStatusCode,
    requestId: sdkError.$metadata?.requestId,
    fault: sdkError.$fault,
    systemErrorCode: sdkError.code,
  };
}

/** The error codes of one AWS service that mean the same to every caller, sorted by class. */
export interface AwsServiceErrorCodes {
  /** Service name for advice, such as `Security Hub` or `SSM`. */
  service: string;
  /** Codes that mean the service throttled the request. */
  throttling: ReadonlySet<string>;
  /** Codes that mean the service failed on its side. */
  serverError: ReadonlySet<string>;
  /** Codes that mean the request itself was invalid. */
  invalidInput: ReadonlySet<string>;
}

/** Whether a failed call may succeed later, and what the operator should check. */
export interface AwsErrorClassification {
  retryable: boolean;
  /** One or two sentences naming the fix, ending with a full stop. */
  advice: string;
}

// The credential and network codes are the same for every AWS service, because the SDK's signer,
// credential chain and HTTP handler raise them, not the service.
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
const TIMEOUT_ERROR_CODES = new Set(['TimeoutError', 'RequestTimeout']);

/**
 * Checks whether `errorCode` means the credentials expired, were rejected or could not be loaded.
 * These codes are the same for every AWS service, and {@link classifyAwsSdkError} gives their advice.
 */
export function isCredentialErrorCode(errorCode: string): boolean {
  return EXPIRED_CREDENTIAL_CODES.has(errorCode) || BAD_CREDENTIAL_CODES.has(errorCode);
}

/**
 * Classifies a failed AWS SDK call that the service-specific checks did not recognise: expired or
 * rejected credentials, then the service's throttling, invalid-input and server codes, then network
 * failures. Any other error is retryable when AWS blames the server (`$fault: 'server'`) or the
 * HTTP status is 5xx or 429.
 *
 * Callers check the codes whose advice is their own (a missing IAM permission, a deleted resource)
 * before calling this.
 *
 * @example
 * const { retryable, advice } = classifyAwsSdkError(describeAwsSdkError(error), SSM_ERROR_CODES);
 */
export function classifyAwsSdkError(description: AwsSdkErrorDescription, codes: AwsServiceErrorCodes): AwsErrorClassification {
  const code = description.errorCode;

  if (EXPIRED_CREDENTIAL_CODES.has(code)) {
    // The default credential chain refreshes ECS task role credentials, so a later attempt
    // usually gets fresh ones.
    return { retryable: true, advice: 'The AWS credentials expired: check the task role credentials (ECS task role or the configured role to assume).' };
  }
  if (BAD_CREDENTIAL_CODES.has(code)) {
    return { retryable: false, advice: 'AWS rejected or could not load the credentials: check the task role credentials (ECS task role or the configured role to assume).' };
  }
  if (codes.throttling.has(code)) {
    return { retryable: true, advice: `${codes.service} throttled the request after the SDK's retries; a later attempt may succeed.` };
  }
  if (codes.invalidInput.has(code)) {
    return { retryable: false, advice: `${codes.service} rejected the request as invalid; retrying the same update will not help.` };
  }
  if (codes.serverError.has(code)) {
    return { retryable: true, advice: `${codes.service} failed on its side; a later attempt may succeed.` };
  }
  if (NETWORK_ERROR_CODES.has(description.systemErrorCode ?? '') || TIMEOUT_ERROR_CODES.has(code)) {
    return { retryable: true, advice: `The ${codes.service} endpoint could not be reached; check the network path or the configured endpoint.` };
  }

  const status = description.httpStatus;
  const retryable = description.fault === 'server' || (status !== undefined && status >= 500) || status === 429;
  return { retryable, advice: retryable ? 'A later attempt may succeed.' : 'Retrying the same update will not help.' };
}
