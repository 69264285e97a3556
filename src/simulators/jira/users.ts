/**
 * The simulator's users, their credentials, and how they log in. Cloud takes basic auth with an
 * email address and an API token, or an OAuth 2.0 bearer token. Data Center takes a personal
 * access token as a bearer token, or basic auth with a password.
 */

import { createHash, randomBytes } from 'node:crypto';

import { isTimeZone } from '../../core/time-zone.js';
import { InvalidJiraSimulatorOptionError } from './errors.js';

export type JiraDeployment = 'cloud' | 'datacenter';

/** A user as the `users` option takes it. */
export interface JiraSimulatorUserOptions {
  /**
   * The login, which the test helpers also use to name the user: the email address on Cloud (the
   * user name of basic auth), the user name on Data Center.
   */
  login: string;
  displayName: string;
  /** Cloud account id. Default: derived from the login. */
  accountId?: string;
  /** Cloud API token for basic auth. A user without one (and without OAuth) cannot call the API. */
  apiToken?: string;
  /** Data Center personal access token, sent as `Authorization: Bearer <token>`. */
  personalAccessToken?: string;
  /**
   * Password. Data Center accepts it with basic auth. Cloud rejects it with the 401 for basic auth
   * with a password, which Atlassian no longer allows.
   */
  password?: string;
  /** IANA time zone of the user's profile. Default: the simulator's `timeZone` option. */
  timeZone?: string;
}

/** A user as the simulator keeps it, without credentials. */
export interface SimulatedJiraUser {
  login: string;
  displayName: string;
  /** Cloud account id (also set on Data Center, where the API does not show it). */
  accountId: string;
  /** Data Center user name (the login). */
  name: string;
  /** Data Center user key, such as `JIRAUSER10100`. */
  key: string;
  timeZone: string;
}

/** Credentials that log in as a user. */
interface UserCredentials {
  user: SimulatedJiraUser;
  apiToken?: string;
  personalAccessToken?: string;
  password?: string;
}

/** The login of the integration user in the default user list, per deployment. */
export const DEFAULT_INTEGRATION_LOGIN: Readonly<Record<JiraDeployment, string>> = {
  cloud: 'itsm-sync-bot@example.com',
  datacenter: 'itsm-sync-bot',
};

/** The API token and personal access token of the default integration user. They work only here. */
export const DEFAULT_INTEGRATION_SECRETS = { apiToken: 'local-only-api-token', personalAccessToken: 'local-only-pat' } as const;

/**
 * Return the users for when the `users` option is not given: the integration user "AWS ITSM Sync
 * (bot)", which can log in, and two people who work issues through the test helpers.
 */
export function defaultJiraUsers(deployment: JiraDeployment): JiraSimulatorUserOptions[] {
  const login = (name: string): string => (deployment === 'cloud' ? `${name}@example.com` : name);
  return [
    {
      login: DEFAULT_INTEGRATION_LOGIN[deployment],
      displayName: 'AWS ITSM Sync (bot)',
      accountId: '712020:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
      ...DEFAULT_INTEGRATION_SECRETS,
    },
    { login: login('avery.agent'), displayName: 'Avery Agent', accountId: '5b10ac8d82e05b22cc7d4ef5', timeZone: 'America/Los_Angeles' },
    { login: login('casey.example'), displayName: 'Casey Example', accountId: '5b10ac8d82e05b22cc7d4ef6', timeZone: 'America/New_York' },
  ];
}

/** The outcome of reading an `Authorization` header. */
export type AuthOutcome =
  | { user: SimulatedJiraUser }
  | { failure: 'missing' | 'invalid' | 'password-on-cloud' };

/** An OAuth 2.0 client of the client credentials grant, acting as one user (a service account). */
export interface OAuthClientOptions {
  clientId: string;
  clientSecret: string;
  /** The login of the user the tokens act as. Default: the first user. */
  login?: string;
}

/** The users of one simulator and the tokens issued to them. */
export class JiraUserDirectory {
  readonly users: SimulatedJiraUser[];
  private readonly credentials: UserCredentials[];
  private readonly oauthClients: Array<Required<OAuthClientOptions>>;
  private readonly tokens = new Map<string, { login: string; expiresAt: number }>();

  constructor(
    private readonly deployment: JiraDeployment,
    options: readonly JiraSimulatorUserOptions[],
    defaultTimeZone: string,
    oauthClients: readonly OAuthClientOptions[],
  ) {
    if (options.length === 0) {
      throw new InvalidJiraSimulatorOptionError('users', 'The Jira simulator needs at least one user in the users option.');
    }

    const seen = new Set<string>();
    this.credentials = options.map((option, index) => {
      if (typeof option.login !== 'string' || option.login.trim() === '') {
        throw new InvalidJiraSimulatorOptionError('users', 'Every Jira simulator user needs a non-empty login.');
      }
      if (seen.has(option.login.toLowerCase())) {
        throw new InvalidJiraSimulatorOptionError('users', `The Jira simulator user ${JSON.stringify(option.login)} is listed twice.`);
      }
      seen.add(option.login.toLowerCase());

      const timeZone = option.timeZone ?? defaultTimeZone;
      if (!isTimeZone(timeZone)) {
        throw new InvalidJiraSimulatorOptionError(
          'users',
          `Invalid timeZone ${JSON.stringify(timeZone)} for Jira simulator user ${JSON.stringify(option.login)}: use an IANA time zone id such as "Europe/Berlin".`,
        );
      }

      const user: SimulatedJiraUser = {
        login: option.login,
        displayName: option.displayName || option.login,
        accountId: option.accountId ?? derivedAccountId(option.login),
        name: option.login,
        key: `JIRAUSER${10100 + index}`,
        timeZone,
      };
      return { user, apiToken: option.apiToken, personalAccessToken: option.personalAccessToken, password: option.password };
    });
    this.users = this.credentials.map((credentials) => credentials.user);

    this.oauthClients = oauthClients.map((client) => {
      const login = client.login ?? this.users[0]?.login ?? '';
      if (this.find(login) === undefined) {
        throw new InvalidJiraSimulatorOptionError(
          'oauthClients',
          `OAuth client ${JSON.stringify(client.clientId)} acts as ${JSON.stringify(login)}, who is not in the users option.`,
        );
      }
      return { clientId: client.clientId, clientSecret: client.clientSecret, login };
    });
  }

  /** Find a user by login (case-insensitive, as Jira compares email addresses and user names). */
  find(login: string): SimulatedJiraUser | undefined {
    const wanted = login.toLowerCase();
    return this.users.find((user) => user.login.toLowerCase() === wanted);
  }

  /** Find a user by the reference a REST write carries: `accountId` on Cloud, `name` or `key` on Data Center. */
  findByReference(reference: Record<string, unknown>): SimulatedJiraUser | undefined {
    if (this.deployment === 'cloud') {
      return typeof reference.accountId === 'string' ? this.users.find((user) => user.accountId === reference.accountId) : undefined;
    }
    if (typeof reference.name === 'string') {
      return this.find(reference.name);
    }
    return typeof reference.key === 'string' ? this.users.find((user) => user.key === reference.key) : undefined;
  }

  /** Find a user by the value a JQL user clause names: account id on Cloud, user name or key on Data Center. */
  findByJqlValue(value: string): SimulatedJiraUser | undefined {
    if (this.deployment === 'cloud') {
      return this.users.find((user) => user.accountId === value);
    }
    return this.find(value) ?? this.users.find((user) => user.key === value);
  }

  /** Authenticate the `Authorization` header of a request. */
  authenticate(header: string | undefined, nowMs: number): AuthOutcome {
    if (header === undefined || header.trim() === '') {
      return { failure: 'missing' };
    }

    const [scheme = '', credentials = ''] = header.trim().split(/\s+/, 2);

    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      if (separator <= 0) {
        return { failure: 'invalid' };
      }
      return this.authenticateBasic(decoded.slice(0, separator), decoded.slice(separator + 1));
    }

    if (scheme.toLowerCase() === 'bearer' && credentials !== '') {
      return this.authenticateBearer(credentials, nowMs);
    }

    return { failure: 'invalid' };
  }

  /**
   * Issue an access token for the client credentials grant. Returns undefined when the client id
   * and secret do not match a configured client.
   */
  issueToken(clientId: string, clientSecret: string, ttlSeconds: number, nowMs: number): string | undefined {
    const client = this.oauthClients.find((candidate) => candidate.clientId === clientId && candidate.clientSecret === clientSecret);
    if (client === undefined) {
      return undefined;
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { login: client.login, expiresAt: nowMs + ttlSeconds * 1000 });
    return token;
  }

  /** Expire every access token issued so far. */
  expireTokens(): void {
    for (const token of this.tokens.values()) {
      token.expiresAt = 0;
    }
  }

  private authenticateBasic(login: string, secret: string): AuthOutcome {
    const credentials = this.credentials.find((candidate) => candidate.user.login.toLowerCase() === login.toLowerCase());
    if (credentials === undefined) {
      return { failure: 'invalid' };
    }

    if (this.deployment === 'cloud') {
      if (credentials.apiToken !== undefined && credentials.apiToken === secret) {
        return { user: credentials.user };
      }
      if (credentials.password !== undefined && credentials.password === secret) {
        return { failure: 'password-on-cloud' };
      }
      return { failure: 'invalid' };
    }

    return credentials.password !== undefined && credentials.password === secret ? { user: credentials.user } : { failure: 'invalid' };
  }

  private authenticateBearer(token: string, nowMs: number): AuthOutcome {
    if (this.deployment === 'datacenter') {
      const credentials = this.credentials.find((candidate) => candidate.personalAccessToken !== undefined && candidate.personalAccessToken === token);
      return credentials === undefined ? { failure: 'invalid' } : { user: credentials.user };
    }

    const issued = this.tokens.get(token);
    if (issued === undefined || issued.expiresAt <= nowMs) {
      return { failure: 'invalid' };
    }
    const user = this.find(issued.login);
    return user === undefined ? { failure: 'invalid' } : { user };
  }
}

/** Derive a stable Cloud account id from a login, in the `557058:<uuid>` form of real account ids. */
function derivedAccountId(login: string): string {
  const hex = createHash('sha256').update(`jira-user:${login.toLowerCase()}`).digest('hex');
  return `557058:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Render a user as the platform REST API shows it in issue fields and comments. */
export function platformUserJson(user: SimulatedJiraUser, deployment: JiraDeployment, apiBase: string): Record<string, unknown> {
  const avatarBase = `https://avatar-management.example.com/${deployment === 'cloud' ? user.accountId : user.key}`;
  const avatarUrls = {
    '48x48': `${avatarBase}/48x48`,
    '24x24': `${avatarBase}/24x24`,
    '16x16': `${avatarBase}/16x16`,
    '32x32': `${avatarBase}/32x32`,
  };

  if (deployment === 'cloud') {
    return {
      self: `${apiBase}/user?accountId=${encodeURIComponent(user.accountId)}`,
      accountId: user.accountId,
      avatarUrls,
      displayName: user.displayName,
      active: true,
      timeZone: user.timeZone,
      accountType: 'atlassian',
    };
  }

  return {
    self: `${apiBase}/user?username=${encodeURIComponent(user.name)}`,
    name: user.name,
    key: user.key,
    avatarUrls,
    displayName: user.displayName,
    active: true,
    timeZone: user.timeZone,
  };
}

/** Render a user as the JSM REST API (`/rest/servicedeskapi`) shows it. */
export function jsmUserJson(user: SimulatedJiraUser, deployment: JiraDeployment, baseUrl: string): Record<string, unknown> {
  const jiraRest =
    deployment === 'cloud'
      ? `${baseUrl}/rest/api/2/user?accountId=${encodeURIComponent(user.accountId)}`
      : `${baseUrl}/rest/api/2/user?username=${encodeURIComponent(user.name)}`;
  const identity = deployment === 'cloud' ? { accountId: user.accountId } : { key: user.key, name: user.name };

  return {
    ...identity,
    displayName: user.displayName,
    active: true,
    timeZone: user.timeZone,
    _links: { jiraRest, avatarUrls: {}, self: jiraRest },
  };
}
