/** Authorization headers for Jira: Cloud API tokens, Data Center personal access tokens, Cloud OAuth 2.0. */

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
import { describeNonJsonBody, parseJsonBody } from '../http/response-body.js';
import { JiraAuthError, JiraConfigError } from './errors.js';
import { classifyErrorResponse, networkError, type ResponseContext } from './responses.js';

/** The kind of Jira site: Atlassian Cloud (REST v3) or a self-hosted Data Center (REST v2). */
export type JiraDeployment = 'cloud' | 'datacenter';

/** The authentication settings of a JiraClient. */
export type JiraAuthConfig =
  /** Cloud: the e-mail of the integration user and an API token of that account. */
  | { type: 'basic'; email: string; apiToken: string }
  /** Data Center: a personal access token, sent as `Authorization: Bearer <token>`. */
  | { type: 'pat'; token: string }
  /**
   * Cloud: the OAuth 2.0 client credentials of an Atlassian service account. The default token URL
   * is `https://auth.atlassian.com/oauth/token`; the base URL must then be
   * `https://api.atlassian.com/ex/jira/<cloud id>`.
   */
  | { type: 'oauth'; clientId: string; clientSecret: string; tokenUrl?: string };

/** Token endpoint of Atlassian Cloud for the client credentials grant of service accounts. */
export const ATLASSIAN_TOKEN_URL = 'https://auth.atlassian.com/oauth/token';

/**
 * Lifetime assumed for an access token when the token endpoint sends no `expires_in`: Atlassian
 * documents 60 minutes for service account tokens.
 */
const DEFAULT_TOKEN_LIFETIME_MS = 60 * 60_000;

/** Source of Authorization headers for Jira, with the advice for a 401. */
export interface JiraAuthProvider extends CredentialSource {
  readonly type: JiraAuthConfig['type'];
  /** Advice for a 401 response, naming the settings of this kind of authentication. */
  readonly advice: string;
}

/** Sends a fixed Authorization header: Basic for a Cloud API token, Bearer for a Data Center PAT. */
export class FixedCredentialProvider extends FixedCredentials implements JiraAuthProvider {
  constructor(
    readonly type: 'basic' | 'pat',
    header: string,
    readonly advice: string,
  ) {
    super(header);
  }
}

/**
 * Fetches access tokens with the OAuth 2.0 client credentials grant (JSON body, as Atlassian's
 * token endpoint takes it) and caches each until shortly before it expires.
 */
export class OAuthClientCredentialsProvider extends AccessTokenCredentials implements JiraAuthProvider {
  readonly type = 'oauth';
  readonly advice =
    "Check JIRA_CLIENT_ID and JIRA_CLIENT_SECRET (the service account's OAuth 2.0 credential) and its scopes. With " +
    'OAuth, JIRA_BASE_URL must be https://api.atlassian.com/ex/jira/<cloud id>, not the site URL.';

  private readonly tokenUrl: string;

  constructor(
    private readonly config: Extract<JiraAuthConfig, { type: 'oauth' }>,
    private readonly http: AxiosInstance,
    now: () => number = Date.now,
  ) {
    super(DEFAULT_TOKEN_LIFETIME_MS, now);
    this.tokenUrl = config.tokenUrl ?? ATLASSIAN_TOKEN_URL;
  }

  protected async fetchToken(): Promise<AccessToken> {
    const context: ResponseContext = {
      operation: 'fetch OAuth token',
      authAdvice: this.advice,
      urlSetting: 'JIRA_OAUTH_TOKEN_URL',
    };

    let response;
    try {
      response = await this.http.post(
        this.tokenUrl,
        JSON.stringify({ grant_type: 'client_credentials', client_id: this.config.clientId, client_secret: this.config.clientSecret }),
        { headers: { 'Content-Type': 'application/json', Accept: 'application/json' } },
      );
    } catch (error) {
      throw networkError(error, context);
    }

    if (response.status === 400 || response.status === 401 || response.status === 403) {
      // The endpoint responds with {"error": "access_denied", "error_description": "Unauthorized"} or
      // similar. The request is never echoed, because it contains the client secret.
      const body = parseJsonBody(response);
      const description = tokenErrorDescription(body);
      throw new JiraAuthError({
        kind: 'authentication',
        operation: context.operation,
        status: response.status,
        jiraMessages: description ? [description] : [],
        detail: body === undefined ? describeNonJsonBody(response) : undefined,
        retryable: false,
        advice: this.advice,
      });
    }

    if (response.status < 200 || response.status >= 300) {
      throw classifyErrorResponse(response, context);
    }

    const body = parseJsonBody(response);
    const token = readAccessToken(body);

    if (token === undefined) {
      throw new JiraAuthError({
        kind: 'authentication',
        operation: context.operation,
        status: response.status,
        detail: body === undefined ? describeNonJsonBody(response) : 'the answer has no access_token',
        // A proxy page may be gone on the next attempt.
        retryable: body === undefined,
        advice: `The token endpoint did not return an access token. Check JIRA_OAUTH_TOKEN_URL (default ${ATLASSIAN_TOKEN_URL}).`,
      });
    }

    return token;
  }
}

/**
 * Build the JiraAuthProvider for the configured kind of authentication, checking its settings
 * against the deployment: API tokens with basic auth and OAuth are Cloud features, personal access
 * tokens a Data Center feature.
 */
export function createJiraAuthProvider(auth: JiraAuthConfig, deployment: JiraDeployment, http: AxiosInstance): JiraAuthProvider {
  // The auth object comes from configuration, so its type is checked at run time too.
  const type: unknown = (auth as { type?: unknown } | undefined)?.type;

  if (type === 'basic') {
    const basic = auth as Extract<JiraAuthConfig, { type: 'basic' }>;
    requireText('auth.email', basic.email, 'JIRA_EMAIL');
    requireText('auth.apiToken', basic.apiToken, 'JIRA_API_TOKEN');
    return new FixedCredentialProvider(
      'basic',
      basicAuthorization(basic.email, basic.apiToken),
      'Check JIRA_EMAIL and JIRA_API_TOKEN: the token must be an API token of that Atlassian account (Jira Cloud ' +
        'rejects passwords), and the account must be active and have access to the site.',
    );
  }

  if (type === 'pat') {
    const pat = auth as Extract<JiraAuthConfig, { type: 'pat' }>;
    if (deployment === 'cloud') {
      throw new JiraConfigError(
        'auth.type',
        'Personal access tokens are a Jira Data Center feature. For Jira Cloud set JIRA_EMAIL and JIRA_API_TOKEN ' +
          '(basic auth with an API token), or JIRA_CLIENT_ID and JIRA_CLIENT_SECRET (OAuth 2.0).',
      );
    }
    requireText('auth.token', pat.token, 'JIRA_API_TOKEN');
    return new FixedCredentialProvider(
      'pat',
      `Bearer ${pat.token}`,
      'Check JIRA_API_TOKEN: on Data Center it must be a personal access token of the integration user that has ' +
        'not expired or been revoked (Profile → Personal Access Tokens).',
    );
  }

  if (type === 'oauth') {
    const oauth = auth as Extract<JiraAuthConfig, { type: 'oauth' }>;
    if (deployment === 'datacenter') {
      throw new JiraConfigError(
        'auth.type',
        'OAuth 2.0 client credentials are supported for Jira Cloud only. For Data Center set JIRA_API_TOKEN to a ' +
          'personal access token.',
      );
    }
    requireText('auth.clientId', oauth.clientId, 'JIRA_CLIENT_ID');
    requireText('auth.clientSecret', oauth.clientSecret, 'JIRA_CLIENT_SECRET');
    if (oauth.tokenUrl !== undefined) {
      checkTokenUrl(oauth.tokenUrl);
    }
    return new OAuthClientCredentialsProvider(oauth, http);
  }

  throw new JiraConfigError(
    'auth.type',
    `Invalid Jira auth type ${JSON.stringify(type)}: use "basic" (e-mail and API token, Cloud), "pat" ` +
      '(personal access token, Data Center) or "oauth" (client credentials of a service account, Cloud).',
  );
}

function checkTokenUrl(tokenUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(tokenUrl);
  } catch {
    url = undefined;
  }

  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    // The value is not echoed when it may hold a credential.
    const shown = url !== undefined && (url.username !== '' || url.password !== '') ? '' : ` ${JSON.stringify(tokenUrl)}`;
    throw new JiraConfigError(
      'auth.tokenUrl',
      `Invalid OAuth token URL${shown}: use an http(s) URL without credentials, such as ${ATLASSIAN_TOKEN_URL} (JIRA_OAUTH_TOKEN_URL).`,
    );
  }
}

function requireText(option: string, value: unknown, variable: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    // Never show the value: it may be a secret.
    throw new JiraConfigError(option, `Missing Jira ${option}: set ${variable}.`);
  }
}
