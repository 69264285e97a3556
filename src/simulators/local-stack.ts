import type { EventBridgeEvent } from '../core/types.js';
import { startConfigSimulator, type ConfigSimulator } from './config/server.js';
import { startLocalQueue, type LocalQueue } from './local-queue.js';
import { startSecurityHubSimulator } from './securityhub/server.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from './servicenow/server.js';
import { startSsmSimulator, type SsmSimulator } from './ssm/server.js';
import { startJiraSimulator } from './jira/server.js';
import type { JiraSimulator, JiraSimulatorOptions } from './jira/simulator-types.js';
import { DEFAULT_INTEGRATION_LOGIN, DEFAULT_INTEGRATION_SECRETS } from './jira/users.js';

export type SecurityHubSimulator = Awaited<ReturnType<typeof startSecurityHubSimulator>>;
export type { SsmSimulator } from './ssm/server.js';
export type { ConfigSimulator } from './config/server.js';
export type { JiraSimulator } from './jira/simulator-types.js';

/**
 * The people of the Jira simulator who approve changes (Cloud logins are e-mail addresses, Data
 * Center logins user names).
 */
export const LOCAL_JIRA_APPROVER = { cloud: 'casey.example@example.com', datacenter: 'casey.example' } as const;

/**
 * The ServiceNow login of the local stack; it exists only inside the simulator. Its time zone is
 * not UTC, as on many real instances, so the change poller is always run against that case.
 */
export const LOCAL_SERVICENOW_USER = { username: 'itsm.sync', password: 'local-only-Pa55word', timeZone: 'America/Los_Angeles' };

/** People who work tickets in the simulator (they edit records directly, without API access). */
export const LOCAL_SERVICENOW_PEOPLE = [
  { username: 'jane.doe', name: 'Jane Doe', timeZone: 'Europe/Berlin' },
  // Approves normal changes (the change advisory board).
  { username: 'cab.member', name: 'Casey Approver', timeZone: 'America/New_York' },
];

/**
 * Everything the connector talks to, on loopback: an SQS queue with its dead-letter queue, the
 * ServiceNow simulator, the Security Hub simulator, the SSM (OpsCenter) simulator and the AWS
 * Config simulator. `env`
 * contains the variables that point the connector at them, the same variables an operator sets in
 * production.
 */
export interface LocalStack {
  queue: LocalQueue;
  serviceNow: ServiceNowSimulator;
  securityHub: SecurityHubSimulator;
  ssm: SsmSimulator;
  config: ConfigSimulator;
  /** The Jira simulator, when the stack was started with the `jira` option. */
  jira?: JiraSimulator;
  env: Record<string, string>;
  /**
   * Resolves once every AWS event forwarded so far (see {@link LocalStackOptions.forwardAwsEvents})
   * is on the queue, and rejects with the first failed send. Resolves at once when forwarding is off.
   */
  awsEventsForwarded(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  queueName?: string;
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
  serviceNowLatencyMs?: number;
  /** Throttle the Security Hub simulator's operations, as Security Hub does (see its `rateLimit`). Default: no limit. */
  securityHubRateLimit?: { perSecond: number; burst: number };
  mappingsDir: string;
  stateStore: string;
  logLevel?: string;
  /**
   * Send every event the AWS simulators emit (OpsItem Create and Update, Security Hub Findings -
   * Imported, Findings Imported V2, Config Configuration Item Change) to the queue, as the EventBridge rules of the CloudFormation
   * template do. This includes the events caused by the connector's own write-back, so a test can
   * check that the connector ignores its echo. Default false: tests send events themselves.
   */
  forwardAwsEvents?: boolean;
  /** Have the ServiceNow simulator call this webhook after people edit incidents. */
  serviceNowWebhook?: { url: string; secret: string };
  /**
   * Also start a Jira simulator (Cloud or Data Center) and point the connector at it with the
   * JIRA_* variables, Assets included. The ServiceNow settings stay, so mappings of both run.
   */
  jira?: Pick<JiraSimulatorOptions, 'deployment' | 'searchLagMs' | 'latencyMs' | 'rateLimit' | 'timeZone'>;
}

/** Start the local services and return the connector's settings for them. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const queue = await startLocalQueue({
    name: options.queueName,
    maxReceiveCount: options.maxReceiveCount,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
  });
  const serviceNow = await startServiceNowSimulator({
    users: [LOCAL_SERVICENOW_USER, ...LOCAL_SERVICENOW_PEOPLE],
    latencyMs: options.serviceNowLatencyMs,
    changeApprovers: ['cab.member'],
    // The connector's own writes are left out, as the business rule's condition does in production.
    webhooks: options.serviceNowWebhook ? [{ ...options.serviceNowWebhook, tables: ['incident', 'change_request'], skipUsers: [LOCAL_SERVICENOW_USER.username] }] : [],
  });
  const securityHub = await startSecurityHubSimulator({ rateLimit: options.securityHubRateLimit });
  const ssm = await startSsmSimulator({});
  const config = await startConfigSimulator({ account: ssm.account, region: ssm.region });
  const jira =
    options.jira === undefined
      ? undefined
      : await startJiraSimulator({ ...options.jira, changeApprovers: [LOCAL_JIRA_APPROVER[options.jira.deployment]] });
  const forwarder = options.forwardAwsEvents ? forwardEvents(queue, [securityHub, ssm, config]) : undefined;

  const env = {
    SQS_QUEUE_URL: queue.queueUrl,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SQS: queue.endpoint,
    AWS_ENDPOINT_URL_SECURITYHUB: securityHub.url,
    AWS_ENDPOINT_URL_SSM: ssm.url,
    // The SDK builds the variable name from the service id "Config Service".
    AWS_ENDPOINT_URL_CONFIG_SERVICE: config.url,
    AWS_ACCOUNT_ID: ssm.account,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    SERVICENOW_INSTANCE_URL: serviceNow.url,
    SERVICENOW_USERNAME: LOCAL_SERVICENOW_USER.username,
    SERVICENOW_PASSWORD: LOCAL_SERVICENOW_USER.password,
    MAPPINGS_DIR: options.mappingsDir,
    STATE_STORE: options.stateStore,
    LOG_LEVEL: options.logLevel ?? 'warn',
    HEALTH_PORT: '0',
    ...(jira === undefined ? {} : jiraEnvironment(jira)),
  };

  return {
    queue,
    serviceNow,
    securityHub,
    ssm,
    config,
    jira,
    env,
    awsEventsForwarded: () => forwarder?.delivered() ?? Promise.resolve(),
    async stop() {
      // Stop forwarding first, so no send reaches a queue that is shutting down.
      await forwarder?.close();
      await Promise.all([queue.stop(), serviceNow.stop(), securityHub.stop(), ssm.stop(), config.stop(), jira?.close()]);
    },
  };
}

/** The JIRA_* variables of the integration user of a Jira simulator, as an operator sets them. */
function jiraEnvironment(jira: JiraSimulator): Record<string, string> {
  const common = { JIRA_BASE_URL: jira.url, JIRA_DEPLOYMENT: jira.deployment };
  if (jira.deployment === 'datacenter') {
    return { ...common, JIRA_API_TOKEN: DEFAULT_INTEGRATION_SECRETS.personalAccessToken };
  }
  return {
    ...common,
    JIRA_EMAIL: DEFAULT_INTEGRATION_LOGIN.cloud,
    JIRA_API_TOKEN: DEFAULT_INTEGRATION_SECRETS.apiToken,
    // On Cloud, Assets has its own host; the simulator serves it under the same address.
    JIRA_ASSETS_URL: `${jira.url}/jsm/assets/workspace/${jira.assets.workspaceId}/v1`,
  };
}

/** A simulator that emits the EventBridge events of its service. */
interface EventSource {
  onEvent(listener: (event: EventBridgeEvent) => void | Promise<void>, onListenerError?: (error: unknown) => void): () => void;
}

/**
 * Sends the simulators' events to the queue one after another, in the order they were emitted.
 * EventBridge itself does not promise an order; a fixed one keeps the tests repeatable.
 */
function forwardEvents(queue: LocalQueue, sources: EventSource[]): { delivered(): Promise<void>; close(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  let firstFailure: unknown;

  const forward = (event: EventBridgeEvent): void => {
    chain = chain
      .then(() => queue.send(event))
      .catch((error: unknown) => {
        firstFailure ??= new Error(`Could not forward the "${event['detail-type']}" event ${event.id} to the local queue: ${String(error)}`, { cause: error });
      });
  };
  const unsubscribers = sources.map((source) => source.onEvent(forward));

  return {
    async delivered() {
      await chain;
      if (firstFailure !== undefined) throw firstFailure;
    },
    async close() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      await chain;
    },
  };
}

/**
 * Set variables in `process.env`, where the AWS SDK reads endpoints and credentials, and return a
 * function that puts the environment back as it was.
 */
export function applyEnvironment(env: Record<string, string>): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, env);

  return () => {
    for (const key of Object.keys(process.env)) {
      if (!(key in saved)) delete process.env[key];
    }
    Object.assign(process.env, saved);
  };
}
