/** The axios instance that the REST clients send their requests through. */

import axios, { type AxiosInstance } from 'axios';

/** One call of a REST API, as a client's `send` method takes it. */
export interface RestRequest {
  /** Name of the call for logs and errors: `create issue`, `search objects`. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * A path that starts with `/` and is relative to the client's base URL, or an absolute http(s)
   * URL for an API on another host, such as Assets on Jira Cloud (api.atlassian.com).
   */
  path: string;
  /** Query string parameters. */
  params?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

/**
 * Create an axios instance for a JSON REST API that leaves every decision to the client. It never
 * throws on a 4xx or 5xx status and never parses the body, because an HTML page must reach the
 * client's checks as text. It never follows a redirect, because a redirected API call means a wrong
 * URL or an SSO page in front of the API.
 *
 * @example
 * ```ts
 * const http = createRestHttpClient({ baseURL: 'https://acme.atlassian.net', timeoutMs: 30_000 });
 * const response = await http.get('/rest/api/3/serverInfo'); // response.data is the raw text
 * ```
 */
export function createRestHttpClient(options: { baseURL?: string; timeoutMs: number }): AxiosInstance {
  return axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 0,
    headers: { Accept: 'application/json' },
  });
}
