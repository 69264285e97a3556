/**
 * Benchmark of the finding-to-incident sync, run by `npm run bench`:
 *
 * 1. throughput: N distinct failed findings are queued, then the connector syncs them all
 *    (incident created, finding written back), against the ServiceNow simulator answering at 0 ms
 *    and at 50 ms;
 * 2. ServiceNow calls per event in a replay where 80% of the events repeat an unchanged finding,
 *    10% are new findings and 10% change a finding's severity;
 * 3. peak resident set size of the process over the whole run.
 *
 * Everything runs in this process: the connector, the SQS server (fauxqs) and both simulators,
 * so the figures include their cost too. Results are printed as a table and as JSON.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

import { buildConnector, type Connector } from '../src/app/connector.js';
import { readSettings } from '../src/config/env.js';
import { createLogger } from '../src/ops/logger.js';
import { SyncMetrics } from '../src/ops/metrics.js';
import { applyEnvironment, startLocalStack, type LocalStack } from '../src/simulators/local-stack.js';

const ROOT = resolve(import.meta.dirname, '..');
const TEMPLATE = JSON.parse(readFileSync(join(ROOT, 'src/demo/events/1-s3-public-access-failed.asff.json'), 'utf8'));

const THROUGHPUT_FINDINGS = Number(process.env.BENCH_FINDINGS ?? 2000);
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

type Event = Record<string, any>;

/** An ASFF event for finding number `index`, with the given severity and update time. */
function findingEvent(index: number, severity = 'HIGH', minute = 0): Event {
  const event = structuredClone(TEMPLATE) as Event;
  const finding = event.detail.findings[0];
  event.id = crypto.randomUUID();
  finding.Id = `${finding.Id.replace(/\/finding\/.*/, '')}/finding/bench-${String(index).padStart(6, '0')}`;
  finding.Severity = { Label: severity, Original: severity };
  finding.UpdatedAt = new Date(Date.UTC(2025, 2, 10, 14, minute)).toISOString();
  return event;
}

/** Peak RSS, sampled every 20 ms. */
const memory = {
  peakRss: process.memoryUsage().rss,
  timer: setInterval(() => {
    memory.peakRss = Math.max(memory.peakRss, process.memoryUsage().rss);
  }, 20),
};

interface Setup {
  stack: LocalStack;
  connector: Connector;
  synced: { count: number };
  restoreEnvironment: () => void;
  dataDir: string;
}

async function setUp(serviceNowLatencyMs: number): Promise<Setup> {
  const dataDir = mkdtempSync(join(tmpdir(), 'itsm-sync-bench-'));
  const stack = await startLocalStack({
    queueName: `bench-${crypto.randomUUID().slice(0, 8)}`,
    serviceNowLatencyMs,
    mappingsDir: join(ROOT, 'mappings'),
    stateStore: `sqlite:${join(dataDir, 'state.db')}`,
    logLevel: 'error',
  });
  const restoreEnvironment = applyEnvironment(stack.env);

  const settings = readSettings({ ...stack.env, SYNC_CONCURRENCY: String(CONCURRENCY) });
  const synced = { count: 0 };
  const connector = await buildConnector(settings, createLogger('error'), new SyncMetrics(), {
    onResult: () => (synced.count += 1),
  });
  return { stack, connector, synced, restoreEnvironment, dataDir };
}

async function tearDown(setup: Setup): Promise<void> {
  await setup.connector.stop();
  await setup.stack.stop();
  setup.restoreEnvironment();
  rmSync(setup.dataDir, { recursive: true, force: true });
}

/** Queue every event first, then time the connector from start until it synced `expected` records. */
async function timeSync(setup: Setup, events: Event[]): Promise<number> {
  for (const event of events) {
    const finding = event.detail.findings[0];
    setup.stack.securityHub.seedFindings([{ ...finding }]);
  }
  await setup.stack.queue.sendMany(events);

  const target = setup.synced.count + events.length;
  const started = performance.now();
  setup.connector.consumer.start();
  while (setup.synced.count < target) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;

  await setup.stack.queue.waitUntilEmpty(60_000);
  return seconds;
}

async function measureThroughput(latencyMs: number): Promise<{ findingsPerSecond: number; seconds: number }> {
  const setup = await setUp(latencyMs);
  try {
    const events = Array.from({ length: THROUGHPUT_FINDINGS }, (_, index) => findingEvent(index));
    const seconds = await timeSync(setup, events);

    const incidents = setup.stack.serviceNow.records('incident').length;
    if (incidents !== THROUGHPUT_FINDINGS) throw new Error(`expected ${THROUGHPUT_FINDINGS} incidents, found ${incidents}`);
    return { findingsPerSecond: THROUGHPUT_FINDINGS / seconds, seconds };
  } finally {
    await tearDown(setup);
  }
}

/**
 * Replay: a warm-up creates `known` incidents; then REPLAY_EVENTS events arrive, 80% repeating a
 * known finding unchanged, 10% new findings and 10% raising a known finding's severity.
 */
async function measureReplay(): Promise<{ callsPerEvent: number; calls: number; events: number }> {
  const setup = await setUp(0);
  try {
    const known = Math.max(100, REPLAY_EVENTS / 4);
    await timeSync(setup, Array.from({ length: known }, (_, index) => findingEvent(index)));

    const events: Event[] = [];
    for (let index = 0; index < REPLAY_EVENTS; index += 1) {
      const slot = index % 10;
      if (slot < 8) events.push(findingEvent(index % known));
      else if (slot === 8) events.push(findingEvent(known + index));
      // Each change event raises a different known finding, so every one of them is a real change.
      else events.push(findingEvent(Math.floor(index / 10) % known, 'CRITICAL', 1));
    }

    const callsBefore = setup.stack.serviceNow.tableCalls();
    await timeSync(setup, events);
    const calls = setup.stack.serviceNow.tableCalls() - callsBefore;
    return { callsPerEvent: calls / REPLAY_EVENTS, calls, events: REPLAY_EVENTS };
  } finally {
    await tearDown(setup);
  }
}

const fast = await measureThroughput(0);
const slow = await measureThroughput(50);
const replay = await measureReplay();
clearInterval(memory.timer);
const peakRssMb = memory.peakRss / 1024 / 1024;

const rows: Array<[string, string, string]> = [
  [`Throughput, ServiceNow at 0 ms (${THROUGHPUT_FINDINGS} findings)`, `${fast.findingsPerSecond.toFixed(0)} findings/s`, '>= 500'],
  [`Throughput, ServiceNow at 50 ms (${THROUGHPUT_FINDINGS} findings)`, `${slow.findingsPerSecond.toFixed(0)} findings/s`, '>= 200'],
  [`ServiceNow calls per event, replay of ${replay.events} (80% unchanged)`, replay.callsPerEvent.toFixed(3), '<= 0.3'],
  ['Peak RSS of the whole process', `${peakRssMb.toFixed(0)} MB`, '< 200 MB'],
];

process.stdout.write(`\nitsm-sync benchmark: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, concurrency ${CONCURRENCY}\n\n`);
process.stdout.write('| Measure | Result | Target |\n| --- | --- | --- |\n');
for (const [measure, result, target] of rows) process.stdout.write(`| ${measure} | ${result} | ${target} |\n`);
process.stdout.write(`\n${JSON.stringify({ fast, slow, replay, peakRssMb, concurrency: CONCURRENCY })}\n`);
