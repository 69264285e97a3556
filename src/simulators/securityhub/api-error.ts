/**
 * Errors of the Security Hub simulator, in the form the AWS SDK v3 REST-JSON protocol reads.
 */

/**
 * An error response: HTTP status, the error type sent in `x-amzn-ErrorType` (the SDK picks the
 * exception class from it) and the message sent in the body as `{"Code", "Message"}`, the members
 * of Security Hub's error shapes.
 */
export class SimulatedApiError extends Error {
  override readonly name = 'SimulatedApiError';

  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** 400 InvalidInputException, the validation error of the ASFF operations. */
export function invalidInput(message: string): SimulatedApiError {
  return new SimulatedApiError(400, 'InvalidInputException', message);
}

/** 400 ValidationException, the validation error of the V2 (OCSF) operations. */
export function validationError(message: string): SimulatedApiError {
  return new SimulatedApiError(400, 'ValidationException', message);
}
