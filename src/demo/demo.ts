import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { JiraDeployment } from '../simulators/jira/index.js';
import type { ServiceNowSimulator, SimulatorSnapshot } from '../simulators/servicenow/server.js';
import { runChangeApproval, type ChangeApprovalReport } from './change-approval.js';
import { DemoFailedError, failuresOf } from './checks.js';
import { requireDeletedResource, runConfigurationItems, type ConfigurationItemsReport } from './configuration-items.js';
import { formatCmdbInventory, formatConfigurationItems, SERVICENOW_CMDB_LAYOUT } from './configuration-items-report.js';
import { playJiraDemo } from './jira-demo.js';
import { DemoPrinter, timelineHeading, type TextOutput } from './report.js';
import { DemoSampleError, loadDemoSamples, loadResourceSamples, PACKAGE_ROOT, SAMPLE_DIRS } from './samples.js';
import { ServiceNowDemoTarget } from './servicenow-demo-target.js';
import { runDemoSession } from './session.js';
import { linkedRecords, runTimeline, type TimelineEntry } from './timeline.js';
import type { WriteCounts } from './traffic.js';
import { runWayBack, type WayBackReport } from './way-back.js';

/** The ITSM systems the demo runs against. */
export const DEMO_TARGETS = ['servicenow', 'jira'] as const;
export type DemoTargetSystem = (typeof DEMO_TARGETS)[number];

export interface DemoOptions {
  /**
   * Folder for the SQLite state and the ServiceNow records, kept between runs. The Jira demo
   * starts over in its subfolder `jira-<deployment>` each run.
   */
  dataDir: string;
  /** Delete `dataDir` first, so the run starts as the first one. */
  fresh: boolean;
  /** Log level of the connector (pino level name). */
  logLevel: string;
  /** The system the samples are synced to. Default `servicenow`. */
  target?: DemoTargetSystem;
  /** Jira Cloud or Data Center, with `target: 'jira'`. Default `cloud`. */
  deployment?: JiraDeployment;
  /** Destination of the printed tables, `process.stdout` by default. */
  output?: TextOutput;
}

/** Results of one demo run, as printed. */
export interface DemoReport {
  /** True when the run continued the ServiceNow records of an earlier run. */
  earlierRun: boolean;
  timeline: TimelineEntry[];
  wayBack: WayBackReport;
  changeApproval: ChangeApprovalReport;
  configurationItems: ConfigurationItemsReport;
  writes: { timeline: WriteCounts; wayBack: WriteCounts; changeApproval: WriteCounts; configurationItems: WriteCounts };
  incidentsCreated: number;
  incidentsTotal: number;
}

/** The ServiceNow records of earlier runs cannot be read from the data folder. */
export class DemoStateError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`Cannot read the ServiceNow records of earlier demo runs from ${file}: ${problem}. Run the demo with --fresh to start over.`);
    this.name = 'DemoStateError';
  }
}

/** The demo's data folder cannot be used. */
export class DemoDataFolderError extends Error {
  constructor(
    readonly folder: string,
    problem: string,
  ) {
    super(`Cannot use ${folder} as the demo's data folder: ${problem}.`);
    this.name = 'DemoDataFolderError';
  }
}

/**
 * Runs the demo against the chosen target and prints it. Returns the exit code: 0 when every part
 * did what the demo shows, otherwise 1 with the reason on stderr. The reason is a sample file or
 * saved state that cannot be used, a part of the story that did not happen, or a failed run.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  try {
    const dataDir = resolve(options.dataDir);
    if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
      throw new DemoDataFolderError(dataDir, 'it is a file. Pass --data-dir a folder, or remove the file');
    }

    if (options.target === 'jira') {
      await playJiraDemo({ ...options, deployment: options.deployment ?? 'cloud' });
    } else {
      await playDemo(options);
    }
    return 0;
  } catch (error) {
    if (error instanceof DemoSampleError || error instanceof DemoStateError || error instanceof DemoDataFolderError || error instanceof DemoFailedError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`The demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    return 1;
  }
}

/**
 * Runs the real connector against local stand-ins: an SQS server on loopback, and simulators of the
 * ServiceNow Table API, Security Hub, OpsCenter (SSM) and AWS Config. Every event the AWS
 * simulators emit goes to the queue, as the EventBridge rules send them, so the echo of the
 * connector's own writes comes back too. The run has four parts:
 *
 * 1. Timeline: sample findings go through the real SQS client, and sample OpsItems are created,
 *    which sends their OpsItem Create events.
 * 2. Way back: a person resolves incidents in ServiceNow, and one change poll carries that to AWS.
 * 3. Change approval: a change request filed in Change Manager becomes a ServiceNow change, a CAB
 *    member approves it, one change poll sends the Approve signal, and the runbook's end closes it.
 * 4. Configuration items: AWS Config records the sample resources, which become CIs in their
 *    class tables with cmdb_rel_ci relationships and CIs for their account and Region, then the
 *    deletion of the instance, whose CI is retired (install_status 7).
 *
 * The state (SQLite file and the simulated ServiceNow records, CIs included) stays in `dataDir`, so
 * a second run shows that re-delivered samples create no new incident or CI. The AWS simulators
 * start empty each run, so each run files a new change request, which gets a change of its own.
 * For the same reason each run records the deleted instance as running again. That reinstalls its
 * retired CI until the deletion retires it again.
 *
 * Throws DemoFailedError, after printing, when the change approval stopped early or made a
 * duplicate, or when a CI is missing, not retired after the deletion, or made twice.
 */
export async function playDemo(options: DemoOptions): Promise<DemoReport> {
  const dataDir = resolve(options.dataDir);
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const serviceNowFile = join(dataDir, 'servicenow-records.json');

  // Everything read from files is checked before any server starts.
  const samples = loadDemoSamples();
  const resources = loadResourceSamples(SAMPLE_DIRS.resources);
  requireDeletedResource(resources, SAMPLE_DIRS.resources);
  const earlierRecords = readServiceNowRecords(serviceNowFile);
  // Links without the records they point to would make every later run fail on missing incidents.
  const stateFile = join(dataDir, 'state.db');
  if (!earlierRecords && existsSync(stateFile)) {
    throw new DemoStateError(serviceNowFile, `the file is missing, while ${stateFile} contains the links of an earlier run (was that run killed?)`);
  }
  // Saving before the earlier records are restored would overwrite them with an empty instance.
  let saveServiceNowRecords = false;

  const report = await runDemoSession(
    {
      mappingsDir: join(PACKAGE_ROOT, 'mappings'),
      stateStore: `sqlite:${stateFile}`,
      logLevel: options.logLevel,
      createTarget: (stack) => new ServiceNowDemoTarget(stack.serviceNow),
    },
    {
      prepare(stack) {
        if (earlierRecords) restoreServiceNowRecords(stack.serviceNow, earlierRecords, serviceNowFile);
        saveServiceNowRecords = true;
      },
      async play(session): Promise<DemoReport> {
        const printer = new DemoPrinter(session.target, options.output);
        const incidentsBefore = session.target.ticketCount();
        const earlierRun = incidentsBefore > 0;
        if (earlierRun) printer.earlierRun(dataDir);

        const timeline = await runTimeline(session, samples.all);
        const timelineWrites = session.traffic.writes();
        printer.timeline(timeline, timelineHeading(samples.counts));

        // The demo runs the change poll itself, once after jane.doe's edits and once after the approval.
        const wayBack = await runWayBack(session, linkedRecords(timeline));
        printer.wayBack(wayBack);

        const changeApproval = await runChangeApproval(session);
        printer.changeApproval(changeApproval);

        const configurationItems = await runConfigurationItems(session, resources);
        const cmdbName = session.target.cmdbName ?? session.target.name;
        printer.text(formatConfigurationItems(configurationItems, cmdbName, SERVICENOW_CMDB_LAYOUT));
        printer.text(formatCmdbInventory(configurationItems, cmdbName, earlierRun));

        const writes = { timeline: timelineWrites, wayBack: wayBack.writes, changeApproval: changeApproval.writes, configurationItems: configurationItems.writes };
        const echoOutcomes = [...timeline.flatMap((entry) => entry.echoes.map((echo) => echo.outcome)), ...wayBack.echoes.map(({ result }) => result.outcome)];
        printer.writes(writes, echoOutcomes);

        const incidentsTotal = session.target.ticketCount();
        const { inventory } = configurationItems;
        printer.summary({
          created: incidentsTotal - incidentsBefore,
          total: incidentsTotal,
          earlierRun,
          configurationItems: inventory && { created: inventory.after - inventory.before, total: inventory.after, retired: inventory.retired },
        });
        return { earlierRun, timeline, wayBack, changeApproval, configurationItems, writes, incidentsCreated: incidentsTotal - incidentsBefore, incidentsTotal };
      },
      finish(stack) {
        // Saved after a failure too, so the ServiceNow records match the links in the state store.
        if (saveServiceNowRecords) writeFileSync(serviceNowFile, JSON.stringify(stack.serviceNow.snapshot(), null, 2));
      },
    },
  );

  const failures = failuresOf({ changeApproval: report.changeApproval, configurationItems: report.configurationItems, ticketNoun: 'incident' });
  if (failures.length > 0) throw new DemoFailedError(failures);
  return report;
}

function readServiceNowRecords(file: string): SimulatorSnapshot | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SimulatorSnapshot;
  } catch (error) {
    throw new DemoStateError(file, `not valid JSON (${(error as Error).message})`);
  }
}

function restoreServiceNowRecords(serviceNow: ServiceNowSimulator, snapshot: SimulatorSnapshot, file: string): void {
  try {
    serviceNow.restore(snapshot);
  } catch (error) {
    throw new DemoStateError(file, (error as Error).message);
  }
}
