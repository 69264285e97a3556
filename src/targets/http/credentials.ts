/**
 * Authorization headers: fixed credentials, OAuth 2.0 access tokens from the client credentials
 * grant, and the one resend with a new token after a 401.
 */

import type { AxiosResponse } from 'axios';

import { type AccessToken, AccessTokenCache } from './access-token-cache.js';

/** The Authorization header for one request, and the token it carries (to invalidate on a 401). */
export interface Credentials {
  authorization: string;
  /** Set for OAuth access tokens, which can be replaced; absent for fixed credentials. */
  token?: string;
}

/** Source of Authorization headers. */
export interface CredentialSource {
  credentials(): Promise<Credentials>;
  /** Forget `token` after the server rejected it, so the next call fetches a new one. */
  invalidate(token: string): void;
}

/** Sends one fixed Authorization header, such as basic auth or a personal access token, which cannot be refreshed. */
export class FixedCredentials implements CredentialSource {
  constructor(private readonly authorization: string) {}

  async credentials(): Promise<Credentials> {
    return { authorization: this.authorization };
  }

  invalidate(): void {
    // A fixed credential cannot be refreshed, so a 401 is final.
  }
}

/** Build the value of a Basic Authorization header. */
export function basicAuthorization(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

/**
 * Sends OAuth 2.0 access tokens as Bearer headers, each cached until shortly before it expires.
 * Concurrent callers share one token request. Subclasses fetch tokens from their system's endpoint.
 */
export abstract class AccessTokenCredentials implements CredentialSource {
  private readonly cache: AccessTokenCache;

  /**
   * @param defaultLifetimeMs lifetime assumed when the token endpoint sends no `expires_in`.
   * @param now clock, replaceable in tests.
   */
  constructor(defaultLifetimeMs: number, now: () => number = Date.now) {
    this.cache = new AccessTokenCache(() => this.fetchToken(), defaultLifetimeMs, now);
  }

  /** Number of token requests made, for tests and benchmarks. */
  get tokenRequests(): number {
    return this.cache.tokenRequests;
  }

  async credentials(): Promise<Credentials> {
    const token = await this.cache.current();
    return { authorization: `Bearer ${token}`, token };
  }

  invalidate(token: string): void {
    this.cache.invalidate(token);
  }

  /** Request a new access token from the token endpoint. */
  protected abstract fetchToken(): Promise<AccessToken>;
}

/**
 * Read `access_token` and `expires_in` from a token response body. Returns undefined when the body
 * has no non-empty access token.
 */
export function readAccessToken(body: unknown): AccessToken | undefined {
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token.length === 0) {
    return undefined;
  }

  const expiresInSeconds = Number(body.expires_in);
  return { token: body.access_token, expiresInSeconds: Number.isFinite(expiresInSeconds) ? expiresInSeconds : undefined };
}

/**
 * Return the reason in a token endpoint's error body, such as `{"error": "access_denied",
 * "error_description": "Unauthorized"}`: the description, else the error code, else an empty string.
 */
export function tokenErrorDescription(body: unknown): string {
  return isRecord(body) ? String(body.error_description ?? body.error ?? '') : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Send a request with the current credentials. When the server responds 401 to an OAuth access
 * token, drop the token, call `onRejectedToken` (for a log line) and send once more with a new one,
 * because a token can be revoked or expire early. Any other response, and the second 401, are
 * returned to the caller.
 *
 * @example
 * ```ts
 * const response = await sendWithFreshToken(auth, (authorization) =>
 *   http.request({ method: 'GET', url: '/rest/api/3/myself', headers: { Authorization: authorization } }),
 * );
 * ```
 */
export async function sendWithFreshToken(
  source: CredentialSource,
  send: (authorization: string) => Promise<AxiosResponse>,
  onRejectedToken: () => void = () => {},
): Promise<AxiosResponse> {
  const credentials = await source.credentials();
  const response = await send(credentials.authorization);

  if (response.status !== 401 || credentials.token === undefined) {
    return response;
  }

  onRejectedToken();
  source.invalidate(credentials.token);
  const fresh = await source.credentials();
  return send(fresh.authorization);
}
