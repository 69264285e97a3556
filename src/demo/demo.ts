import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Table from 'cli-table3';

import { buildConnector } from '../app/connector.js';
import { readSettings } from '../config/env.js';
import type { SourceRecord } from '../core/types.js';
import { createLogger } from '../ops/logger.js';
import { SyncMetrics } from '../ops/metrics.js';
import { applyEnvironment, startLocalStack, type SecurityHubSimulator } from '../simulators/local-stack.js';
import type { FindingView } from '../sources/securityhub/finding-view.js';
import type { SyncResult } from '../sync/engine.js';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EVENTS_DIR = join(PACKAGE_ROOT, 'src/demo/events');

interface DemoOptions {
  dataDir: string;
  fresh: boolean;
  logLevel: string;
}

interface DemoEvent {
  file: string;
  /** Send the event wrapped in an SNS notification, as a queue subscribed to a topic gets it. */
  viaSns: boolean;
  body: Record<string, unknown>;
}

/**
 * Run the real connector against local stand-ins: an SQS server on loopback, and simulators of the
 * ServiceNow Table API and the Security Hub API. Sample findings go through the real SQS client.
 * The state (SQLite file and the simulated ServiceNow records) stays in `dataDir`, so a second run
 * shows that re-delivered findings create no new incidents.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const dataDir = resolve(options.dataDir);
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const serviceNowFile = join(dataDir, 'servicenow-records.json');

  const events = loadDemoEvents();
  const stack = await startLocalStack({
    queueName: 'itsm-sync-demo',
    mappingsDir: join(PACKAGE_ROOT, 'mappings'),
    stateStore: `sqlite:${join(dataDir, 'state.db')}`,
    logLevel: options.logLevel,
  });
  const { queue, serviceNow, securityHub } = stack;
  seedSecurityHub(securityHub, events);
  if (existsSync(serviceNowFile)) serviceNow.restore(JSON.parse(readFileSync(serviceNowFile, 'utf8')));
  const incidentsBefore = serviceNow.records('incident').length;
  const restoreEnvironment = applyEnvironment(stack.env);

  const results: Array<{ record: SourceRecord; result: SyncResult }> = [];
  const settings = readSettings(stack.env);
  const connector = await buildConnector(settings, createLogger(settings.logLevel), new SyncMetrics(), {
    onResult: (record, result) => results.push({ record, result }),
  });

  try {
    connector.consumer.start();

    // Events are sent one at a time, in order, so the table reads like a timeline and shows each
    // incident as it was right after the event.
    const rows: string[][] = [];
    for (const event of events) {
      const body = event.viaSns ? snsEnvelope(event.body) : event.body;
      await queue.send(body);
      await queue.waitUntilEmpty();
      rows.push(...results.splice(0).map((synced) => timelineRow(synced, event, serviceNow.records('incident'))));
    }

    const created = serviceNow.records('incident').length - incidentsBefore;
    printTimeline(rows, events.length);
    printSummary(created, serviceNow.records('incident').length, securityHub.calls.length, incidentsBefore > 0);

    writeFileSync(serviceNowFile, JSON.stringify(serviceNow.snapshot(), null, 2));
    return 0;
  } finally {
    await connector.stop();
    await stack.stop();
    restoreEnvironment();
  }
}

function loadDemoEvents(): DemoEvent[] {
  return readdirSync(EVENTS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      viaSns: file.includes('.ocsf.'),
      body: JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')) as Record<string, unknown>,
    }));
}

/** The Security Hub simulator must know the findings before it accepts updates to them. */
function seedSecurityHub(securityHub: SecurityHubSimulator, events: DemoEvent[]): void {
  for (const event of events) {
    const findings = (event.body.detail as { findings: unknown }).findings;
    if (event.body['detail-type'] === 'Findings Imported V2') {
      securityHub.seedOcsfFindings(findings as Parameters<SecurityHubSimulator['seedOcsfFindings']>[0]);
    } else {
      securityHub.seedFindings(findings as Parameters<SecurityHubSimulator['seedFindings']>[0]);
    }
  }
}

function snsEnvelope(event: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:itsm-sync-demo',
    Message: JSON.stringify(event),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
  };
}

function timelineRow(
  synced: { record: SourceRecord; result: SyncResult },
  event: DemoEvent,
  incidents: Array<Record<string, string>>,
): string[] {
  const { record, result } = synced;
  const view = record.view as unknown as FindingView;
  const incident = incidents.find((candidate) => candidate.number === result.ticket?.number);

  return [
    view.title,
    `${record.format.toUpperCase()}${event.viaSns ? ' via SNS' : ''}`,
    view.severity,
    result.outcome,
    result.ticket?.number ?? '-',
    incident?.urgency ?? '-',
    incident?.impact ?? '-',
    incident ? stateName(incident.state) : '-',
  ];
}

function printTimeline(rows: string[][], eventCount: number): void {
  const table = new Table({
    head: ['Finding', 'Format', 'Severity', 'Outcome', 'Incident', 'Urgency', 'Impact', 'State'],
    wordWrap: true,
    style: { head: [], border: [] },
    colWidths: [40, 10, 15, 18, 12, 9, 8, 10],
  });
  table.push(...rows);
  process.stdout.write(`\nSynced ${eventCount} sample events through SQS:\n${table.toString()}\n`);

  const outcomes = new Set(rows.map((row) => row[3] ?? ''));
  const legend = Object.entries(OUTCOME_MEANINGS).filter(([outcome]) => outcomes.has(outcome));
  process.stdout.write(`${legend.map(([outcome, meaning]) => `  ${outcome}: ${meaning}`).join('\n')}\n\n`);
}

const OUTCOME_MEANINGS: Record<string, string> = {
  created: 'a new incident was created and linked to the finding',
  updated: 'the linked incident got the fields that changed',
  unchanged: 'the finding is linked and nothing mapped changed, so nothing was written',
  resolved: 'the finding passed or was archived, so its incident was resolved',
  'not-created': 'the finding does not meet the creation conditions (severity, record state, workflow status)',
  'already-resolved': 'the incident is resolved and the finding still passes, so nothing was written',
  stale: 'the event is older than the state already synced, so it was dropped',
  reopened: 'the finding failed again within the reopen window, so its incident was reopened',
  recreated: 'the finding failed again after the reopen window, so a new incident references the old one',
};

function printSummary(created: number, total: number, writebacks: number, earlierRun: boolean): void {
  const lines = [
    `New incidents in this run: ${created}. Incidents in the ServiceNow simulator: ${total}.`,
    `Security Hub write-backs (Workflow NOTIFIED + Note, or OCSF Comment) in this run: ${writebacks}.`,
  ];
  lines.push(
    earlierRun
      ? 'This run re-delivered findings that were synced before: they matched their links, so no incident was created twice.'
      : 'Run `npm run demo` again: the same findings are re-delivered and create no new incidents.',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

const INCIDENT_STATES: Record<string, string> = { '1': 'New', '2': 'In Progress', '3': 'On Hold', '6': 'Resolved', '7': 'Closed', '8': 'Canceled' };

function stateName(state: string | undefined): string {
  return state ? (INCIDENT_STATES[state] ?? state) : '-';
}
