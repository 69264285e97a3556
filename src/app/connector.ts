import { SQSClient } from '@aws-sdk/client-sqs';

import { ConfigurationError, type Settings } from '../config/env.js';
import { unsupportedRuleIssues } from './capabilities.js';
import type { AwsWriteback, ItsmChangeFeed, ItsmTarget, SourceKind, TargetSystem } from '../core/types.js';
import { SqsConsumer } from '../intake/sqs-consumer.js';
import { ChangePoller } from '../reverse/change-poller.js';
import { ReverseSync, type ReverseSyncOptions } from '../reverse/reverse-sync.js';
import { RunbookStarts } from '../reverse/runbook-starts.js';
import { WebhookIntake } from '../reverse/webhook-intake.js';
import type { Logger } from '../ops/logger.js';
import type { SyncMetrics } from '../ops/metrics.js';
import { MappingValidationError } from '../rules/errors.js';
import { loadMappings } from '../rules/loader.js';
import type { CmdbPublication } from '../rules/publication.js';
import type { SyncRule } from '../rules/sync-rule.js';
import { ChangeRequestSource } from '../sources/change-request/change-request-source.js';
import { ConfigComplianceSource } from '../sources/config/config-compliance-source.js';
import { ConfigurationItemSource } from '../sources/config/configuration-item-source.js';
import { OpsItemSource } from '../sources/opsitem/opsitem-source.js';
import { FindingSource } from '../sources/securityhub/finding-source.js';
import type { SourceAdapter } from '../sources/source-adapter.js';
import { openStateStore } from '../state/open-store.js';
import type { StateStore } from '../state/store.js';
import { SyncEngine, type SyncEngineOptions } from '../sync/engine.js';
import { createEventHandler } from '../sync/event-handler.js';
import { ServiceNowClient } from '../targets/servicenow/client.js';
import { ServiceNowChangeFeed } from '../targets/servicenow/servicenow-change-feed.js';
import { ServiceNowTarget } from '../targets/servicenow/servicenow-target.js';
import { JiraClient } from '../targets/jira/client.js';
import { JiraChangeFeed } from '../targets/jira/jira-change-feed.js';
import { JiraTarget } from '../targets/jira/jira-target.js';
import { createAssetsTarget } from '../targets/jira/assets/index.js';
import { createSecurityHubClient } from '../writeback/securityhub-client.js';
import { ConfigReconciler } from '../cmdb/config-reconciler.js';
import { ConfigPublisher, type PublicationSummary } from '../cmdb/config-publisher.js';
import { ScheduledPass } from '../cmdb/scheduled-pass.js';
import { CiRetirement } from '../cmdb/ci-retirement.js';
import { CmdbRelationships } from '../cmdb/relationships.js';
import { AutomationStarter } from '../writeback/automation-starter.js';
import { createConfigClientProvider } from '../writeback/config-client.js';
import { ChangeRequestWriteback } from '../writeback/change-request-writeback.js';
import { OpsItemWriteback } from '../writeback/opsitem-writeback.js';
import { SecurityHubWriteback } from '../writeback/securityhub-writeback.js';
import { createSsmClientProvider } from '../writeback/ssm-client.js';

/** The assembled connector: queue consumer, sync engine and the clients behind them. */
export interface Connector {
  rules: SyncRule[];
  /** Publications of CMDB records to AWS Config, from the mappings folder. */
  publications: CmdbPublication[];
  engine: SyncEngine;
  /** Absent when the settings name no queue, as for the `backfill` and `publish` commands. */
  consumer?: SqsConsumer;
  store: StateStore;
  /** The ITSM targets, by system. */
  targets: Partial<Record<TargetSystem, ItsmTarget>>;
  serviceNow?: ServiceNowClient;
  jira?: JiraClient;
  /** The way back: ticket changes applied to AWS records. */
  reverse: ReverseSync;
  /** Reads changed tickets on a timer; `start()` it next to the consumer. */
  poller: ChangePoller;
  /** Takes ServiceNow webhook notifications, when a webhook secret is configured. */
  serviceNowWebhook?: WebhookIntake;
  /** Periodic CMDB reconcile, when CONFIG_RECONCILE_INTERVAL_MINUTES is set; `start()` it. */
  reconcile?: ScheduledPass;
  /** Periodic publication of CMDB records to AWS Config, when there are publications; `start()` it. */
  publish?: ScheduledPass;
  /** Stop consuming (draining in-flight messages) and polling, then close the state store. */
  stop(): Promise<void>;
}

/**
 * Build the connector from settings. The mappings are loaded and checked first, so an invalid
 * mapping stops start-up before any message is received. AWS clients use the default credential
 * chain and the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables.
 */
export async function buildConnector(
  settings: Settings,
  logger: Logger,
  metrics: SyncMetrics,
  hooks: Pick<SyncEngineOptions, 'onResult'> & { onReverseResult?: ReverseSyncOptions['onResult'] } = {},
): Promise<Connector> {
  // Values a value map lacks are logged through the daemon's logger, at its LOG_LEVEL.
  const { rules, publications } = await loadMappings(settings.mappingsDir, { logger: logger.child({ component: 'mappings' }) });
  const unsupported = unsupportedRuleIssues(rules);
  if (unsupported.length > 0) throw new MappingValidationError(unsupported);
  // Mappings that start runbooks need the account, because it is part of the record's identity.
  const startRules = rules.filter((rule) => rule.start !== undefined);
  if (startRules.length > 0 && settings.accountId === undefined) {
    throw new ConfigurationError([
      `AWS_ACCOUNT_ID is required by the mapping(s) ${startRules.map((rule) => rule.name).join(', ')}, which start runbooks: set it to the 12-digit id of the account the task runs in`,
    ]);
  }
  logger.info({ rules: rules.map((rule) => rule.name), mappingsDir: settings.mappingsDir }, `Loaded ${rules.length} sync rules`);
  if (publications.length > 0) {
    const schedule = settings.cmdbPublishIntervalMs > 0 ? `every ${settings.cmdbPublishIntervalMs / 60_000} minutes, the first pass right after start-up` : 'only by `itsm-sync publish` (CMDB_PUBLISH_INTERVAL_MINUTES is 0)';
    logger.info({ publications: publications.map((publication) => publication.name) }, `Loaded ${publications.length} publications to AWS Config, run ${schedule}`);
  }

  const targets: Partial<Record<TargetSystem, ItsmTarget>> = {};
  const feeds: Partial<Record<TargetSystem, ItsmChangeFeed>> = {};
  let serviceNow: ServiceNowClient | undefined;
  if (settings.serviceNow) {
    serviceNow = new ServiceNowClient({
      instanceUrl: settings.serviceNow.instanceUrl,
      auth: settings.serviceNow.auth,
      timeoutMs: settings.serviceNow.timeoutMs,
      logger: logger.child({ component: 'servicenow' }),
    });
    const serviceNowTarget = new ServiceNowTarget(serviceNow, { instanceUrl: settings.serviceNow.instanceUrl });
    targets.servicenow = serviceNowTarget;
    feeds.servicenow = new ServiceNowChangeFeed(serviceNow, serviceNowTarget, {
      timeZone: settings.serviceNow.timeZone,
      logger: logger.child({ component: 'servicenow-changes' }),
    });
  }

  let jira: JiraClient | undefined;
  if (settings.jira) {
    const jiraLogger = logger.child({ component: 'jira' });
    jira = new JiraClient({ baseUrl: settings.jira.baseUrl, deployment: settings.jira.deployment, auth: settings.jira.auth, timeoutMs: settings.jira.timeoutMs, logger: jiraLogger });
    const assets =
      settings.jira.assetsUrl === undefined
        ? undefined
        : createAssetsTarget({ http: jira, assetsUrl: settings.jira.assetsUrl, siteUrl: settings.jira.siteUrl, correlationAttribute: settings.jira.assetsCorrelationAttribute, logger: jiraLogger });
    const jiraTarget = new JiraTarget(jira, { siteUrl: settings.jira.siteUrl, assets, logger: jiraLogger });
    targets.jira = jiraTarget;
    feeds.jira = new JiraChangeFeed(jira, jiraTarget, { timeZone: settings.jira.timeZone, logger: logger.child({ component: 'jira-changes' }) });
  }

  const unreadable = publications.filter((publication) => targets[publication.from.system] === undefined);
  if (unreadable.length > 0) {
    throw new ConfigurationError(
      unreadable.map((publication) => `the publication ${publication.name} (${publication.file}) reads the CMDB of ${publication.from.system}, which is not configured: set SERVICENOW_INSTANCE_URL and its credentials`),
    );
  }

  // OpsItems live in the Region of their event; one SSM client per Region, made on first use.
  const ssmLogger = logger.child({ component: 'ssm' });
  const ssmClients = createSsmClientProvider({ logger: ssmLogger });
  const writebacks: Partial<Record<SourceKind, AwsWriteback>> = {
    finding: new SecurityHubWriteback({
      client: createSecurityHubClient({ region: settings.region }),
      logger: logger.child({ component: 'securityhub' }),
    }),
    opsitem: new OpsItemWriteback({ client: ssmClients, logger: ssmLogger }),
    'change-request': new ChangeRequestWriteback({ client: ssmClients, logger: ssmLogger }),
  };
  const configLogger = logger.child({ component: 'config' });
  const configClients = createConfigClientProvider({ logger: configLogger });
  const adapters: SourceAdapter[] = [
    new FindingSource(),
    new OpsItemSource({ client: ssmClients, logger: ssmLogger }),
    new ChangeRequestSource({ client: ssmClients, logger: ssmLogger }),
    // Configuration items: oversized notifications are read with BatchGetResourceConfig.
    new ConfigurationItemSource({ client: configClients, logger: configLogger, publishedResourceTypes: new Set(publications.map((publication) => publication.to.resourceType)) }),
    // AWS Config rule evaluations: the event carries the evaluation, and nothing is written back.
    new ConfigComplianceSource(),
  ];

  const store = openStateStore(settings.stateStore);
  const engine = new SyncEngine({
    rules,
    targets,
    writebacks,
    store,
    logger: logger.child({ component: 'sync' }),
    metrics,
    onResult: hooks.onResult,
    // A change can hold its decision from the start (a standard change); see ReverseSync.checkDecision.
    afterSync: async (record, result) => {
      if (record.kind === 'change-request') await reverse.checkDecision(result, record);
      if (record.kind === 'configuration-item') await relationships.sync(record, result);
      // Also after 'already-resolved': a redelivered deletion tries again what a failed one left open.
      const retired = result.outcome === 'resolved' || result.outcome === 'already-resolved';
      if (record.kind === 'configuration-item' && retired && result.ticket !== undefined && result.rule !== undefined) {
        await retirement.closeTickets(engine.ruleNamed(result.rule)!, result.ticket, record.view);
      }
    },
  });

  // Before the first message: a lost link store is rebuilt, so it cannot cause duplicate tickets.
  await engine.rebuildMissingLinks();

  const relationships = new CmdbRelationships({ engine, store, targets, logger: logger.child({ component: 'cmdb' }) });
  const retirement = new CiRetirement({ engine, targets, logger: logger.child({ component: 'cmdb' }) });
  const reverseLogger = logger.child({ component: 'reverse' });
  const reverse = new ReverseSync({ engine, store, targets, feeds, writebacks, logger: reverseLogger, metrics, onResult: hooks.onReverseResult });
  const runbookStarts =
    startRules.length > 0 && settings.accountId !== undefined
      ? new RunbookStarts({
          rules: startRules,
          engine,
          store,
          targets,
          feeds,
          starter: new AutomationStarter({ client: ssmClients, logger: ssmLogger }),
          region: settings.region,
          account: settings.accountId,
          logger: reverseLogger,
        })
      : undefined;

  const poller = new ChangePoller({
    runbookStarts,
    rules,
    targets,
    feeds,
    reverse,
    store,
    logger: reverseLogger,
    metrics,
    // One timer serves every system, at the shortest interval; each system is read at its own.
    intervalMs: pollInterval(settings),
    intervalBySystem: { servicenow: settings.serviceNow?.poll.intervalMs, jira: settings.jira?.poll.intervalMs },
    overlapMs: settings.serviceNow?.poll.overlapMs ?? 0,
    overlapBySystem: { jira: settings.jira?.poll.overlapMs },
  });

  // The way back needs to know who the connector is in each ITSM system it reads changes from.
  const watchedSystems = new Set(poller.tables.map((table) => table.system));
  if (watchedSystems.size > 0) {
    for (const [system, feed] of Object.entries(feeds) as Array<[TargetSystem, ItsmChangeFeed]>) {
      // A system that no rule with a way back writes to is not contacted at start-up.
      if (!watchedSystems.has(system)) continue;
      const identity = await feed.prepare();
      const fallbackUser = system === 'servicenow' && settings.serviceNow?.auth.type === 'basic' ? settings.serviceNow.auth.username : undefined;
      reverse.setIdentity(system, { ...identity, user: identity.user ?? fallbackUser });
    }
  }

  const reconciler =
    settings.accountId === undefined
      ? undefined
      : new ConfigReconciler({ engine, store, targets, configClients, account: settings.accountId, region: settings.region, aggregator: settings.configAggregator, concurrency: settings.concurrency, retirement, logger: configLogger });
  const reconcile =
    reconciler !== undefined && settings.configReconcileIntervalMs > 0
      ? new ScheduledPass(
          'CMDB reconcile',
          async () => {
            const summary = await reconciler.run();
            configLogger.info({ ...summary }, `CMDB reconcile: ${summary.discovered} resources, ${summary.retired} CIs retired, ${summary.failed} failed`);
          },
          settings.configReconcileIntervalMs,
          configLogger,
        )
      : undefined;

  const publisher = new ConfigPublisher({ publications, targets, configClients, region: settings.region, account: settings.accountId ?? '', logger: configLogger });
  const publish =
    publications.length > 0 && settings.cmdbPublishIntervalMs > 0
      ? new ScheduledPass(
          'CMDB publication',
          async () => {
            for (const summary of await publisher.run()) configLogger.info({ ...summary }, describePublication(summary));
          },
          settings.cmdbPublishIntervalMs,
          configLogger,
          // A task replaced more often than the interval would otherwise never publish.
          { runAtStart: true },
        )
      : undefined;

  const serviceNowWebhook =
    settings.serviceNow?.webhookSecret !== undefined && feeds.servicenow !== undefined
      ? new WebhookIntake({ system: 'servicenow', tables: poller.tables, feed: feeds.servicenow, reverse, logger: reverseLogger })
      : undefined;

  const consumer =
    settings.queueUrl === undefined
      ? undefined
      : new SqsConsumer({
          queueUrl: settings.queueUrl,
          sqs: new SQSClient({ region: settings.region }),
          handler: createEventHandler({ adapters, engine, logger, metrics }),
          concurrency: settings.concurrency,
          visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
          waitTimeSeconds: settings.waitTimeSeconds,
          drainTimeoutMs: settings.shutdownTimeoutMs,
          logger,
        });

  if (consumer !== undefined) {
    metrics.observeInFlight(() => consumer.stats.inFlight);
    consumer.on('processing_error', () => metrics.failedMessages.inc({ reason: 'sync-failed' }));
    consumer.on('malformed_message', () => metrics.failedMessages.inc({ reason: 'malformed' }));
  }

  return {
    rules,
    publications,
    engine,
    consumer,
    store,
    targets,
    serviceNow,
    jira,
    reverse,
    poller,
    serviceNowWebhook,
    reconcile,
    publish,
    async stop() {
      await Promise.all([consumer?.stop(), poller.stop(), serviceNowWebhook?.drain(), reconcile?.stop(), publish?.stop()]);
      await store.close();
    },
  };
}

/**
 * Returns the connector's queue consumer. Settings read with the queue required (the daemon, the
 * demo) always give one.
 *
 * @throws Error when the settings named no queue (SQS_QUEUE_URL).
 */
export function consumerOf(connector: Connector): SqsConsumer {
  if (connector.consumer === undefined) throw new Error('The connector has no queue consumer: set SQS_QUEUE_URL');
  return connector.consumer;
}

/** The poll interval: the shortest one configured above 0, or 0 when every system turned polling off. */
function pollInterval(settings: Settings): number {
  const intervals = [settings.serviceNow?.poll.intervalMs, settings.jira?.poll.intervalMs].filter((ms): ms is number => ms !== undefined && ms > 0);
  return intervals.length === 0 ? 0 : Math.min(...intervals);
}

/** Describe in one line what a publication pass did. */
export function describePublication(summary: PublicationSummary): string {
  const counts = `${summary.read} records read, ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.removed} removed, ${summary.failed} failed`;
  const subject = `Publication ${summary.publication} (${summary.resourceType})${summary.dryRun ? ', dry run' : ''}`;
  return summary.stopped === undefined ? `${subject}: ${counts}` : `${subject} stopped after ${counts}: ${summary.stopped}`;
}
