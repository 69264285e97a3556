/** Authorization headers, and the one resend with a new token after a 401. */

import type { AxiosResponse } from 'axios';

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
