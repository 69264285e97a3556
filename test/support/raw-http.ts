/** Requests to a simulator on loopback without a client, for tests that check the raw response. */

/** A raw response: status, headers, the body as text, and the body parsed as JSON when it is JSON. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Options of {@link sendRawRequest}. */
export interface RawRequestOptions {
  query?: Record<string, string>;
  /** A string is sent as it is, anything else as JSON. */
  body?: unknown;
  /** The Authorization header. Without it, none is sent. */
  authorization?: string;
  /** Content-Type of a body. Default `application/json`. */
  contentType?: string;
}

/** Send one request with `Accept: application/json` and return the raw response. */
export async function sendRawRequest(baseUrl: string, method: string, path: string, options: RawRequestOptions = {}): Promise<RawAnswer> {
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    url.searchParams.set(name, value);
  }

  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.authorization !== undefined) {
    headers.Authorization = options.authorization;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }

  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }

  return { status: response.status, headers: response.headers, text, json };
}
