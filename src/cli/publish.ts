import Table from 'cli-table3';

import { describePublication } from '../app/connector.js';
import { ConfigPublisher, type PublicationSummary } from '../cmdb/config-publisher.js';
import { createConfigClientProvider } from '../writeback/config-client.js';
import { connectorForCommand, type CommandOutput } from './command-connector.js';
import { loadSettings } from './settings.js';

/**
 * Run one pass of every publication in the mappings folder: CMDB records become AWS Config custom
 * resources in AWS_REGION, and resources whose record is retired or gone are removed. With
 * `dryRun`, count what would change and write nothing. Progress goes to stderr, the summary to
 * stdout. Returns the exit code: 1 when a publication stopped or a record failed.
 */
export async function runPublish(env: NodeJS.ProcessEnv, options: { dryRun?: boolean } = {}, output: CommandOutput = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // A publication pass reads the CMDB, not the queue, so SQS_QUEUE_URL may be left out.
  const settings = loadSettings(env, output.stderr, { queue: 'optional' });
  if (settings === undefined) return 1;

  const opened = await connectorForCommand(settings, output);
  if (opened === undefined) return 1;
  const { connector, logger } = opened;

  try {
    if (connector.publications.length === 0) {
      output.stderr.write(`No publication in ${settings.mappingsDir}: add a mapping file with kind: publication (see docs/mappings.md, "Publishing CMDB records to AWS Config").\n`);
      return 1;
    }

    const publisher = new ConfigPublisher({
      publications: connector.publications,
      targets: connector.targets,
      configClients: createConfigClientProvider({ logger }),
      region: settings.region,
      account: settings.accountId ?? '',
      logger,
      dryRun: options.dryRun,
      onProgress: (progress) => output.stderr.write(`publish: ${progress.publication}: ${progress.read} records read, ${progress.perSecond.toFixed(1)} records/s\n`),
    });
    const summaries = await publisher.run();
    output.stdout.write(formatSummaries(summaries, settings.region, options.dryRun === true));
    for (const summary of summaries.filter((candidate) => candidate.stopped !== undefined)) output.stderr.write(`${describePublication(summary)}\n`);
    return summaries.some((summary) => summary.stopped !== undefined || summary.failed > 0) ? 1 : 0;
  } finally {
    await connector.stop();
  }
}

function formatSummaries(summaries: PublicationSummary[], region: string, dryRun: boolean): string {
  const table = new Table({ head: ['Publication', 'Resource type', 'Read', 'Created', 'Updated', 'Unchanged', 'Removed', 'Failed', 'Seconds'], style: { head: [], border: [] } });
  for (const summary of summaries) {
    const counts = [summary.read, summary.created, summary.updated, summary.unchanged, summary.removed, summary.failed].map(String);
    table.push([summary.stopped === undefined ? summary.publication : `${summary.publication} (stopped)`, summary.resourceType, ...counts, summary.seconds.toFixed(1)]);
  }
  const heading = dryRun ? `Dry run: what publishing to AWS Config in ${region} would do (nothing was written)` : `Published to AWS Config in ${region}`;
  const removals = summaries.flatMap((summary) =>
    summary.removals.map((removal) => `  ${dryRun ? 'would remove' : 'removed'} ${summary.resourceType} ${removal.resourceId}: ${removal.reason}`),
  );
  const listed = removals.length === 0 ? '' : `${dryRun ? 'Resources the pass would remove' : 'Resources removed'}:\n${removals.join('\n')}\n`;
  return `${heading}:\n${table.toString()}\n${listed}`;
}
