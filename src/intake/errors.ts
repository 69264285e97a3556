/**
 * Errors raised by intake: a message body that is not an EventBridge event, an invalid consumer
 * option, and a failed SQS API call.
 */

/**
 * An SQS message whose body is not an EventBridge event (not JSON, an SNS envelope without a JSON
 * `Message`, a missing event key, or too large). Retrying cannot fix such a message, so the
 * consumer leaves it on the queue and the queue's redrive policy moves it to the DLQ.
 */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';

  /**
   * @param messageId - SQS MessageId of the rejected message.
   * @param reason - What is wrong with the body, without the body itself.
   */
  constructor(
    readonly messageId: string,
    readonly reason: string,
  ) {
    super(`SQS message ${messageId} is not a valid EventBridge event: ${reason}`);
  }
}

/** A consumer option that is missing or out of range. The message names the option and its range. */
export class InvalidConsumerOptionError extends Error {
  override readonly name = 'InvalidConsumerOptionError';

  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A failed SQS API call, with the AWS error kept in a form that logs and callers can branch on.
 * Every SQS failure the consumer catches is converted to this type by {@link toSqsError}.
 */
export class SqsError extends Error {
  override readonly name = 'SqsError';

  constructor(
    message: string,
    /** The SQS operation that failed, for example `ReceiveMessage`. */
    readonly operation: string,
    /** The AWS error name (`QueueDoesNotExist`, `ExpiredToken`) or the Node.js error name. */
    readonly awsErrorName: string,
    /** The query-protocol error code, such as `AWS.SimpleQueueService.NonExistentQueue`, if AWS sent one. */
    readonly awsErrorCode: string | undefined,
    /** HTTP status of the SQS response; undefined when no response arrived (network error). */
    readonly statusCode: number | undefined,
    /** Whether sending the same request again may succeed. */
    readonly retryable: boolean,
    /** AWS request id, for support cases. */
    readonly requestId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Error names and codes that mean the AWS credentials are missing, expired or lack permission.
 * Retrying at full speed cannot fix them, so the consumer pauses polling.
 */
const CREDENTIAL_ERROR_NAMES = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AccessDenied',
  'AccessDeniedException',
  // A queue encrypted with a KMS key the task role may not use.
  'KmsAccessDenied',
  'KMS.AccessDeniedException',
]);

/** The SDK v3 error name and the query-protocol code of "the queue does not exist". */
const QUEUE_NOT_FOUND_NAMES = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

/** Throttling errors that the SDK may not flag as retryable. */
const THROTTLING_NAMES = new Set(['ThrottlingException', 'RequestThrottled', 'KmsThrottled']);

/** The fields of an SDK v3 service exception that {@link toSqsError} reads. */
interface AwsSdkErrorShape {
  name?: unknown;
  message?: unknown;
  Code?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

/**
 * Converts whatever an SQS call threw (an SDK service exception, a credential provider error or
 * a network error) to an {@link SqsError}.
 *
 * @example
 * ```ts
 * try {
 *   await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle }));
 * } catch (error) {
 *   const sqsError = toSqsError(error, 'DeleteMessage');
 *   logger.warn({ awsErrorName: sqsError.awsErrorName, statusCode: sqsError.statusCode }, sqsError.message);
 * }
 * ```
 */
export function toSqsError(error: unknown, operation: string): SqsError {
  if (error instanceof SqsError) {
    return error;
  }

  const shape: AwsSdkErrorShape = typeof error === 'object' && error !== null ? (error as AwsSdkErrorShape) : {};
  const awsErrorName = errorNameOf(shape);
  const awsErrorCode = typeof shape.Code === 'string' ? shape.Code : undefined;
  const statusCode =
    typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const requestId = typeof shape.$metadata?.requestId === 'string' ? shape.$metadata.requestId : undefined;
  const detail = typeof shape.message === 'string' && shape.message !== '' ? shape.message : String(error);

  const retryable = isRetryable(shape, awsErrorName, statusCode);
  const status = statusCode === undefined ? 'no HTTP response' : `HTTP ${statusCode}`;

  return new SqsError(
    `SQS ${operation} failed with ${awsErrorName} (${status}): ${detail}`,
    operation,
    awsErrorName,
    awsErrorCode,
    statusCode,
    retryable,
    requestId,
    { cause: error },
  );
}

/** Picks the most specific name: the AWS error name, else a Node.js system error code such as `ECONNREFUSED`. */
function errorNameOf(shape: AwsSdkErrorShape): string {
  const name = typeof shape.name === 'string' && shape.name !== '' ? shape.name : undefined;
  const code = typeof shape.code === 'string' && shape.code !== '' ? shape.code : undefined;
  if (name === undefined || name === 'Error') {
    return code ?? name ?? 'UnknownError';
  }
  return name;
}

function isRetryable(shape: AwsSdkErrorShape, awsErrorName: string, statusCode: number | undefined): boolean {
  if (shape.$retryable !== undefined && shape.$retryable !== null) {
    return true;
  }
  if (shape.$fault === 'server' || THROTTLING_NAMES.has(awsErrorName)) {
    return true;
  }
  if (statusCode !== undefined) {
    return statusCode >= 500 || statusCode === 429;
  }

  // No HTTP response: a network error or a timeout, which a later attempt may get past. A missing
  // credential is the exception, because it fails the same way until someone fixes the setup.
  return awsErrorName !== 'CredentialsProviderError';
}

/** Tells whether the error means the AWS credentials are missing, expired or not allowed to use the queue. */
export function isCredentialsError(error: SqsError): boolean {
  return (
    CREDENTIAL_ERROR_NAMES.has(error.awsErrorName) ||
    (error.awsErrorCode !== undefined && CREDENTIAL_ERROR_NAMES.has(error.awsErrorCode))
  );
}

/** Tells whether the error means the queue URL names no existing queue. */
export function isQueueNotFoundError(error: SqsError): boolean {
  return (
    QUEUE_NOT_FOUND_NAMES.has(error.awsErrorName) ||
    (error.awsErrorCode !== undefined && QUEUE_NOT_FOUND_NAMES.has(error.awsErrorCode))
  );
}

/** Tells whether the call was cancelled through its AbortSignal, which the consumer does on stop. */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
