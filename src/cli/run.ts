import { buildConnector, consumerOf } from '../app/connector.js';
import { loadSettings } from './settings.js';
import { runUntilSignal } from '../intake/run-until-signal.js';
import { createServiceNowWebhookRoute } from '../ingress/servicenow-webhook.js';
import { startHealthServer, type HttpRoute } from '../ops/health-server.js';
import { createLogger } from '../ops/logger.js';
import { SyncMetrics } from '../ops/metrics.js';
import { MappingValidationError } from '../rules/errors.js';
import type { SqsConsumer } from '../intake/sqs-consumer.js';

/**
 * Run the daemon until SIGTERM or SIGINT. Invalid settings or mappings stop start-up before any
 * message is received, with a message naming each problem. Returns the exit code.
 */
export async function runDaemon(env: NodeJS.ProcessEnv): Promise<number> {
  const settings = loadSettings(env, process.stderr);
  if (settings === undefined) return 1;

  const logger = createLogger(settings.logLevel);
  const metrics = new SyncMetrics();
  metrics.collectProcessMetrics();

  // The health endpoint responds from the start ("starting"), so that a long start-up (a large
  // instance's link rebuild) does not fail the container health check and get the task replaced.
  const routes: HttpRoute[] = [];
  let consumer: SqsConsumer | undefined;
  let lastPollAt = Date.now();
  let health;
  try {
    health = settings.healthPort
      ? await startHealthServer({
          port: settings.healthPort,
          metrics,
          health: {
            isStarting: () => consumer === undefined,
            isRunning: () => consumer?.isRunning ?? false,
            lastPollAt: () => lastPollAt,
            isBusy: () => (consumer?.stats.inFlight ?? 0) >= settings.concurrency,
          },
          routes,
          logger,
        })
      : undefined;
  } catch (error) {
    logger.fatal(
      { healthPort: settings.healthPort },
      `Could not serve the health endpoint on HEALTH_PORT ${settings.healthPort}: ${(error as Error).message}. Choose a free port, or 0 to turn it off.`,
    );
    return 1;
  }

  let connector;
  try {
    connector = await buildConnector(settings, logger, metrics);
  } catch (error) {
    // Start-up stops before any message is received, with a message that names what to fix.
    if (error instanceof MappingValidationError) {
      logger.fatal({ mappingsDir: settings.mappingsDir, problems: error.issues.length }, error.message);
    } else {
      logger.fatal({ errorName: (error as Error).name }, `itsm-sync could not start: ${(error as Error).message}`);
    }
    await health?.close();
    return 1;
  }

  // A completed receive, empty or not, shows that the poll loop is alive.
  const started = consumerOf(connector);
  started.on('empty', () => (lastPollAt = Date.now()));
  started.on('message_received', () => (lastPollAt = Date.now()));

  // The ServiceNow webhook shares the health port, so a task exposes one port.
  const webhook = connector.serviceNowWebhook;
  if (webhook !== undefined && settings.serviceNow?.webhookSecret !== undefined) {
    routes.push(
      createServiceNowWebhookRoute({
        secret: settings.serviceNow.webhookSecret,
        onNotification: (notification) => webhook.notify(notification),
        logger: logger.child({ component: 'webhook' }),
      }),
    );
  }
  if (routes.length > 0 && !settings.healthPort) {
    logger.warn('SERVICENOW_WEBHOOK_SECRET is set but HEALTH_PORT is 0, so the webhook is not served; the change poller still runs');
  }

  lastPollAt = Date.now();
  consumer = started;
  connector.poller.start();
  connector.reconcile?.start();
  connector.publish?.start();
  logger.info({ queueUrl: settings.queueUrl, healthPort: health?.port, concurrency: settings.concurrency, webhook: routes.length > 0 }, 'itsm-sync started');

  return runUntilSignal(started, logger, {
    exit: (code) => {
      // The consumer has drained; stop the way back, close what it was writing to, then end.
      void Promise.allSettled([connector.poller.stop(), connector.serviceNowWebhook?.drain(), connector.reconcile?.stop(), connector.publish?.stop(), health?.close()])
        .then(() => connector.store.close())
        .then(
          () => process.exit(code),
          () => process.exit(code),
        );
    },
  });
}
