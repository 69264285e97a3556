/**
 * Reading HTTP response bodies of REST APIs that respond with JSON, and describing the ones that do not:
 * a proxy's error page, an SSO login page, a hibernating or maintenance page.
 */

import type { AxiosResponse } from 'axios';

import { redactCredentials } from './network-error.js';

/** The parts of an axios response that these helpers read. */
export type ResponseLike = Pick<AxiosResponse, 'status' | 'headers' | 'data'>;

/** Longest piece of a plain-text body quoted in an error message, in characters. */
const MAX_QUOTED_TEXT = 200;

/** Return one response header as a string (the first value of a repeated header), or undefined. */
export function headerValue(response: Pick<AxiosResponse, 'headers'>, name: string): string | undefined {
  const value: unknown = (response.headers as Record<string, unknown> | undefined)?.[name.toLowerCase()];

  if (Array.isArray(value)) {
    return value.length > 0 ? String(value[0]) : undefined;
  }

  return value === undefined || value === null ? undefined : String(value);
}

/**
 * Parse a response body as JSON. Returns undefined for a body that is not JSON, such as an HTML
 * page, a plain-text message or an empty body.
 *
 * The client must ask axios for the raw text (`responseType: 'text'`), so that a page that is not
 * JSON reaches this check instead of failing inside axios.
 */
export function parseJsonBody(response: ResponseLike): unknown {
  const contentType = headerValue(response, 'content-type') ?? '';
  const body: unknown = response.data;

  if (typeof body !== 'string') {
    return body ?? undefined;
  }

  const text = body.trim();
  const looksLikeJson = text.startsWith('{') || text.startsWith('[');

  if (!looksLikeJson || (contentType !== '' && !/json/i.test(contentType))) {
    return undefined;
  }

  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Check whether a response carries no content: no body, only whitespace, or the JSON literal
 * `null` (which Jira sends with some 429 responses).
 */
export function isEmptyBody(response: ResponseLike): boolean {
  const body: unknown = response.data;
  return body === undefined || body === null || (typeof body === 'string' && /^\s*(null)?\s*$/.test(body));
}

/**
 * Describe a body that is not JSON in a few words for an error message: the HTML title when there
 * is one, the start of a short plain-text message, or just the content type.
 */
export function describeNonJsonBody(response: ResponseLike): string {
  const contentType = headerValue(response, 'content-type') ?? 'no Content-Type';
  const text = typeof response.data === 'string' ? response.data : '';
  const title = /<title>([^<]{1,200})<\/title>/i.exec(text)?.[1]?.trim();

  if (title) {
    return `${contentType} page "${title}"`;
  }

  if (text.trim() === '') {
    return `empty body (${contentType})`;
  }

  // A short plain-text body is usually the server's own message, such as Jira's "Basic
  // authentication with passwords is deprecated", so it is worth quoting.
  if (/^text\/plain/i.test(contentType)) {
    const firstLine = text.trim().split(/\r?\n/, 1)[0] ?? '';
    const quoted = redactCredentials(firstLine).slice(0, MAX_QUOTED_TEXT);
    return `${contentType} body "${quoted}${firstLine.length > MAX_QUOTED_TEXT ? '…' : ''}"`;
  }

  return `non-JSON body (${contentType})`;
}
