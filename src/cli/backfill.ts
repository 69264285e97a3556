import Table from 'cli-table3';

import { CiRetirement } from '../cmdb/ci-retirement.js';
import { ConfigReconciler, type ReconcileSummary } from '../cmdb/config-reconciler.js';
import { connectorForCommand, type CommandOutput } from './command-connector.js';
import { loadSettings } from './settings.js';
import { createConfigClientProvider } from '../writeback/config-client.js';

/** Output streams of the command: the process's own unless a test passes others. */
export type BackfillOutput = CommandOutput;

/**
 * Run one reconcile pass of the CMDB against the AWS Config inventory of the configured account and
 * Region (AWS_ACCOUNT_ID, AWS_REGION), or of the aggregator CONFIG_AGGREGATOR_NAME (every account and
 * Region it collects): missing CIs are created, changed ones updated, and CIs whose
 * resource is gone retired. It uses the daemon's settings and mappings. Progress goes to stderr,
 * the summary to stdout. Returns the exit code: 1 when the inventory could not be read completely,
 * in which case nothing was retired.
 */
export async function runBackfill(env: NodeJS.ProcessEnv, output: BackfillOutput = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // A backfill reads AWS Config, not the queue, so SQS_QUEUE_URL may be left out.
  const settings = loadSettings(env, output.stderr, {
    queue: 'optional',
    accountRequiredFor: 'backfill needs the 12-digit id of the account whose AWS Config inventory it reads, and whose CIs it may retire',
  });
  // A missing account id is among the problems loadSettings has printed.
  if (settings?.accountId === undefined) return 1;

  const opened = await connectorForCommand(settings, output);
  if (opened === undefined) return 1;
  const { connector, logger } = opened;

  try {
    const reconciler = new ConfigReconciler({
      engine: connector.engine,
      store: connector.store,
      targets: connector.targets,
      configClients: createConfigClientProvider({ logger }),
      account: settings.accountId,
      region: settings.region,
      aggregator: settings.configAggregator,
      concurrency: settings.concurrency,
      retirement: new CiRetirement({ engine: connector.engine, targets: connector.targets, logger }),
      logger,
      onProgress: (progress) =>
        output.stderr.write(`backfill: ${progress.read} items read (${progress.resourceType}), ${progress.perSecond.toFixed(1)} items/s\n`),
    });
    const summary = await reconciler.run();
    const scope = settings.configAggregator === undefined ? `account ${settings.accountId} in ${settings.region}` : `aggregator ${settings.configAggregator}`;
    output.stdout.write(formatSummary(summary, scope));
    return summary.failed > 0 ? 1 : 0;
  } catch (error) {
    // An incomplete inventory read (IncompleteInventoryError) stops the pass before any retirement.
    output.stderr.write(`backfill stopped: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await connector.stop();
  }
}

function formatSummary(summary: ReconcileSummary, scope: string): string {
  const table = new Table({ head: ['Measure', 'Count'], style: { head: [], border: [] } });
  table.push(['Resource types read', String(summary.resourceTypes.length)], ['Resources listed by AWS Config', String(summary.discovered)]);
  for (const [outcome, count] of Object.entries(summary.outcomes).sort()) table.push([`  ${outcome}`, String(count)]);
  table.push(['Account and Region CIs synced (never retired)', String(summary.placements)]);
  table.push(['Sync failures (tried again by the next event or pass)', String(summary.failed)], ['CIs retired (resource gone)', String(summary.retired)]);
  const rate = summary.seconds > 0 ? (summary.discovered / summary.seconds).toFixed(1) : '-';
  return `Backfill of ${scope}, in ${summary.seconds.toFixed(1)} s (${rate} resources/s):\n${table.toString()}\n`;
}
