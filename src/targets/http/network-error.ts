/**
 * Describing failures that came without an HTTP response. The axios error is not kept, because its
 * `config` contains the Authorization header and, for token requests, the client secret.
 */

/** A network failure reduced to what is safe to log. */
export interface NetworkFailure {
  /** A new error with the error code and a redacted message, to keep as an error's `cause`. */
  cause: Error;
  /** One line for an error message: `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:443`. */
  detail: string;
  /** Whether the request timed out, as opposed to failing to connect or being reset. */
  timedOut: boolean;
}

/** Maximum length of the network error message kept, in characters. */
const MAX_MESSAGE_LENGTH = 500;

/**
 * Describe an error that came without an HTTP response (refused, reset, timed out), keeping only
 * the error code and the redacted message.
 */
export function describeNetworkError(error: unknown): NetworkFailure {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const rawMessage = redactCredentials(error instanceof Error ? error.message : String(error)).slice(0, MAX_MESSAGE_LENGTH);
  const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(rawMessage);

  const cause = new Error(code ? `${code}: ${rawMessage}` : rawMessage);
  cause.name = timedOut ? 'TimeoutError' : 'NetworkError';

  return { cause, detail: timedOut ? `timed out (${rawMessage})` : cause.message, timedOut };
}

/**
 * Replace credentials that a message may quote, such as the Authorization header in an HTTP
 * mocking library's "no match" message or a proxy page that echoes the request.
 *
 * A word of lower-case letters after "Basic" or "Bearer" is kept, so that Jira's "Basic
 * authentication with passwords is deprecated" stays readable: base64 credentials and tokens mix
 * cases or contain digits.
 */
export function redactCredentials(text: string): string {
  return text.replace(/\b(basic|bearer)(\s+)([\w.~+/=-]+)/gi, (match, scheme: string, space: string, credential: string) =>
    /^[a-z]+$/.test(credential) ? match : `${scheme}${space}[redacted]`,
  );
}
