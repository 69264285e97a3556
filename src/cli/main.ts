import { Command, InvalidArgumentError } from 'commander';

import { readFileSync } from 'node:fs';

import { LOG_LEVELS } from '../config/env.js';
import type { JiraDeployment } from '../targets/jira/client.js';
import { parseSince, runDecisions } from './decisions.js';
import { runDaemon } from './run.js';
import { DEMO_TARGETS, runDemo, type DemoTargetSystem } from '../demo/demo.js';
import { runBackfill } from './backfill.js';
import { runPreview, type PreviewOptions } from './preview.js';
import { runPublish } from './publish.js';
import { loadDotEnvFile } from './settings.js';
import { runValidate } from './validate.js';

const JIRA_DEPLOYMENTS: readonly JiraDeployment[] = ['cloud', 'datacenter'];

/**
 * The `itsm-sync` command line. Each command sets `process.exitCode` rather than exiting, so
 * pending log lines are flushed before the process ends.
 */
const program = new Command()
  .name('itsm-sync')
  .version(packageVersion())
  .description('Keeps Security Hub findings, OpsItems, AWS Config resources and change requests in sync with ServiceNow and Jira Service Management, both ways')
  .showHelpAfterError();

program
  .command('run')
  .description('run the sync daemon, configured by environment variables (see .env.example)')
  .action(async () => {
    process.exitCode = await runDaemon(process.env);
  });

program
  .command('demo')
  .description(
    'sync sample findings, OpsItems, a change request and AWS Config resources through a local SQS server and simulators of ServiceNow (or Jira), Security Hub, Systems Manager and AWS Config; ' +
      'resolve two tickets and approve the change in the ITSM system, and show AWS following. The resources become CIs in the ServiceNow CMDB, or objects in JSM Assets with --target jira',
  )
  .option('--target <system>', `ITSM system to sync to: ${DEMO_TARGETS.join(' or ')}`, parseChoice(DEMO_TARGETS), 'servicenow')
  .option('--deployment <deployment>', 'with --target jira: the Jira deployment to simulate, cloud or datacenter', parseChoice(JIRA_DEPLOYMENTS))
  .option('--data-dir <dir>', 'folder for the demo state, kept between ServiceNow runs', './data/demo')
  .option('--fresh', 'forget the state of earlier demo runs first', false)
  .option('--log-level <level>', 'log level of the connector during the demo', parseLogLevel, 'warn')
  .action(async (options: { target: DemoTargetSystem; deployment?: JiraDeployment; dataDir: string; fresh: boolean; logLevel: string }, command: Command) => {
    if (options.deployment !== undefined && options.target !== 'jira') {
      command.error('error: --deployment applies to the Jira demo only; add --target jira, or leave --deployment out');
    }
    process.exitCode = await runDemo(options);
  });

program
  .command('backfill')
  .description('bring the CMDB in line with the AWS Config inventory of AWS_ACCOUNT_ID in AWS_REGION, or of the aggregator CONFIG_AGGREGATOR_NAME: create missing CIs, update changed ones, retire those whose resource is gone; stops before retiring anything if a read fails')
  .action(async () => {
    process.exitCode = await runBackfill(process.env);
  });

program
  .command('publish')
  .description('publish CMDB records to AWS Config as custom resources, as the mappings with kind: publication declare: write new and changed records, remove retired and gone ones; with --dry-run, only count')
  .option('--dry-run', 'count what would be written and removed, and write nothing')
  .action(async (options: { dryRun?: boolean }) => {
    process.exitCode = await runPublish(process.env, { dryRun: options.dryRun });
  });

program
  .command('validate')
  .description('check every mapping file in a folder; exits 1 and lists each error with file, line and field')
  .argument('[dir]', 'mappings folder (default: MAPPINGS_DIR from the environment or .env, otherwise ./mappings)')
  .action(async (dir: string | undefined) => {
    // Read .env first, so validate checks the folder the daemon would load.
    loadDotEnvFile();
    process.exitCode = await runValidate(dir ?? process.env.MAPPINGS_DIR ?? './mappings', dir === undefined ? 'MAPPINGS_DIR' : 'the folder argument of validate');
  });

program
  .command('preview')
  .description('print the exact ITSM payload (ServiceNow Table API, Jira REST API, or JSM Assets attributes) that an event would produce under a mapping, or the AWS Config request a publication would send for a CMDB record, calling nothing')
  .requiredOption('--mapping <file>', 'mapping file (YAML)')
  .option('--event <file>', 'for sync rules: the EventBridge event (JSON), raw or wrapped in an SNS envelope')
  .option('--record <file>', 'for OpsItem events, which are only triggers: the OpsItem as GetOpsItem returns it (aws ssm get-ops-item --output json); for a publication: the CMDB record (JSON)')
  .option('--deployment <deployment>', 'for Jira mappings: cloud (REST API v3, text as ADF documents) or datacenter (REST API v2, wiki markup); default cloud', parseChoice(JIRA_DEPLOYMENTS))
  .action(async (options: PreviewOptions) => {
    process.exitCode = await runPreview(options);
  });

program
  .command('decisions')
  .description('list the approval decisions sent to AWS Automation executions (the audit trail in STATE_STORE)')
  .option('--json', 'print one JSON object a line instead of a table', false)
  .option('--since <time>', 'only decisions made at or after this ISO-8601 date or time, such as 2025-03-10T00:00:00Z', parseSinceOption)
  .action(async (options: { json: boolean; since?: string }) => {
    process.exitCode = await runDecisions(options, process.env);
  });

function parseSinceOption(value: string): string {
  try {
    return parseSince(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Returns a commander parser that accepts one of `choices`. */
function parseChoice<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
  };
}

function parseLogLevel(value: string): string {
  if (LOG_LEVELS.includes(value)) return value;
  throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}`);
}

function packageVersion(): string {
  const packageJson = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

await program.parseAsync(process.argv);
