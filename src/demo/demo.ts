import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildConnector } from '../app/connector.js';
import { readSettings } from '../config/env.js';
import type { ChangedTicket, SourceRecord } from '../core/types.js';
import { createLogger } from '../ops/logger.js';
import { SyncMetrics } from '../ops/metrics.js';
import type { ReverseResult } from '../reverse/reverse-sync.js';
import { applyEnvironment, startLocalStack } from '../simulators/local-stack.js';
import type { ServiceNowSimulator, SimulatorSnapshot } from '../simulators/servicenow/server.js';
import type { SyncResult } from '../sync/engine.js';
import { runChangeApproval, type ChangeApprovalReport } from './change-approval.js';
import { DemoPrinter, type TextOutput } from './report.js';
import { DemoSampleError, loadFindingSamples, loadOpsItemSamples, type DemoSample } from './samples.js';
import { linkedRecords, runTimeline, type TimelineEntry } from './timeline.js';
import { StackTraffic, type WriteCounts } from './traffic.js';
import { runWayBack, type WayBackReport } from './way-back.js';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EVENTS_DIR = join(PACKAGE_ROOT, 'src/demo/events');
const OPSITEMS_DIR = join(PACKAGE_ROOT, 'src/demo/opsitems');

export interface DemoOptions {
  /** Folder for the SQLite state and the ServiceNow records, kept between runs. */
  dataDir: string;
  /** Delete `dataDir` first, so the run starts as the first one. */
  fresh: boolean;
  /** Log level of the connector (pino level name). */
  logLevel: string;
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
  writes: { timeline: WriteCounts; wayBack: WriteCounts; changeApproval: WriteCounts };
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

/**
 * Runs the demo and prints it. Returns the exit code: 1, with the error on stderr, when a sample
 * file or the saved state cannot be used.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  try {
    await playDemo(options);
    return 0;
  } catch (error) {
    if (error instanceof DemoSampleError || error instanceof DemoStateError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * Runs the real connector against local stand-ins: an SQS server on loopback, and simulators of the
 * ServiceNow Table API, Security Hub and OpsCenter (SSM). Every event the AWS simulators emit goes to
 * the queue, as the EventBridge rules send them, so the echo of the connector's own writes comes
 * back too. The run has three parts:
 *
 * 1. Timeline: sample findings go through the real SQS client, and sample OpsItems are created,
 *    which sends their OpsItem Create events.
 * 2. Way back: a person resolves incidents in ServiceNow, and one change poll carries that to AWS.
 * 3. Change approval: a change request filed in Change Manager becomes a ServiceNow change, a CAB
 *    member approves it, one change poll sends the Approve signal, and the runbook's end closes it.
 *
 * The state (SQLite file and the simulated ServiceNow records) stays in `dataDir`, so a second run
 * shows that re-delivered samples create no new incidents. The AWS simulators start empty each run,
 * so each run files a new change request, which gets a change of its own.
 */
export async function playDemo(options: DemoOptions): Promise<DemoReport> {
  const dataDir = resolve(options.dataDir);
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const serviceNowFile = join(dataDir, 'servicenow-records.json');
  const printer = new DemoPrinter(options.output);

  // Everything read from files is checked before any server starts.
  const findingSamples = loadFindingSamples(EVENTS_DIR);
  const opsItemSamples = loadOpsItemSamples(OPSITEMS_DIR);
  const samples: DemoSample[] = [...findingSamples, ...opsItemSamples];
  const earlierRecords = readServiceNowRecords(serviceNowFile);

  const stateStore = `sqlite:${join(dataDir, 'state.db')}`;
  const stack = await startLocalStack({
    queueName: 'itsm-sync-demo',
    mappingsDir: join(PACKAGE_ROOT, 'mappings'),
    stateStore,
    logLevel: options.logLevel,
    forwardAwsEvents: true,
  });
  const restoreEnvironment = applyEnvironment(stack.env);
  const syncResults: Array<{ record: SourceRecord; result: SyncResult }> = [];
  const reverseResults: Array<{ ticket: ChangedTicket; result: ReverseResult }> = [];
  let connector: Awaited<ReturnType<typeof buildConnector>> | undefined;
  // Saving before the earlier records are restored would overwrite them with an empty instance.
  let saveServiceNowRecords = false;

  try {
    if (earlierRecords) restoreServiceNowRecords(stack.serviceNow, earlierRecords, serviceNowFile);
    saveServiceNowRecords = true;
    const incidentsBefore = stack.serviceNow.records('incident').length;
    const earlierRun = incidentsBefore > 0;
    if (earlierRun) printer.earlierRun(dataDir);

    // The demo runs the change poll itself, once after jane.doe's edits and once after the approval.
    const settings = readSettings({ ...stack.env, SERVICENOW_POLL_INTERVAL_SECONDS: '0' });
    connector = await buildConnector(settings, createLogger(settings.logLevel), new SyncMetrics(), {
      onResult: (record, result) => syncResults.push({ record, result }),
      onReverseResult: (ticket, result) => reverseResults.push({ ticket, result }),
    });
    const traffic = new StackTraffic(stack);
    connector.consumer.start();

    const timeline = await runTimeline({ stack, traffic, takeSyncResults: () => syncResults.splice(0) }, samples);
    const timelineWrites = traffic.writes();
    printer.timeline(timeline, { findingEvents: findingSamples.length, opsItems: opsItemSamples.length });

    const wayBack = await runWayBack({
      stack,
      connector,
      traffic,
      records: linkedRecords(timeline),
      takeSyncResults: () => syncResults.splice(0),
      takeReverseResults: () => reverseResults.splice(0),
    });
    printer.wayBack(wayBack);

    const changeApproval = await runChangeApproval({
      stack,
      connector,
      traffic,
      stateStore,
      takeSyncResults: () => syncResults.splice(0),
      takeReverseResults: () => reverseResults.splice(0),
    });
    printer.changeApproval(changeApproval);

    const writes = { timeline: timelineWrites, wayBack: wayBack.writes, changeApproval: changeApproval.writes };
    const echoOutcomes = [...timeline.flatMap((entry) => entry.echoes.map((echo) => echo.outcome)), ...wayBack.echoes.map(({ result }) => result.outcome)];
    printer.writes(writes, echoOutcomes);

    const incidentsTotal = stack.serviceNow.records('incident').length;
    printer.summary({ created: incidentsTotal - incidentsBefore, total: incidentsTotal, earlierRun });
    return { earlierRun, timeline, wayBack, changeApproval, writes, incidentsCreated: incidentsTotal - incidentsBefore, incidentsTotal };
  } finally {
    await connector?.stop();
    // Saved after a failure too, so the ServiceNow records match the links in the state store.
    if (saveServiceNowRecords) writeFileSync(serviceNowFile, JSON.stringify(stack.serviceNow.snapshot(), null, 2));
    await stack.stop();
    restoreEnvironment();
  }
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
