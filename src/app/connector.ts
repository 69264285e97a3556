import { SQSClient } from '@aws-sdk/client-sqs';

import type { Settings } from '../config/env.js';
import { unsupportedRuleIssues } from './capabilities.js';
import type { AwsWriteback, ItsmTarget, SourceKind, TargetSystem } from '../core/types.js';
import { SqsConsumer } from '../intake/sqs-consumer.js';
import type { Logger } from '../ops/logger.js';
import type { SyncMetrics } from '../ops/metrics.js';
import { MappingValidationError } from '../rules/errors.js';
import { loadRules } from '../rules/loader.js';
import type { SyncRule } from '../rules/sync-rule.js';
import { FindingSource } from '../sources/securityhub/finding-source.js';
import type { SourceAdapter } from '../sources/source-adapter.js';
import { openStateStore } from '../state/open-store.js';
import type { StateStore } from '../state/store.js';
import { SyncEngine, type SyncEngineOptions } from '../sync/engine.js';
import { createEventHandler } from '../sync/event-handler.js';
import { ServiceNowClient } from '../targets/servicenow/client.js';
import { ServiceNowTarget } from '../targets/servicenow/servicenow-target.js';
import { createSecurityHubClient } from '../writeback/securityhub-client.js';
import { SecurityHubWriteback } from '../writeback/securityhub-writeback.js';

/** The assembled connector: queue consumer, sync engine and the clients behind them. */
export interface Connector {
  rules: SyncRule[];
  engine: SyncEngine;
  consumer: SqsConsumer;
  store: StateStore;
  serviceNow?: ServiceNowClient;
  /** Stop consuming (draining in-flight messages), then close the state store. */
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
  hooks: Pick<SyncEngineOptions, 'onResult'> = {},
): Promise<Connector> {
  const rules = await loadRules(settings.mappingsDir);
  const unsupported = unsupportedRuleIssues(rules);
  if (unsupported.length > 0) throw new MappingValidationError(unsupported);
  logger.info({ rules: rules.map((rule) => rule.name), mappingsDir: settings.mappingsDir }, `Loaded ${rules.length} sync rules`);

  const targets: Partial<Record<TargetSystem, ItsmTarget>> = {};
  let serviceNow: ServiceNowClient | undefined;
  if (settings.serviceNow) {
    serviceNow = new ServiceNowClient({
      instanceUrl: settings.serviceNow.instanceUrl,
      auth: settings.serviceNow.auth,
      timeoutMs: settings.serviceNow.timeoutMs,
      logger: logger.child({ component: 'servicenow' }),
    });
    targets.servicenow = new ServiceNowTarget(serviceNow, { instanceUrl: settings.serviceNow.instanceUrl });
  }

  const writebacks: Partial<Record<SourceKind, AwsWriteback>> = {
    finding: new SecurityHubWriteback({
      client: createSecurityHubClient({ region: settings.region }),
      logger: logger.child({ component: 'securityhub' }),
    }),
  };
  const adapters: SourceAdapter[] = [new FindingSource()];

  const store = openStateStore(settings.stateStore);
  const engine = new SyncEngine({
    rules,
    targets,
    writebacks,
    store,
    logger: logger.child({ component: 'sync' }),
    metrics,
    onResult: hooks.onResult,
  });

  // Before the first message: a lost link store is rebuilt, so it cannot cause duplicate tickets.
  await engine.rebuildMissingLinks();

  const consumer = new SqsConsumer({
    queueUrl: settings.queueUrl,
    sqs: new SQSClient({ region: settings.region }),
    handler: createEventHandler({ adapters, engine, logger, metrics }),
    concurrency: settings.concurrency,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    waitTimeSeconds: settings.waitTimeSeconds,
    drainTimeoutMs: settings.shutdownTimeoutMs,
    logger,
  });

  metrics.observeInFlight(() => consumer.stats.inFlight);
  consumer.on('processing_error', () => metrics.failedMessages.inc({ reason: 'sync-failed' }));
  consumer.on('malformed_message', () => metrics.failedMessages.inc({ reason: 'malformed' }));

  return {
    rules,
    engine,
    consumer,
    store,
    serviceNow,
    async stop() {
      await consumer.stop();
      await store.close();
    },
  };
}
