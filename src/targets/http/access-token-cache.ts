/** A cache of OAuth 2.0 access tokens from the client credentials grant. */

/** One access token as the token endpoint returned it. */
export interface AccessToken {
  token: string;
  /** `expires_in` of the token response, in seconds, when the endpoint sent a usable one. */
  expiresInSeconds?: number;
}

/**
 * Caches one access token until shortly before it expires. Concurrent callers share one token
 * request, and a token that the server rejected can be dropped so the next caller fetches a new one.
 *
 * @example
 * ```ts
 * const cache = new AccessTokenCache(() => fetchTokenFromEndpoint(), 60 * 60_000);
 * const token = await cache.current();
 * // ... the API responded 401 to this token:
 * cache.invalidate(token);
 * ```
 */
export class AccessTokenCache {
  /** Number of token requests made, for tests and benchmarks. */
  tokenRequests = 0;

  private cached?: { token: string; refreshAt: number };
  private pending?: Promise<string>;

  /**
   * @param fetchToken requests a new token from the token endpoint.
   * @param defaultLifetimeMs lifetime assumed when the endpoint sends no `expires_in`.
   * @param now clock, replaceable in tests.
   */
  constructor(
    private readonly fetchToken: () => Promise<AccessToken>,
    private readonly defaultLifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Return the cached token, or fetch one when there is none or it is about to expire. */
  async current(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) {
      return this.cached.token;
    }

    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });

    return this.pending;
  }

  /** Forget `token` after the server rejected it. */
  invalidate(token: string): void {
    // Only forget the token that failed: another call may already have fetched a fresh one.
    if (this.cached?.token === token) {
      this.cached = undefined;
    }
  }

  private async refresh(): Promise<string> {
    this.tokenRequests += 1;
    const { token, expiresInSeconds } = await this.fetchToken();

    const lifetimeMs =
      expiresInSeconds !== undefined && Number.isFinite(expiresInSeconds) && expiresInSeconds > 0
        ? expiresInSeconds * 1000
        : this.defaultLifetimeMs;

    // Refresh before expiry so a token never expires between being read and being checked: one
    // minute early, or a tenth of the lifetime for short-lived tokens.
    const marginMs = Math.min(60_000, lifetimeMs / 10);
    this.cached = { token, refreshAt: this.now() + lifetimeMs - marginMs };

    return token;
  }
}
