/**
 * The one error type of the OpsItem write-back, and how SSM's error codes map to it.
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
export interface OpsItemWritebackErrorDetails extends AwsWritebackErrorDetails<OpsItemWritebackOperation> {
  opsItemId: string;
  /** Absent when the record itself had no usable Region. */
  region?: string;
  /** SSM's error code (`OpsItemNotFoundException`, `ThrottlingException`, …) or one of {@link OPSITEM_LOCAL_ERROR_CODES}. */
  errorCode: string;
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
export class OpsItemWritebackError extends AwsWritebackError<OpsItemWritebackOperation> {
  override readonly name = 'OpsItemWritebackError';
  readonly opsItemId: string;
  readonly region?: string;

  constructor(message: string, details: OpsItemWritebackErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
    this.opsItemId = details.opsItemId;
    this.region = details.region;
  }
}

/** The OpsItem and call that an error is about. */
export interface OpsItemCallContext {
  opsItemId: string;
  region: string;
  operation: OpsItemWritebackOperation;
}

// Error codes of the SSM API. The command documentation of @aws-sdk/client-ssm 3.1178 lists the
// OpsItem codes and InternalServerError for GetOpsItem and UpdateOpsItem. The others are SSM's
// common errors for throttling and malformed requests.
const SSM_ERROR_CODES: AwsServiceErrorCodes = {
  service: 'SSM',
  throttling: new Set(['ThrottlingException', 'TooManyRequestsException', 'LimitExceededException', 'RequestLimitExceeded']),
  serverError: new Set(['InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException']),
  invalidInput: new Set(['OpsItemInvalidParameterException', 'ValidationException', 'SerializationException', 'OpsItemAlreadyExistsException']),
};

/**
 * Wraps an error thrown by `SSMClient.send` (after the SDK's own retries) into an
 * {@link OpsItemWritebackError} whose message names the fix. AWS error messages name ARNs and
 * actions, never credentials, so they are kept in the message.
 */
export function ssmCallError(context: OpsItemCallContext, error: unknown): OpsItemWritebackError {
  const description = describeAwsSdkError(error);
  const { errorCode, awsMessage, httpStatus, requestId } = description;
  const { retryable, advice } = classifySsmError(description, context.operation);

  return new OpsItemWritebackError(
    `${context.operation} failed for OpsItem ${context.opsItemId} in ${context.region}: ${errorCode}: ${awsMessage}. ${advice}`,
    { ...context, errorCode, awsMessage, retryable, httpStatus, requestId },
    { cause: error },
  );
}

function classifySsmError(description: AwsSdkErrorDescription, operation: OpsItemWritebackOperation): AwsErrorClassification {
  switch (description.errorCode) {
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

  return classifyAwsSdkError(description, SSM_ERROR_CODES);
}
