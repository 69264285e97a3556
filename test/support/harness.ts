import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { pino } from 'pino';

import { buildConnector, consumerOf, type Connector } from '../../src/app/connector.js';
import { CiRetirement } from '../../src/cmdb/ci-retirement.js';
import { ConfigReconciler } from '../../src/cmdb/config-reconciler.js';
import { readSettings } from '../../src/config/env.js';
import type { SourceRecord } from '../../src/core/types.js';
import { createLogger } from '../../src/ops/logger.js';
import { SyncMetrics } from '../../src/ops/metrics.js';
import type { LocalQueue } from '../../src/simulators/local-queue.js';
import {
  applyEnvironment,
  LOCAL_SERVICENOW_USER,
  startLocalStack,
  type JiraSimulator,
  type LocalStack,
  type LocalStackOptions,
  type SecurityHubSimulator,
} from '../../src/simulators/local-stack.js';
import type { ServiceNowSimulator } from '../../src/simulators/servicenow/server.js';
import type { SyncResult } from '../../src/sync/engine.js';
import type { ChangedTicket } from '../../src/core/types.js';
import { createServiceNowWebhookRoute } from '../../src/ingress/servicenow-webhook.js';
import { startHealthServer } from '../../src/ops/health-server.js';
import type { ReverseResult } from '../../src/reverse/reverse-sync.js';
import type { SsmSimulator } from '../../src/simulators/local-stack.js';
import type { ConfigSimulator } from '../../src/simulators/config/server.js';
import type { SimulatedOpsItem } from '../../src/simulators/ssm/server.js';
import { createConfigClientProvider } from '../../src/writeback/config-client.js';
import { fixture, REPOSITORY_ROOT } from './fixtures.js';

export { fixture, REPOSITORY_ROOT } from './fixtures.js';

export const SHIPPED_MAPPINGS = join(REPOSITORY_ROOT, 'mappings');
/** The default Jira mappings. */
export const JIRA_MAPPINGS = join(REPOSITORY_ROOT, 'mappings/jira');

export const SERVICENOW_USER = LOCAL_SERVICENOW_USER;

/** The EventBridge event of a failed S3 control in Security Hub (ASFF), under test/fixtures. */
export const S3_FAILED = 'aws-events/securityhub/imported-cspm-s3-bucket-control-failed.json';
/** The same finding as Security Hub sends it in OCSF, which must reach the same ticket. */
export const S3_OCSF_TWIN = 'aws-events/securityhub/s3-bucket-control-failed.ocsf-twin.json';

/** Copy an ASFF event fixture, change its first finding with `change`, and give the event a fresh id. */
export function findingVariant(path: string, change: (finding: Record<string, any>) => void): Record<string, any> {
  const event = fixture<Record<string, any>>(path);
  event.id = crypto.randomUUID();
  change(event.detail.findings[0]);
  return event;
}

/** Move a finding's `UpdatedAt` `minutes` later, as Security Hub does on every change. */
export function laterUpdate(finding: Record<string, any>, minutes: number): void {
  finding.UpdatedAt = new Date(Date.parse(finding.UpdatedAt) + minutes * 60_000).toISOString();
}

/** Wrap an event in an SNS notification envelope, as a queue subscribed to a topic receives it. */
export function snsEnvelope(event: unknown): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:itsm-sync',
    Message: JSON.stringify(event),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
  };
}

export interface HarnessOptions {
  mappingsDir?: string;
  /** Reuse the state file of an earlier harness, as a restarted task does. */
  stateFile?: string;
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
  concurrency?: number;
  serviceNowLatencyMs?: number;
  /** Attempts per AWS SDK call (AWS_MAX_ATTEMPTS). Default 2, so failure tests end fast. */
  awsMaxAttempts?: number;
  /** Throttle Security Hub as the real service does. */
  securityHubRateLimit?: LocalStackOptions['securityHubRateLimit'];
  /**
   * Send the events the AWS simulators emit, including the echo of the connector's own writes, to
   * the queue, as the EventBridge rules do in production.
   */
  forwardAwsEvents?: boolean;
  /** Serve the ServiceNow webhook with this secret, and have the simulator's business rule call it. */
  webhookSecret?: string;
  /** Also start a Jira simulator of this deployment (use with `mappingsDir: JIRA_MAPPINGS`). */
  jira?: LocalStackOptions['jira'];
}

/** A person who works tickets in the ServiceNow simulator (no API access). */
export const RESOLVER = 'jane.doe';

/**
 * The whole connector as `itsm-sync run` assembles it, against an SQS server on loopback, the
 * ServiceNow and Security Hub simulators, and a SQLite file. Environment variables point the AWS
 * SDK at the local servers, exactly as an operator would.
 */
export class Harness {
  readonly results: Array<{ record: SourceRecord; result: SyncResult }> = [];
  readonly reverseResults: Array<{ ticket: ChangedTicket; result: ReverseResult }> = [];
  readonly logLines: string[] = [];
  readonly metrics = new SyncMetrics();
  connector!: Connector;

  readonly queue: LocalQueue;
  readonly serviceNow: ServiceNowSimulator;
  readonly securityHub: SecurityHubSimulator;
  readonly ssm: SsmSimulator;
  readonly config: ConfigSimulator;
  /** The Jira simulator, when the harness was started with the `jira` option. */
  readonly jira: JiraSimulator | undefined;

  private constructor(
    private readonly stack: LocalStack,
    readonly stateFile: string,
    private readonly options: HarnessOptions,
    private readonly restoreEnvironment: () => void,
    private readonly webhookServer?: { port: number; close(): Promise<void> },
  ) {
    this.queue = stack.queue;
    this.serviceNow = stack.serviceNow;
    this.securityHub = stack.securityHub;
    this.ssm = stack.ssm;
    this.config = stack.config;
    this.jira = stack.jira;
    const count = (): void => {
      this.awsEventCount += 1;
    };
    stack.ssm.onEvent(count);
    stack.securityHub.onEvent(count);
    stack.config.onEvent(count);
  }

  /** Events the AWS simulators emitted so far (forwarded to the queue when forwarding is on). */
  private awsEventCount = 0;

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const stateFile = options.stateFile ?? join(mkdtempSync(join(tmpdir(), 'itsm-sync-e2e-')), 'state.db');

    // The webhook receiver starts first, because the simulator's business rule needs its URL.
    let harness: Harness | undefined;
    const webhookServer =
      options.webhookSecret === undefined
        ? undefined
        : await startHealthServer({
            port: 0,
            host: '127.0.0.1',
            metrics: new SyncMetrics(),
            health: { isRunning: () => true, lastPollAt: () => Date.now() },
            routes: [
              createServiceNowWebhookRoute({
                secret: options.webhookSecret,
                onNotification: async (notification) => harness?.connector.serviceNowWebhook?.notify(notification),
                logger: createLogger('silent'),
              }),
            ],
          });

    const stack = await startLocalStack({
      forwardAwsEvents: options.forwardAwsEvents,
      serviceNowWebhook:
        webhookServer === undefined || options.webhookSecret === undefined
          ? undefined
          : { url: `http://127.0.0.1:${webhookServer.port}/webhooks/servicenow`, secret: options.webhookSecret },
      queueName: `e2e-${crypto.randomUUID().slice(0, 8)}`,
      maxReceiveCount: options.maxReceiveCount ?? 3,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
      serviceNowLatencyMs: options.serviceNowLatencyMs,
      securityHubRateLimit: options.securityHubRateLimit,
      mappingsDir: options.mappingsDir ?? SHIPPED_MAPPINGS,
      jira: options.jira,
      stateStore: `sqlite:${stateFile}`,
      logLevel: 'debug',
    });
    // Two SDK attempts keep failure tests short.
    const restoreEnvironment = applyEnvironment({ ...stack.env, AWS_MAX_ATTEMPTS: String(options.awsMaxAttempts ?? 2) });

    harness = new Harness(stack, stateFile, options, restoreEnvironment, webhookServer);
    await harness.startConnector();
    return harness;
  }

  /** Build and start a connector; after `restartConnector` it reads the same state file. */
  async startConnector(): Promise<void> {
    const settings = readSettings({
      ...this.stack.env,
      SYNC_CONCURRENCY: String(this.options.concurrency ?? 10),
      SQS_VISIBILITY_TIMEOUT_SECONDS: String(this.options.visibilityTimeoutSeconds ?? 30),
      // A stopped consumer's long poll stays open on the server and may still take a message, as
      // with real SQS; a short wait keeps that window small when a test restarts the connector.
      SQS_WAIT_TIME_SECONDS: '1',
      // Tests poll for ticket changes themselves, with poll().
      SERVICENOW_POLL_INTERVAL_SECONDS: '0',
      JIRA_POLL_INTERVAL_SECONDS: '0',
      SERVICENOW_WEBHOOK_SECRET: this.options.webhookSecret ?? '',
      // The test's own server answers the webhook; the port tells the settings it is served.
      HEALTH_PORT: String(this.webhookServer?.port ?? 0),
    });

    const lines = this.logLines;
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    });

    this.connector = await buildConnector(settings, createLogger('debug', destination), this.metrics, {
      onResult: (record, result) => this.results.push({ record, result }),
      onReverseResult: (ticket, result) => this.reverseResults.push({ ticket, result }),
    });
    consumerOf(this.connector).start();
  }

  async restartConnector(): Promise<void> {
    await this.connector.stop();
    // Let the stopped consumer's last long poll (1 s) end before anything new is sent.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await this.startConnector();
  }

  /** Stop the connector, delete its SQLite file, as a replaced Fargate task loses it, and start again. */
  async loseStateStore(): Promise<void> {
    await this.connector.stop();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.stateFile}${suffix}`, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await this.startConnector();
  }

  /** Send events and wait until the connector has finished with every message. */
  async deliver(...events: unknown[]): Promise<void> {
    await this.queue.sendMany(events);
    await this.settle();
  }

  /**
   * Wait until the queue is empty and no AWS event is on its way to it: with forwarding on, each
   * write-back makes AWS emit an event, which the connector must consume (and ignore) too.
   */
  async settle(): Promise<void> {
    for (;;) {
      const emitted = this.awsEventCount;
      await this.connector.serviceNowWebhook?.drain();
      await this.stack.awsEventsForwarded();
      await this.queue.waitUntilEmpty();
      // Handling the last messages may have made AWS emit more events; go round until it did not.
      if (this.awsEventCount === emitted) return;
    }
  }

  /** Run one change poll, as the timer would, then let the echo it causes settle. */
  async poll(): Promise<void> {
    await this.connector.poller.pollOnce();
    await this.settle();
  }

  /**
   * Open an OpsItem as a CloudWatch alarm would (CPU high on orders-api-prod-2), with `changes`
   * applied, and let its OpsItem Create event reach the queue and settle.
   */
  async openOpsItem(changes: Partial<SimulatedOpsItem> = {}): Promise<SimulatedOpsItem> {
    const opsItem = this.ssm.seedOpsItem(
      {
        Title: 'CPU utilization above 90% on orders-api-prod-2',
        Description: 'CloudWatch alarm orders-api-prod-cpu-high entered ALARM state.',
        Source: 'EC2',
        Priority: 2,
        Severity: '2',
        Category: 'Performance',
        OperationalData: {
          '/aws/resources': { Type: 'SearchableString', Value: JSON.stringify([{ arn: 'arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890' }]) },
          alarmName: { Type: 'String', Value: 'orders-api-prod-cpu-high' },
        },
        ...changes,
      },
      { emitEvent: true },
    );
    await this.settle();
    return opsItem;
  }

  /** Return the ticket link the connector wrote on an OpsItem (`itsm-sync:ticket`), or `{}` before it wrote one. */
  opsItemTicket(opsItemId: string): Record<string, string> {
    const value = this.ssm.getOpsItem(opsItemId)?.OperationalData['itsm-sync:ticket']?.Value;
    return value === undefined ? {} : (JSON.parse(value) as Record<string, string>);
  }

  /** Return the notes the connector wrote on an OpsItem (`itsm-sync:notes`), or an empty string. */
  opsItemNotes(opsItemId: string): string {
    return this.ssm.getOpsItem(opsItemId)?.OperationalData['itsm-sync:notes']?.Value ?? '';
  }

  /** Build a ConfigReconciler over the connector's engine, store and targets, for account 111122223333 in us-east-1. */
  configReconciler(options: { aggregator?: string } = {}): ConfigReconciler {
    return new ConfigReconciler({
      aggregator: options.aggregator,
      engine: this.connector.engine,
      store: this.connector.store,
      targets: this.connector.targets,
      configClients: createConfigClientProvider({ logger: pino({ level: 'silent' }) }),
      retirement: new CiRetirement({ engine: this.connector.engine, targets: this.connector.targets, logger: pino({ level: 'silent' }) }),
      account: '111122223333',
      region: 'us-east-1',
      logger: pino({ level: 'silent' }),
    });
  }

  /** Edit a ticket as a person in ServiceNow would. */
  editTicket(table: string, sysId: string, fields: Record<string, unknown>): void {
    this.serviceNow.updateRecord(table, sysId, fields, { user: RESOLVER });
  }

  incidents(): Array<Record<string, string>> {
    return this.serviceNow.records('incident');
  }

  /** Table API calls that change data (POST, PATCH, PUT, DELETE). */
  serviceNowWrites(): Array<{ method: string; path: string }> {
    return this.serviceNow.requests.filter((request) => request.method !== 'GET' && request.path.startsWith('/api/now/table/'));
  }

  outcomes(): string[] {
    return this.results.map(({ result }) => result.outcome);
  }

  async stop(): Promise<void> {
    await this.connector.stop();
    await this.stack.stop();
    await this.webhookServer?.close();
    this.restoreEnvironment();
    if (!this.options.stateFile) rmSync(join(this.stateFile, '..'), { recursive: true, force: true });
  }
}
