import type { LevelWithSilent } from 'pino';

import { isTimeZone } from '../core/time-zone.js';
import { InvalidStateStoreError, parseStateStoreLocation } from '../state/store-location.js';

/** ServiceNow connection settings. */
export interface ServiceNowSettings {
  instanceUrl: string;
  auth:
    | { type: 'basic'; username: string; password: string }
    | { type: 'oauth'; clientId: string; clientSecret: string };
  timeoutMs: number;
  /** The change poller (ServiceNow → AWS). An interval of 0 turns it off. */
  poll: { intervalMs: number; overlapMs: number };
  /** The time zone the instance reads query dates in, when the user's record cannot be read. */
  timeZone?: string;
  /** Shared secret of the webhook that ServiceNow business rules call; absent turns it off. */
  webhookSecret?: string;
}

/** Jira connection settings. */
export interface JiraSettings {
  /** Base URL of the REST API: the site (`https://acme.atlassian.net`) or, with OAuth, `https://api.atlassian.com/ex/jira/<cloud id>`. */
  baseUrl: string;
  /** Base URL of the web pages that ticket links point at; the site URL. */
  siteUrl: string;
  deployment: 'cloud' | 'datacenter';
  auth:
    | { type: 'basic'; email: string; apiToken: string }
    | { type: 'pat'; token: string }
    | { type: 'oauth'; clientId: string; clientSecret: string; tokenUrl?: string };
  timeoutMs: number;
  /** The change poller (Jira → AWS). An interval of 0 turns it off. */
  poll: { intervalMs: number; overlapMs: number };
  /** The time zone JQL dates are read in, when the integration user's profile cannot be read. */
  timeZone?: string;
  /** Base URL of the Assets REST API, when configuration items are synced to JSM Assets. */
  assetsUrl?: string;
  /** Assets attribute that carries the correlation value. */
  assetsCorrelationAttribute: string;
}

/** Everything the daemon reads from its environment. See `.env.example` for each variable. */
export interface Settings {
  /** Absent only for commands that read no queue (`backfill`, `publish`), which do not require it. */
  queueUrl?: string;
  region: string;
  /** The AWS account the task runs in; needed only by mappings that start runbooks. */
  accountId?: string;
  serviceNow?: ServiceNowSettings;
  jira?: JiraSettings;
  mappingsDir: string;
  stateStore: string;
  logLevel: LevelWithSilent;
  concurrency: number;
  visibilityTimeoutSeconds: number;
  /** Long-poll wait of each ReceiveMessage call. */
  waitTimeSeconds: number;
  shutdownTimeoutMs: number;
  /** Port of the health and metrics endpoint; 0 turns it off. */
  healthPort: number;
  /** Time between two CMDB reconcile passes in the daemon; 0 turns them off. */
  configReconcileIntervalMs: number;
  /** How often the daemon publishes CMDB records to AWS Config (mappings with `kind: publication`); 0 turns it off. */
  cmdbPublishIntervalMs: number;
  /** AWS Config aggregator whose organization-wide inventory backfill and reconcile read, when set. */
  configAggregator?: string;
}

/** One or more settings are missing or invalid. The message lists every problem at once. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Options of {@link readSettings}. */
export interface ReadSettingsOptions {
  /** `optional` for commands that read no queue, such as `backfill`. Default `required`. */
  queue?: 'required' | 'optional';
  /**
   * The reason the command needs AWS_ACCOUNT_ID (`backfill`), shown when it is missing, so that
   * the missing account id is listed with the other problems. Absent: the account id is optional.
   */
  accountRequiredFor?: string;
}

/**
 * Read and check the settings. Every problem is collected, so an operator fixes them in one go.
 * A message names the variable and what it expects, never the value of a secret.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env, options: ReadSettingsOptions = {}): Settings {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const settings: Settings = {
    queueUrl: read.url('SQS_QUEUE_URL', { required: options.queue !== 'optional' }) || undefined,
    region: read.string('AWS_REGION', { required: true, pattern: /^[a-z]{2}(-[a-z]+)+-\d$/, expected: 'an AWS region such as us-east-1' }),
    accountId: read.string('AWS_ACCOUNT_ID', { pattern: /^\d{12}$/, expected: 'the 12-digit AWS account id' }) || undefined,
    serviceNow: readServiceNow(read),
    jira: readJira(read),
    mappingsDir: read.string('MAPPINGS_DIR', { fallback: './mappings' }),
    stateStore: read.stateStore('STATE_STORE', 'sqlite:./data/state.db'),
    logLevel: read.choice('LOG_LEVEL', LOG_LEVELS, 'info') as LevelWithSilent,
    concurrency: read.integer('SYNC_CONCURRENCY', { fallback: 10, min: 1, max: 100 }),
    visibilityTimeoutSeconds: read.integer('SQS_VISIBILITY_TIMEOUT_SECONDS', { fallback: 60, min: 10, max: 43_200 }),
    waitTimeSeconds: read.integer('SQS_WAIT_TIME_SECONDS', { fallback: 20, min: 1, max: 20 }),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', { fallback: 25_000, min: 1_000, max: 120_000 }),
    healthPort: read.integer('HEALTH_PORT', { fallback: 8080, min: 0, max: 65_535 }),
    configReconcileIntervalMs: read.integer('CONFIG_RECONCILE_INTERVAL_MINUTES', { fallback: 0, min: 0, max: 10_080 }) * 60_000,
    cmdbPublishIntervalMs: read.integer('CMDB_PUBLISH_INTERVAL_MINUTES', { fallback: 60, min: 0, max: 10_080 }) * 60_000,
    configAggregator:
      read.string('CONFIG_AGGREGATOR_NAME', { pattern: /^[\w-]{1,256}$/, expected: 'the name of an AWS Config configuration aggregator (letters, digits, _ and -)' }) || undefined,
  };

  if (options.accountRequiredFor !== undefined && settings.accountId === undefined && !env.AWS_ACCOUNT_ID?.trim()) {
    read.problem(`AWS_ACCOUNT_ID is required: ${options.accountRequiredFor}`);
  }
  if (settings.configReconcileIntervalMs > 0 && settings.accountId === undefined) {
    read.problem('CONFIG_RECONCILE_INTERVAL_MINUTES needs AWS_ACCOUNT_ID: the account whose AWS Config inventory the reconcile reads and whose CIs it may retire');
  }
  if (settings.serviceNow?.webhookSecret !== undefined && settings.healthPort === 0) {
    read.problem('SERVICENOW_WEBHOOK_SECRET is set, but HEALTH_PORT is 0 and the webhook is served on that port; set HEALTH_PORT, or unset the secret');
  }

  if (problems.length > 0) throw new ConfigurationError(problems);
  return settings;
}

function readServiceNow(read: EnvReader): ServiceNowSettings | undefined {
  const instanceUrl = read.url('SERVICENOW_INSTANCE_URL', { required: false });
  if (!instanceUrl) return undefined;

  const username = read.string('SERVICENOW_USERNAME', {});
  const password = read.secret('SERVICENOW_PASSWORD');
  const clientId = read.string('SERVICENOW_CLIENT_ID', {});
  const clientSecret = read.secret('SERVICENOW_CLIENT_SECRET');
  const timeoutMs = read.integer('SERVICENOW_TIMEOUT_MS', { fallback: 30_000, min: 1_000, max: 300_000 });
  const poll = {
    intervalMs: read.integer('SERVICENOW_POLL_INTERVAL_SECONDS', { fallback: 15, min: 0, max: 3_600 }) * 1000,
    overlapMs: read.integer('SERVICENOW_POLL_OVERLAP_SECONDS', { fallback: 120, min: 0, max: 86_400 }) * 1000,
  };
  const timeZone = read.string('SERVICENOW_TIME_ZONE', {}) || undefined;
  if (timeZone !== undefined && !isTimeZone(timeZone)) {
    read.problem(`SERVICENOW_TIME_ZONE is invalid ("${timeZone}"): expected an IANA time zone such as America/Los_Angeles`);
  }
  const webhookSecret = read.secret('SERVICENOW_WEBHOOK_SECRET') || undefined;
  if (webhookSecret !== undefined && webhookSecret.length < 32) {
    read.problem('SERVICENOW_WEBHOOK_SECRET must be at least 32 characters; generate one with `openssl rand -base64 32`');
  }
  const common = { instanceUrl, timeoutMs, poll, timeZone, webhookSecret };

  if (clientId || clientSecret) {
    if (!clientId || !clientSecret) {
      read.problem('SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET must be set together for OAuth client credentials');
    }
    return { ...common, auth: { type: 'oauth', clientId, clientSecret } };
  }

  if (!username || !password) {
    // Name only what is missing: `.env.example` sets the user name and leaves the password empty.
    let missing = 'SERVICENOW_PASSWORD is';
    if (!username) missing = password ? 'SERVICENOW_USERNAME is' : 'SERVICENOW_USERNAME and SERVICENOW_PASSWORD are';
    read.problem(`${missing} required for basic authentication (or set SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET for OAuth client credentials)`);
  }
  return { ...common, auth: { type: 'basic', username, password } };
}

const ATLASSIAN_TOKEN_URL = 'https://auth.atlassian.com/oauth/token';

function readJira(read: EnvReader): JiraSettings | undefined {
  const baseUrl = read.url('JIRA_BASE_URL', { required: false });
  if (!baseUrl) return undefined;

  // The deployment decides which credentials are needed, so its case is forgiven.
  const deployment = read.choice('JIRA_DEPLOYMENT', ['cloud', 'datacenter'], 'cloud', { ignoreCase: true }) as JiraSettings['deployment'];
  const siteUrl = read.url('JIRA_SITE_URL', { required: false }) || baseUrl;
  const email = read.string('JIRA_EMAIL', {});
  const apiToken = read.secret('JIRA_API_TOKEN');
  const clientId = read.string('JIRA_CLIENT_ID', {});
  const clientSecret = read.secret('JIRA_CLIENT_SECRET');
  const tokenUrl = read.url('JIRA_OAUTH_TOKEN_URL', { required: false }) || undefined;
  const timeoutMs = read.integer('JIRA_TIMEOUT_MS', { fallback: 30_000, min: 1_000, max: 300_000 });
  // JQL reads dates at minute precision, so an overlap under a minute could miss changes.
  const poll = {
    intervalMs: read.integer('JIRA_POLL_INTERVAL_SECONDS', { fallback: 30, min: 0, max: 3_600 }) * 1000,
    overlapMs: read.integer('JIRA_POLL_OVERLAP_SECONDS', { fallback: 180, min: 60, max: 86_400 }) * 1000,
  };
  const timeZone = read.string('JIRA_TIME_ZONE', {}) || undefined;
  if (timeZone !== undefined && !isTimeZone(timeZone)) {
    read.problem(`JIRA_TIME_ZONE is invalid ("${timeZone}"): expected an IANA time zone such as Europe/Berlin`);
  }
  const assetsCorrelationAttribute = read.string('JIRA_ASSETS_CORRELATION_ATTRIBUTE', { fallback: 'itsm-sync correlation' });
  const assetsUrl = readAssetsUrl(read, deployment, baseUrl);
  const common = { baseUrl, siteUrl, deployment, timeoutMs, poll, timeZone, assetsUrl, assetsCorrelationAttribute };

  if (clientId || clientSecret) {
    if (!clientId || !clientSecret) read.problem('JIRA_CLIENT_ID and JIRA_CLIENT_SECRET must be set together for OAuth 2.0 client credentials');
    if (deployment !== 'cloud') read.problem('JIRA_CLIENT_ID and JIRA_CLIENT_SECRET are for Jira Cloud; Data Center takes a personal access token in JIRA_API_TOKEN');
    else if (!/^https:\/\/api\.atlassian\.com\/ex\/jira\//.test(baseUrl) && tokenUrl === undefined) {
      read.problem('With OAuth 2.0, JIRA_BASE_URL must be https://api.atlassian.com/ex/jira/<cloud id>, and JIRA_SITE_URL the site (https://<site>.atlassian.net)');
    }
    return { ...common, auth: { type: 'oauth', clientId, clientSecret, tokenUrl: tokenUrl ?? ATLASSIAN_TOKEN_URL } };
  }

  if (deployment === 'datacenter') {
    if (!apiToken) read.problem('JIRA_API_TOKEN is required: a personal access token of the integration user (Profile → Personal Access Tokens)');
    return { ...common, auth: { type: 'pat', token: apiToken } };
  }
  if (!email || !apiToken) {
    read.problem(
      'JIRA_EMAIL and JIRA_API_TOKEN are required for Jira Cloud: the integration user\'s e-mail and an API token from ' +
        'https://id.atlassian.com/manage-profile/security/api-tokens (or set JIRA_CLIENT_ID and JIRA_CLIENT_SECRET for OAuth 2.0)',
    );
  }
  return { ...common, auth: { type: 'basic', email, apiToken } };
}

/** Assets lives on its own host on Cloud (per workspace) and under the Jira URL on Data Center. */
function readAssetsUrl(read: EnvReader, deployment: JiraSettings['deployment'], baseUrl: string): string | undefined {
  const explicit = read.url('JIRA_ASSETS_URL', { required: false });
  if (explicit) return explicit;
  const workspaceId = read.string('JIRA_ASSETS_WORKSPACE_ID', { pattern: /^[A-Za-z0-9-]+$/, expected: 'the Assets workspace id (GET /rest/servicedeskapi/assets/workspace)' });
  if (workspaceId) return `https://api.atlassian.com/jsm/assets/workspace/${workspaceId}/v1`;
  return deployment === 'datacenter' ? `${baseUrl}/rest/assets/1.0` : undefined;
}


/** Reads variables and records a problem for each bad one instead of stopping at the first. */
class EnvReader {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly problems: string[],
  ) {}

  problem(message: string): void {
    this.problems.push(message);
  }

  string(name: string, options: { required?: boolean; fallback?: string; pattern?: RegExp; expected?: string }): string {
    const value = this.env[name]?.trim();
    if (!value) {
      if (options.required) this.problem(`${name} is required${options.expected ? `: ${options.expected}` : ''}`);
      return options.fallback ?? '';
    }
    if (options.pattern && !options.pattern.test(value)) {
      this.problem(`${name} is invalid ("${value}"): expected ${options.expected ?? options.pattern.source}`);
    }
    return value;
  }

  /** Like `string`, but the value never appears in a message. */
  secret(name: string): string {
    return this.env[name] ?? '';
  }

  url(name: string, options: { required: boolean }): string {
    const value = this.string(name, { required: options.required, expected: 'an http(s) URL' });
    if (!value) return '';

    try {
      const url = new URL(value);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
    } catch {
      this.problem(`${name} is invalid ("${withoutUserInfo(value)}"): expected an http(s) URL`);
    }
    return value.replace(/\/+$/, '');
  }

  /** Reads a STATE_STORE value and checks its syntax and options (see parseStateStoreLocation). */
  stateStore(name: string, fallback: string): string {
    const value = this.env[name]?.trim() || fallback;
    try {
      parseStateStoreLocation(value);
    } catch (error) {
      if (!(error instanceof InvalidStateStoreError)) throw error;
      this.problem(error.message);
    }
    return value;
  }

  integer(name: string, options: { fallback: number; min: number; max: number }): number {
    const raw = this.env[name]?.trim();
    if (!raw) return options.fallback;

    const value = Number(raw);
    if (!Number.isInteger(value) || value < options.min || value > options.max) {
      this.problem(`${name} must be a whole number from ${options.min} to ${options.max}, got "${raw}"`);
      return options.fallback;
    }
    return value;
  }

  choice(name: string, allowed: string[], fallback: string, options: { ignoreCase?: boolean } = {}): string {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    const value = options.ignoreCase ? raw.toLowerCase() : raw;
    if (!allowed.includes(value)) this.problem(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    return value;
  }
}

/**
 * Masks the user name and password of a URL that could not be parsed, so that an error message can
 * quote the rest of it. `https://user:secret@host:99999` becomes `https://***@host:99999`.
 */
function withoutUserInfo(value: string): string {
  // Up to the last "@": a password may itself contain "/" or "@" when the URL is malformed.
  const at = value.lastIndexOf('@');
  if (at === -1) return value;

  const scheme = /^[a-z][a-z\d+.-]*:\/\//i.exec(value)?.[0] ?? '';
  return `${scheme}***${value.slice(at)}`;
}
