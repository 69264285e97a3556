/**
 * Errors that a REST client or its query builder raises before anything is sent. Each target has
 * its own subclasses, such as JiraConfigError, so callers can tell the systems apart or catch both
 * with these bases.
 */

/** A client setting that is missing or invalid, such as a base URL with credentials in it. */
export class ClientConfigError extends Error {
  override name = 'ClientConfigError';

  constructor(
    /** The option at fault: `baseUrl`, `auth.apiToken`, `maxRetries`, ... */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** A value that a client rejects before sending anything, such as an invalid record id or field name. */
export class ClientInputError extends Error {
  override name = 'ClientInputError';

  constructor(
    /** The checked input: `table`, `issue`, `field`, `pageSize`, ... */
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

/** A query condition that a query builder cannot write safely, such as a value with a line break. */
export class QueryConditionError extends Error {
  override name = 'QueryConditionError';

  constructor(
    /** The field of the condition, or the part of the query at fault. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
