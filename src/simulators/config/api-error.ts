/**
 * Errors of the AWS Config simulator, in the form of the AWS JSON 1.1 protocol: an HTTP status and
 * a body `{"__type": "<ErrorType>", "message": "…"}`. The AWS SDK v3 picks the exception class
 * (such as `ResourceNotDiscoveredException`) from `__type`. AWS Config returns every client error,
 * throttling included, with status 400.
 */

/** One error response of the simulator. */
export class ConfigApiError extends Error {
  override readonly name = 'ConfigApiError';

  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }

  /** Returns the response body as the AWS JSON 1.1 protocol sends it. */
  toBody(): Record<string, unknown> {
    return { __type: this.errorType, message: this.message };
  }
}

/**
 * 400 ValidationException: a request member breaks a constraint of the AWS Config API model
 * (required, length, range or enum). The message names the member, as AWS messages do.
 */
export function validationError(member: string, value: unknown, constraint: string): ConfigApiError {
  return new ConfigApiError(
    400,
    'ValidationException',
    `1 validation error detected: Value ${JSON.stringify(value) ?? 'null'} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** 400 ValidationException with a message of its own, for checks that are not a model constraint. */
export function invalidRequest(message: string): ConfigApiError {
  return new ConfigApiError(400, 'ValidationException', message);
}

/** 400 InvalidLimitException: `limit` is above the maximum of the operation. */
export function invalidLimit(member: string, value: unknown, maximum: number): ConfigApiError {
  return new ConfigApiError(400, 'InvalidLimitException', `${member} ${JSON.stringify(value)} is invalid: use a whole number from 0 to ${maximum}, where 0 means the default page size.`);
}

/** 400 InvalidNextTokenException: the token was not returned by an earlier call of the same query. */
export function invalidNextToken(member: string, token: unknown): ConfigApiError {
  return new ConfigApiError(
    400,
    'InvalidNextTokenException',
    `The ${member} ${JSON.stringify(token)} is invalid. Pass the token from the previous response of the same request unchanged, or leave it out to start at the first page.`,
  );
}

/** 400 ResourceNotDiscoveredException: AWS Config has no configuration item for this resource. */
export function resourceNotDiscovered(resourceType: string, resourceId: string): ConfigApiError {
  return new ConfigApiError(400, 'ResourceNotDiscoveredException', `Resource ${resourceId} of resourceType:${resourceType} is unknown or has not been discovered`);
}

/** 400 InvalidTimeRangeException: `earlierTime` is after `laterTime`. */
export function invalidTimeRange(earlierTime: Date, laterTime: Date): ConfigApiError {
  return new ConfigApiError(
    400,
    'InvalidTimeRangeException',
    `earlierTime ${earlierTime.toISOString()} is after laterTime ${laterTime.toISOString()}. Swap them or widen the range.`,
  );
}

/** 400 InvalidExpressionException: the advanced query is not valid, or uses SQL the simulator does not support. */
export function invalidExpression(message: string): ConfigApiError {
  return new ConfigApiError(400, 'InvalidExpressionException', message);
}

/** 400 NoSuchConfigurationAggregatorException: no aggregator has this name. */
export function noSuchAggregator(name: string, known: readonly string[]): ConfigApiError {
  return new ConfigApiError(
    400,
    'NoSuchConfigurationAggregatorException',
    `The configuration aggregator ${JSON.stringify(name)} does not exist. Use one of: ${known.join(', ')}.`,
  );
}

/** 400 SerializationException: the body is not the JSON object the operation takes. */
export function serializationError(message: string): ConfigApiError {
  return new ConfigApiError(400, 'SerializationException', message);
}
