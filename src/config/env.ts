import type { LevelWithSilent } from 'pino';

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

/** Everything the daemon reads from its environment. See `.env.example` for each variable. */
export interface Settings {
  queueUrl: string;
  region: string;
  /** The AWS account the task runs in; needed only by mappings that start runbooks. */
  accountId?: string;
  serviceNow?: ServiceNowSettings;
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
}

/** One or more settings are missing or invalid. The message lists every problem at once. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Read and check the settings. Every problem is collected, so an operator fixes them in one go.
 * A message names the variable and what it expects, never the value of a secret.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const settings: Settings = {
    queueUrl: read.url('SQS_QUEUE_URL', { required: true }),
    region: read.string('AWS_REGION', { required: true, pattern: /^[a-z]{2}(-[a-z]+)+-\d$/, expected: 'an AWS region such as us-east-1' }),
    accountId: read.string('AWS_ACCOUNT_ID', { pattern: /^\d{12}$/, expected: 'the 12-digit AWS account id' }) || undefined,
    serviceNow: readServiceNow(read),
    mappingsDir: read.string('MAPPINGS_DIR', { fallback: './mappings' }),
    stateStore: read.string('STATE_STORE', { fallback: 'sqlite:./data/state.db', pattern: /^sqlite:.+/, expected: 'sqlite:<path>, for example sqlite:./data/state.db' }),
    logLevel: read.choice('LOG_LEVEL', LOG_LEVELS, 'info') as LevelWithSilent,
    concurrency: read.integer('SYNC_CONCURRENCY', { fallback: 10, min: 1, max: 100 }),
    visibilityTimeoutSeconds: read.integer('SQS_VISIBILITY_TIMEOUT_SECONDS', { fallback: 60, min: 10, max: 43_200 }),
    waitTimeSeconds: read.integer('SQS_WAIT_TIME_SECONDS', { fallback: 20, min: 1, max: 20 }),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', { fallback: 25_000, min: 1_000, max: 120_000 }),
    healthPort: read.integer('HEALTH_PORT', { fallback: 8080, min: 0, max: 65_535 }),
    configReconcileIntervalMs: read.integer('CONFIG_RECONCILE_INTERVAL_MINUTES', { fallback: 0, min: 0, max: 10_080 }) * 60_000,
  };

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
    read.problem(
      'SERVICENOW_USERNAME and SERVICENOW_PASSWORD are required for basic authentication ' +
        '(or set SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET for OAuth client credentials)',
    );
  }
  return { ...common, auth: { type: 'basic', username, password } };
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
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
      this.problem(`${name} is invalid ("${value}"): expected an http(s) URL`);
    }
    return value.replace(/\/+$/, '');
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

  choice(name: string, allowed: string[], fallback: string): string {
    const value = this.env[name]?.trim();
    if (!value) return fallback;
    if (!allowed.includes(value)) this.problem(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    return value;
  }
}
