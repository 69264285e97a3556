/**
 * The HTTP seam of the Assets client. The Jira client (`JiraClient` in ../client.ts) satisfies it:
 * it adds authentication, retries and error classes. Tests pass a small implementation of their own.
 */

/** One call to the Assets REST API, in the shape of the Jira client's `JiraRequest`. */
export interface AssetsRequest {
  /** Name of the call, for error messages and logs: `create object`, `search objects`. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * An absolute http(s) URL (Assets on Cloud lives on api.atlassian.com), or a path that starts with
   * `/` and is relative to the Jira base URL (Assets on Data Center).
   */
  path: string;
  /** Query string parameters. */
  params?: Record<string, string>;
  /** JSON request body. */
  body?: unknown;
}

/**
 * Sends Assets requests. `send` resolves with the parsed JSON response (undefined for 204) and rejects
 * for any response that is not 2xx, with an error whose `status` property is the HTTP status. The Jira
 * client's errors (`JiraNotFoundError` and the others) have that property.
 */
export interface AssetsHttp {
  send<T>(request: AssetsRequest): Promise<T>;
}

/** Return true when an error from `AssetsHttp.send` reports HTTP 404. */
export function isNotFoundError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}
