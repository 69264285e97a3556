/**
 * Errors of the SSM simulator, in the form of the AWS JSON 1.1 protocol: an HTTP status and a body
 * `{"__type": "<ErrorType>", "message": "…"}` (plus the members of the error shape, such as
 * `ParameterNames`). The AWS SDK v3 picks the exception class from `__type`.
 */

/** One error response of the simulator. */
export class SsmApiError extends Error {
  override readonly name = 'SsmApiError';

  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    /** Members of the error shape besides the message, such as `ParameterNames` or `OpsItemId`. */
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The response body as the AWS JSON 1.1 protocol sends it. */
  toBody(): Record<string, unknown> {
    return { __type: this.errorType, message: this.message, ...this.members };
  }
}

/**
 * 400 ValidationException: a request member breaks a constraint of the SSM API model (length,
 * pattern, range or enum). AWS checks these before the operation runs and names the member in
 * the message, as reproduced here.
 */
export function validationError(member: string, value: unknown, constraint: string): SsmApiError {
  return new SsmApiError(
    400,
    'ValidationException',
    `1 validation error detected: Value ${JSON.stringify(value)} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** 400 OpsItemInvalidParameterException: the operation rejected a parameter, named in `ParameterNames`. */
export function invalidParameter(parameterNames: string[], message: string): SsmApiError {
  return new SsmApiError(400, 'OpsItemInvalidParameterException', message, { ParameterNames: parameterNames });
}

/** 400 OpsItemNotFoundException, with the wording of the SSM API reference. */
export function opsItemNotFound(opsItemId: string): SsmApiError {
  return new SsmApiError(400, 'OpsItemNotFoundException', `OpsItem ${opsItemId} doesn't exist. Verify the ID and try again.`);
}

/** 400 SerializationException: the body is not the JSON object the operation takes. */
export function serializationError(message: string): SsmApiError {
  return new SsmApiError(400, 'SerializationException', message);
}
