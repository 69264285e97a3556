/**
 * The HTTP seam of the Assets client. The Jira client (`JiraClient` in ../client.ts) satisfies it:
 * it adds authentication, retries and error classes. Tests pass a small implementation of their own.
 */

import type { RestRequest } from '../../http/http-client.js';

/**
 * One call to the Assets REST API, the same shape as the Jira client's `JiraRequest` without an
 * issue. Its path is an absolute URL on Cloud (api.atlassian.com), and relative to the Jira base URL
 * on Data Center.
 */
export type AssetsRequest = RestRequest;

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
