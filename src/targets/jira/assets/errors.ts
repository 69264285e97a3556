/**
 * Errors raised by the Assets client and target before or after an HTTP call. Failed HTTP calls
 * themselves are reported by the Jira client's errors (JiraError and its subclasses), which carry the
 * HTTP status.
 *
 * None of these errors carries a request, a header or a credential.
 */

/** Base class of the Assets errors, for callers that catch them all. */
export class AssetsError extends Error {
  override name = 'AssetsError';
}

/**
 * The Assets configuration does not match the sync rule: a schema, object type, attribute or status
 * that the rule names does not exist. The message lists what does exist.
 */
export class AssetsConfigurationError extends AssetsError {
  override name = 'AssetsConfigurationError';

  constructor(
    message: string,
    /** Kind of the missing item: `schema`, `object-type`, `attribute` or `status`. */
    readonly missing: 'schema' | 'object-type' | 'attribute' | 'status',
    /** The name that was looked up. */
    readonly lookedUp: string,
  ) {
    super(message);
  }
}

/** A value given to the Assets target that it cannot use: a table name, correlation value, field value or relationship id. */
export class AssetsInputError extends AssetsError {
  override name = 'AssetsInputError';

  constructor(
    /** The input that is invalid: `table`, `correlation`, `field`, `relationship` or `ticket`. */
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

/** A value that cannot be written into an AQL query. */
export class AqlError extends AssetsError {
  override name = 'AqlError';
}

/**
 * A response from Assets that does not have the documented shape, or a search that did not end
 * within the page limit. The operation is aborted, because taking a broken response as "no objects"
 * could make the connector create duplicates or drop links.
 */
export class AssetsResponseError extends AssetsError {
  override name = 'AssetsResponseError';

  constructor(
    /** The operation whose response was unusable, such as `search objects`. */
    readonly operation: string,
    message: string,
  ) {
    super(message);
  }
}
