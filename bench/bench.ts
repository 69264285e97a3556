/**
 * Benchmark of the finding-to-incident sync, run by `npm run bench`:
 *
 * 1. throughput: N distinct failed findings are queued, then the connector syncs them all
 *    (incident created, finding written back), against the ServiceNow simulator with a response
 *    time of 0 ms and of 50 ms;
 * 2. ServiceNow calls per event in a replay where 80% of the events repeat an unchanged finding,
 *    10% are new findings and 10% change a finding's severity;
 * 3. peak resident set size of the process over the whole run.
 *
 * The SQS server (fauxqs), both simulators and the sending of events run in a child process, as
 * remote services would, so the CPU and memory figures are the connector's own. Results are printed as a table and JSON.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

import { buildConnector, type Connector } from '../src/app/connector.js';
import { readSettings } from '../src/config/env.js';
import { createLogger } from '../src/ops/logger.js';
import { SyncMetrics } from '../src/ops/metrics.js';
import { interceptLocalhostDns } from 'fauxqs';

import { resolveLocalhostNames } from '../src/simulators/local-queue.js';
import { applyEnvironment } from '../src/simulators/local-stack.js';
import type { StackRequest } from './stack-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const TEMPLATE = JSON.parse(readFileSync(join(ROOT, 'src/demo/events/1-s3-public-access-failed.asff.json'), 'utf8'));

const THROUGHPUT_FINDINGS = Number(process.env.BENCH_FINDINGS ?? 2000);
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

type Event = Record<string, any>;

// Queue URLs of the local SQS server are named sqs.<region>.localhost.
resolveLocalhostNames(interceptLocalhostDns);

/** Build an ASFF event for finding number `index`, with the given severity and update time. */
function findingEvent(index: number, severity = 'HIGH', minute = 0): Event {
  const event = structuredClone(TEMPLATE) as Event;
  const finding = event.detail.findings[0];
  event.id = crypto.randomUUID();
  finding.Id = `${finding.Id.replace(/\/finding\/.*/, '')}/finding/bench-${String(index).padStart(6, '0')}`;
  finding.Severity = { Label: severity, Original: severity };
  finding.UpdatedAt = new Date(Date.UTC(2025, 2, 10, 14, minute)).toISOString();
  return event;
}

/** CPU time per wall-clock second of the last timed pass, of this process and of the stack's. */
const cpuShare = { connector: 0, stack: 0 };

/** Peak RSS, sampled every 20 ms. */
const memory = {
  peakRss: process.memoryUsage().rss,
  timer: setInterval(() => {
    memory.peakRss = Math.max(memory.peakRss, process.memoryUsage().rss);
  }, 20),
};

/** The child process that runs the local stack, with a request/response call over IPC. */
class StackProcess {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();

  constructor() {
    this.child = fork(join(ROOT, 'bench/stack-process.ts'), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  }

  call<T = any>(request: StackRequest): Promise<T> {
    const id = (this.nextId += 1);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, request });
    });
  }
}

interface Setup {
  stack: StackProcess;
  connector: Connector;
  synced: { count: number };
  restoreEnvironment: () => void;
  dataDir: string;
}

async function setUp(serviceNowLatencyMs: number): Promise<Setup> {
  const dataDir = mkdtempSync(join(tmpdir(), 'itsm-sync-bench-'));
  const stack = new StackProcess();
  const { env } = await stack.call<{ env: Record<string, string> }>({
    type: 'start',
    serviceNowLatencyMs,
    mappingsDir: join(ROOT, 'mappings'),
    stateStore: `sqlite:${join(dataDir, 'state.db')}`,
  });
  const restoreEnvironment = applyEnvironment(env);

  const settings = readSettings({ ...env, SYNC_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error' });
  const synced = { count: 0 };
  const connector = await buildConnector(settings, createLogger(settings.logLevel), new SyncMetrics(), {
    onResult: () => (synced.count += 1),
  });
  return { stack, connector, synced, restoreEnvironment, dataDir };
}

async function tearDown(setup: Setup): Promise<void> {
  await setup.connector.stop();
  await setup.stack.call({ type: 'stop' });
  setup.restoreEnvironment();
  rmSync(setup.dataDir, { recursive: true, force: true });
}

/** Queue every event first, then time the connector from start until it synced them all. */
async function timeSync(setup: Setup, events: Event[]): Promise<number> {
  await setup.stack.call({ type: 'seed', findings: events.map((event) => event.detail.findings[0]) });

  // The consumer may already run (the replay's second pass), so count from before the send.
  const target = setup.synced.count + events.length;
  await setup.stack.call({ type: 'send', bodies: events });

  const started = performance.now();
  const connectorCpuBefore = process.cpuUsage();
  const stackCpuBefore = await setup.stack.call<NodeJS.CpuUsage>({ type: 'cpu-usage' });
  setup.connector.consumer.start();
  while (setup.synced.count < target) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  const connectorCpu = process.cpuUsage(connectorCpuBefore);
  const stackCpu = await setup.stack.call<NodeJS.CpuUsage>({ type: 'cpu-usage' });
  cpuShare.connector = (connectorCpu.user + connectorCpu.system) / 1e6 / seconds;
  cpuShare.stack = (stackCpu.user + stackCpu.system - stackCpuBefore.user - stackCpuBefore.system) / 1e6 / seconds;

  await setup.stack.call({ type: 'wait-until-empty' });
  return seconds;
}

async function measureThroughput(latencyMs: number): Promise<{ findingsPerSecond: number; seconds: number; cpu: typeof cpuShare }> {
  const setup = await setUp(latencyMs);
  try {
    const events = Array.from({ length: THROUGHPUT_FINDINGS }, (_, index) => findingEvent(index));
    const seconds = await timeSync(setup, events);

    const { incidents } = await setup.stack.call<{ incidents: number }>({ type: 'count-incidents' });
    if (incidents !== THROUGHPUT_FINDINGS) throw new Error(`expected ${THROUGHPUT_FINDINGS} incidents, found ${incidents}`);
    return { findingsPerSecond: THROUGHPUT_FINDINGS / seconds, seconds, cpu: { ...cpuShare } };
  } finally {
    await tearDown(setup);
  }
}

/**
 * Replay: a warm-up creates `known` incidents. Then REPLAY_EVENTS events arrive: 80% repeat a
 * known finding unchanged, 10% are new findings, and 10% raise a known finding's severity.
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

    // The client's own count of Table API requests, retries included.
    const callsBefore = setup.connector.serviceNow!.calls;
    await timeSync(setup, events);
    const calls = setup.connector.serviceNow!.calls - callsBefore;
    return { callsPerEvent: calls / REPLAY_EVENTS, calls, events: REPLAY_EVENTS };
  } finally {
    await tearDown(setup);
  }
}

// BENCH_ONLY=fast runs the 0 ms pass alone, for profiling with --cpu-prof.
const only = process.env.BENCH_ONLY;
const fast = await measureThroughput(0);
const slow = only === 'fast' ? fast : await measureThroughput(50);
const replay = only === 'fast' ? { callsPerEvent: NaN, calls: 0, events: 0 } : await measureReplay();
clearInterval(memory.timer);
const peakRssMb = memory.peakRss / 1024 / 1024;

const rows: Array<[string, string, string]> = [
  [`Throughput, ServiceNow at 0 ms (${THROUGHPUT_FINDINGS} findings)`, `${fast.findingsPerSecond.toFixed(0)} findings/s`, '>= 500'],
  [`Throughput, ServiceNow at 50 ms (${THROUGHPUT_FINDINGS} findings)`, `${slow.findingsPerSecond.toFixed(0)} findings/s`, '>= 200'],
  [`ServiceNow calls per event, replay of ${replay.events} (80% unchanged)`, replay.callsPerEvent.toFixed(3), '<= 0.3'],
  ['Peak RSS of the connector process', `${peakRssMb.toFixed(0)} MB`, '< 200 MB'],
];

process.stdout.write(`\nitsm-sync benchmark: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, concurrency ${CONCURRENCY}\n\n`);
process.stdout.write('| Measure | Result | Target |\n| --- | --- | --- |\n');
for (const [measure, result, target] of rows) process.stdout.write(`| ${measure} | ${result} | ${target} |\n`);
process.stdout.write(`\n${JSON.stringify({ fast, slow, replay, peakRssMb, concurrency: CONCURRENCY })}\n`);
