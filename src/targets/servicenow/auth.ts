import type { AxiosInstance } from 'axios';

import type { AccessToken } from '../http/access-token-cache.js';
import {
  AccessTokenCredentials,
  basicAuthorization,
  type CredentialSource,
  FixedCredentials,
  readAccessToken,
  tokenErrorDescription,
} from '../http/credentials.js';
import { parseJsonBody } from '../http/response-body.js';
import {
  ServiceNowAuthError,
  ServiceNowConfigError,
  ServiceNowNetworkError,
  ServiceNowUnavailableError,
} from './errors.js';
import { classifyErrorResponse, describeNetworkError } from './responses.js';

export type { Credentials } from '../http/credentials.js';

/** Basic authentication with a ServiceNow user (a web-service-access-only integration user). */
export interface BasicAuthConfig {
  type: 'basic';
  username: string;
  password: string;
}

/** OAuth 2.0 client credentials grant against the instance's `/oauth_token.do`. */
export interface OAuthConfig {
  type: 'oauth';
  clientId: string;
  clientSecret: string;
}

export type ServiceNowAuthConfig = BasicAuthConfig | OAuthConfig;

/** Source of Authorization headers for the Table API. */
export interface AuthProvider extends CredentialSource {
  readonly type: 'basic' | 'oauth';
  /** Hint on what to check when the instance responds with 401. */
  readonly advice: string;
}

/** Sends a fixed Basic Authorization header. */
export class BasicAuthProvider extends FixedCredentials implements AuthProvider {
  readonly type = 'basic';
  readonly advice =
    'Check SERVICENOW_USERNAME and SERVICENOW_PASSWORD, and that the integration user is active and not locked out.';

  constructor(config: BasicAuthConfig) {
    super(basicAuthorization(config.username, config.password));
  }
}

/**
 * Fetches tokens with the client credentials grant and caches each until shortly before it
 * expires. Concurrent callers share one token request.
 */
export class OAuthTokenProvider extends AccessTokenCredentials implements AuthProvider {
  readonly type = 'oauth';
  readonly advice =
    'Check the OAuth client ID and secret (SERVICENOW_CLIENT_ID, SERVICENOW_CLIENT_SECRET), that the ' +
    'OAuth application registry entry is active, and that the client credentials grant is enabled ' +
    '(system property glide.oauth.inbound.client.credential.grant_type.enabled).';

  constructor(
    private readonly config: OAuthConfig,
    private readonly http: AxiosInstance,
    now: () => number = Date.now,
  ) {
    // An instance that sends no expires_in uses the default token lifetime of 30 minutes.
    super(30 * 60_000, now);
  }

  protected async fetchToken(): Promise<AccessToken> {
    const operation = 'fetch OAuth token';
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.config.clientId,
      client_secret: this.config.clientSecret,
    });

    let response;
    try {
      response = await this.http.post('/oauth_token.do', form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      });
    } catch (error) {
      throw new ServiceNowNetworkError({ kind: 'network', operation, retryable: true, ...describeNetworkError(error) });
    }

    if (response.status === 400 || response.status === 401) {
      // The token endpoint returns {"error":"server_error","error_description":"access_denied"} or
      // similar; never echo the request, which contains the client secret.
      const description = tokenErrorDescription(parseJsonBody(response));
      throw new ServiceNowAuthError({
        kind: 'authentication',
        operation,
        status: response.status,
        serviceNowMessage: description || undefined,
        retryable: false,
        advice: this.advice,
      });
    }

    if (response.status < 200 || response.status >= 300) {
      throw classifyErrorResponse(response, { operation, advice: this.advice });
    }

    const token = readAccessToken(parseJsonBody(response));

    if (token === undefined) {
      throw new ServiceNowUnavailableError({
        kind: 'unavailable',
        operation,
        status: response.status,
        retryable: true,
        advice:
          'The token endpoint did not return an access_token. Check SERVICENOW_INSTANCE_URL and that ' +
          'the instance is awake (a hibernating instance answers with an HTML page).',
      });
    }

    return token;
  }
}

/** Build the AuthProvider for the configured kind of authentication, checking its settings. */
export function createAuthProvider(auth: ServiceNowAuthConfig, http: AxiosInstance): AuthProvider {
  // The auth object comes from configuration, so its type is checked at run time too.
  const type: unknown = (auth as { type?: unknown } | undefined)?.type;

  if (type === 'basic') {
    const basic = auth as Extract<ServiceNowAuthConfig, { type: 'basic' }>;
    requireText('auth.username', basic.username, 'SERVICENOW_USERNAME');
    requireText('auth.password', basic.password, 'SERVICENOW_PASSWORD');
    return new BasicAuthProvider(basic);
  }

  if (type === 'oauth') {
    const oauth = auth as Extract<ServiceNowAuthConfig, { type: 'oauth' }>;
    requireText('auth.clientId', oauth.clientId, 'SERVICENOW_CLIENT_ID');
    requireText('auth.clientSecret', oauth.clientSecret, 'SERVICENOW_CLIENT_SECRET');
    return new OAuthTokenProvider(oauth, http);
  }

  throw new ServiceNowConfigError(
    'auth.type',
    `Invalid ServiceNow auth type ${JSON.stringify(type)}: use "basic" (username and password) or "oauth" (client credentials).`,
  );
}

function requireText(option: string, value: unknown, variable: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    // Never show the value: it may be a secret.
    throw new ServiceNowConfigError(option, `Missing ServiceNow ${option}: set ${variable}.`);
  }
}
