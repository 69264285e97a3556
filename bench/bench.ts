/**
 * Benchmark of the finding-to-incident sync, run by `npm run bench` (which builds dist/ first).
 *
 * Three processes, as in production. The daemon runs exactly as the container runs it
 * (`node dist/cli/main.js run`, compiled JavaScript, the image's NODE_OPTIONS, configured by
 * environment variables). The
 * local stack (SQS server, ServiceNow and Security Hub simulators) standing in for AWS and
 * ServiceNow. This driver sends events through the stack and watches the results.
 *
 * 1. Throughput: N distinct failed findings are sent to the queue and the daemon syncs them all
 *    (incident created, finding written back, message deleted), with the ServiceNow simulator
 *    responding after 0 ms and after 50 ms.
 * 2. ServiceNow calls per event in a replay where 80% of the events repeat an unchanged finding,
 *    10% are new findings and 10% change a finding's severity.
 * 3. Peak resident set size of the daemon process (VmHWM from /proc).
 * 4. CMDB throughput: N distinct EC2 instance configuration item events become CIs, with the
 *    ServiceNow simulator at 0 ms. Then the backfill: `itsm-sync backfill` over an AWS Config
 *    inventory of N resources (CIs per second, ServiceNow calls per CI), and a second run, which
 *    must make no ServiceNow write.
 * 5. The way back: time from a person resolving an incident in ServiceNow to the finding's
 *    Workflow.Status RESOLVED in Security Hub, through the change poller at its default interval
 *    and through the webhook. Also ServiceNow calls per poll when nothing changed.
 * 6. Client cost: CPU time of one ServiceNow create and one BatchUpdateFindings call through the
 *    clients the daemon uses, measured in this process (see client-cost.ts).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { measureClientCosts, type ClientCosts } from './client-cost.js';
import type { StackRequest } from './stack-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const TEMPLATE = JSON.parse(readFileSync(join(ROOT, 'src/demo/events/1-s3-public-access-failed.asff.json'), 'utf8'));

/** Prints a setting error and exits with status 1, before any process is started. */
function exitWithSettingError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Reads a whole number of at least 1 from the environment variable `name`, or exits. */
function readCount(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;

  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    exitWithSettingError(`Invalid ${name} "${text}": expected a whole number of at least 1, such as ${fallback}. Unset it for the default.`);
  }
  return value;
}

const THROUGHPUT_FINDINGS = readCount('BENCH_FINDINGS', 2000);
const REPLAY_EVENTS = readCount('BENCH_REPLAY_EVENTS', 2000);
const CONCURRENCY = readCount('BENCH_CONCURRENCY', 50);
const HEALTH_PORT = 18_980;
const ROUND_TRIPS = readCount('BENCH_ROUND_TRIPS', 6);
const CONFIG_ITEMS = readCount('BENCH_CONFIG_ITEMS', 2000);
const BACKFILL_ITEMS = readCount('BENCH_BACKFILL_ITEMS', 10_000);
/** The passes that BENCH_ONLY can select. */
const PASSES = ['fast', 'slow', 'replay', 'cmdb', 'backfill', 'way-back', 'clients'];
const only = process.env.BENCH_ONLY || undefined;
if (only !== undefined && !PASSES.includes(only)) {
  exitWithSettingError(`Invalid BENCH_ONLY "${only}": expected one of ${PASSES.join(', ')}. Unset it to run every pass.`);
}
const CONFIG_TEMPLATE = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/aws-events/config/configuration-item-change-update-ec2-instance.json'), 'utf8'));
/** The change poller's default interval (SERVICENOW_POLL_INTERVAL_SECONDS), in milliseconds. */
const DEFAULT_POLL_INTERVAL_MS = 15_000;
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';

/** The NODE_OPTIONS the container image sets, so the daemon runs with the same heap limit. */
const CONTAINER_NODE_OPTIONS = /NODE_OPTIONS=(\S+)/.exec(readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8'))?.[1] ?? '';

type Event = Record<string, any>;

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

/** The child process that runs the local stack, with a request and response call over IPC. */
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

interface Run {
  stack: StackProcess;
  env: Record<string, string>;
  daemon?: ChildProcess;
  dataDir: string;
}

/** Start the local stack in its own process. */
async function startStack(serviceNowLatencyMs: number, options: { webhook?: boolean } = {}): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'itsm-sync-bench-'));
  const stack = new StackProcess();
  const { env } = await stack.call<{ env: Record<string, string> }>({
    type: 'start',
    serviceNowLatencyMs,
    mappingsDir: join(ROOT, 'mappings'),
    stateStore: `sqlite:${join(dataDir, 'state.db')}`,
    webhook: options.webhook ? { url: `http://127.0.0.1:${HEALTH_PORT}/webhooks/servicenow`, secret: WEBHOOK_SECRET } : undefined,
  });
  // The benchmark uses the poller's default interval: drop the local stack's setting, if any.
  const { SERVICENOW_POLL_INTERVAL_SECONDS: _interval, ...rest } = env;
  return { stack, env: options.webhook ? { ...rest, SERVICENOW_WEBHOOK_SECRET: WEBHOOK_SECRET } : rest, dataDir };
}

/** Start the daemon as the container does. */
function startDaemon(run: Run): ChildProcess {
  // BENCH_DAEMON_NODE_ARGS passes node flags such as --cpu-prof to the daemon, for profiling.
  const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  run.daemon = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/cli/main.js'), 'run'], {
    cwd: run.dataDir,
    env: {
      ...process.env,
      ...run.env,
      SYNC_CONCURRENCY: String(CONCURRENCY),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
      HEALTH_PORT: String(HEALTH_PORT),
      // fauxqs names queues sqs.<region>.localhost; this preload resolves such names to 127.0.0.1.
      NODE_OPTIONS: `${CONTAINER_NODE_OPTIONS} --import ${join(ROOT, 'bench/resolve-localhost.mjs')}`,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return run.daemon;
}

/** Waits until the daemon polls: /healthz reports status "ok", not "starting". */
async function waitUntilHealthy(): Promise<void> {
  const healthy = async () => {
    const response = await fetch(`http://127.0.0.1:${HEALTH_PORT}/healthz`).catch(() => undefined);
    return response?.ok === true && ((await response.json()) as { status?: string }).status === 'ok';
  };
  await waitFor(healthy, 30_000, 'the daemon to become healthy');
}

async function stop(run: Run): Promise<number> {
  const daemon = run.daemon!;
  const peakRssKb = peakRssOf(daemon.pid!);
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
  await run.stack.call({ type: 'stop' });
  rmSync(run.dataDir, { recursive: true, force: true });
  return peakRssKb;
}

/** CPU time (user and system) a process has used, in seconds, from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  // The command name in field 2 may contain spaces, so fields are counted after its closing bracket.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const clockTicks = 100;
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Peak resident set size of a process in KiB (Linux VmHWM). */
function peakRssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(20);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function incidentCount(run: Run): Promise<number> {
  return (await run.stack.call<{ incidents: number }>({ type: 'count-incidents' })).incidents;
}

/** Seed the Security Hub simulator with the events' findings and queue the events. */
async function queueEvents(run: Run, events: Event[]): Promise<void> {
  await run.stack.call({ type: 'seed', findings: events.map((event) => event.detail.findings[0]) });
  await run.stack.call({ type: 'send', bodies: events });
}

/** Wait until `incidents` incidents exist and the queue is empty. */
async function waitUntilSynced(run: Run, incidents: number): Promise<void> {
  await waitFor(async () => (await incidentCount(run)) >= incidents, 120_000, `${incidents} incidents`);
  await run.stack.call({ type: 'wait-until-empty' });
}

let peakRssKb = 0;

/**
 * Queue every event first, then start the daemon, and time from its first incident to the queue
 * being empty with every incident created, so neither sending nor start-up is counted.
 */
async function measureThroughput(latencyMs: number): Promise<{ findingsPerSecond: number; seconds: number; cpu: { daemon: number; stack: number } }> {
  const run = await startStack(latencyMs);
  try {
    await queueEvents(run, Array.from({ length: THROUGHPUT_FINDINGS }, (_, index) => findingEvent(index)));
    startDaemon(run);

    await waitFor(async () => (await incidentCount(run)) >= 1, 30_000, 'the first incident');
    const started = performance.now();
    const daemonCpuBefore = cpuSecondsOf(run.daemon!.pid!);
    const stackCpuBefore = await run.stack.call<NodeJS.CpuUsage>({ type: 'cpu-usage' });
    await waitUntilSynced(run, THROUGHPUT_FINDINGS);
    const seconds = (performance.now() - started) / 1000;

    // CPU seconds per second of the pass: 1.0 is one core busy all the time.
    const stackCpuAfter = await run.stack.call<NodeJS.CpuUsage>({ type: 'cpu-usage' });
    const cpu = {
      daemon: (cpuSecondsOf(run.daemon!.pid!) - daemonCpuBefore) / seconds,
      stack: (stackCpuAfter.user + stackCpuAfter.system - stackCpuBefore.user - stackCpuBefore.system) / 1e6 / seconds,
    };
    return { findingsPerSecond: (THROUGHPUT_FINDINGS - 1) / seconds, seconds, cpu };
  } finally {
    peakRssKb = Math.max(peakRssKb, await stop(run));
  }
}

/**
 * Replay: a warm-up creates `known` incidents. Then REPLAY_EVENTS events arrive: 80% repeat a
 * known finding unchanged, 10% are new findings, and 10% raise a known finding's severity.
 */
async function measureReplay(): Promise<{ callsPerEvent: number; calls: number; events: number }> {
  const run = await startStack(0);
  try {
    startDaemon(run);
    await waitUntilHealthy();
    const known = Math.max(100, REPLAY_EVENTS / 4);
    await queueEvents(run, Array.from({ length: known }, (_, index) => findingEvent(index)));
    await waitUntilSynced(run, known);

    const events: Event[] = [];
    for (let index = 0; index < REPLAY_EVENTS; index += 1) {
      const slot = index % 10;
      if (slot < 8) events.push(findingEvent(index % known));
      else if (slot === 8) events.push(findingEvent(known + index));
      // Each change event raises a different known finding, so every one of them is a real change.
      else events.push(findingEvent(Math.floor(index / 10) % known, 'CRITICAL', 1));
    }

    const callsBefore = (await run.stack.call<{ tableCalls: number }>({ type: 'table-calls' })).tableCalls;
    await queueEvents(run, events);
    await waitUntilSynced(run, known + REPLAY_EVENTS / 10);
    const calls = (await run.stack.call<{ tableCalls: number }>({ type: 'table-calls' })).tableCalls - callsBefore;
    return { callsPerEvent: calls / REPLAY_EVENTS, calls, events: REPLAY_EVENTS };
  } finally {
    peakRssKb = Math.max(peakRssKb, await stop(run));
  }
}

/** Build a configuration item event for EC2 instance number `index`. */
function configItemEvent(index: number): Event {
  const event = structuredClone(CONFIG_TEMPLATE) as Event;
  const id = `i-${String(index).padStart(17, '0')}`;
  event.id = crypto.randomUUID();
  event.detail.configurationItem.resourceId = id;
  event.detail.configurationItem.ARN = `arn:aws:ec2:us-east-1:111122223333:instance/${id}`;
  return event;
}

/**
 * CMDB throughput: queue CONFIG_ITEMS configuration item events first, then start the daemon, and
 * time from its first CI until every CI exists and the queue is empty, as for findings.
 */
async function measureConfigItems(): Promise<{ itemsPerSecond: number; seconds: number; cpu: number }> {
  const run = await startStack(0);
  const count = async () => (await run.stack.call<{ count: number }>({ type: 'count-records', table: 'cmdb_ci_vm_instance' })).count;
  try {
    await run.stack.call({ type: 'send', bodies: Array.from({ length: CONFIG_ITEMS }, (_, index) => configItemEvent(index)) });
    startDaemon(run);

    await waitFor(async () => (await count()) >= 1, 30_000, 'the first CI');
    const started = performance.now();
    const cpuBefore = cpuSecondsOf(run.daemon!.pid!);
    await waitFor(async () => (await count()) >= CONFIG_ITEMS, 120_000, `${CONFIG_ITEMS} CIs`);
    await run.stack.call({ type: 'wait-until-empty' });
    const seconds = (performance.now() - started) / 1000;
    return { itemsPerSecond: (CONFIG_ITEMS - 1) / seconds, seconds, cpu: (cpuSecondsOf(run.daemon!.pid!) - cpuBefore) / seconds };
  } finally {
    peakRssKb = Math.max(peakRssKb, await stop(run));
  }
}

interface BackfillRun {
  /** The pass's own rate, as the backfill summary prints it (start-up excluded). */
  itemsPerSecond: number;
  seconds: number;
  tableCalls: number;
  tableWrites: number;
}

/**
 * Backfill: record BACKFILL_ITEMS EC2 instances in the AWS Config simulator without events, then
 * run `itsm-sync backfill` twice, as an operator would. The first run creates every CI; the second
 * must find nothing to write.
 */
async function measureBackfill(): Promise<{ first: BackfillRun; second: BackfillRun; callsPerItem: number }> {
  const run = await startStack(0);
  try {
    const template = CONFIG_TEMPLATE.detail.configurationItem;
    const items = Array.from({ length: BACKFILL_ITEMS }, (_, index) => {
      const id = `i-${String(index).padStart(17, '0')}`;
      return { resourceType: 'AWS::EC2::Instance', resourceId: id, configuration: { ...template.configuration, instanceId: id }, tags: template.tags };
    });
    for (let start = 0; start < items.length; start += 1000) await run.stack.call({ type: 'record-resources', items: items.slice(start, start + 1000) });

    const first = await runBackfill(run);
    const second = await runBackfill(run);
    return { first, second, callsPerItem: first.tableCalls / BACKFILL_ITEMS };
  } finally {
    await run.stack.call({ type: 'stop' });
    rmSync(run.dataDir, { recursive: true, force: true });
  }
}

/** Run `itsm-sync backfill` once, and count the Table API calls and writes it made. */
async function runBackfill(run: Run): Promise<BackfillRun> {
  const calls = async () => (await run.stack.call<{ tableCalls: number }>({ type: 'table-calls' })).tableCalls;
  const writes = async () => (await run.stack.call<{ tableWrites: number }>({ type: 'table-writes' })).tableWrites;
  const [callsBefore, writesBefore] = [await calls(), await writes()];

  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'backfill'], {
    cwd: run.dataDir,
    env: { ...process.env, ...run.env, SYNC_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: 'error', NODE_OPTIONS: `${CONTAINER_NODE_OPTIONS} --import ${join(ROOT, 'bench/resolve-localhost.mjs')}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const summary = /in ([\d.]+) s \(([\d.]+) resources\/s\)/.exec(output);
  if (code !== 0 || summary === null) throw new Error(`itsm-sync backfill exited with ${code}:\n${output}`);

  return { seconds: Number(summary[1]), itemsPerSecond: Number(summary[2]), tableCalls: (await calls()) - callsBefore, tableWrites: (await writes()) - writesBefore };
}

/** Sum of a Prometheus counter over its labels, from the daemon's /metrics. */
async function counterTotal(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${HEALTH_PORT}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

interface RoundTrip {
  latenciesMs: number[];
  medianMs: number;
  maxMs: number;
  /** Only for the poller pass: ServiceNow calls per poll while nothing changes. */
  idleCallsPerPoll?: number;
  idlePolls?: number;
}

/**
 * Measure the way back, ServiceNow → AWS: a person resolves incidents one at a time, at random moments of
 * the poll interval, and the time until Security Hub shows the finding RESOLVED is measured. With
 * `webhook`, the simulator's business rule calls the daemon's webhook; the poller runs as well.
 */
async function measureRoundTrip(webhook: boolean): Promise<RoundTrip> {
  const run = await startStack(0, { webhook });
  try {
    const events = Array.from({ length: ROUND_TRIPS }, (_, index) => findingEvent(index));
    await queueEvents(run, events);
    startDaemon(run);
    await waitUntilHealthy();
    await waitUntilSynced(run, ROUND_TRIPS);

    const incidents = await run.stack.call<Array<{ sysId: string; description: string }>>({ type: 'list-incidents' });
    const latenciesMs: number[] = [];
    for (const event of events) {
      const findingId: string = event.detail.findings[0].Id;
      const incident = incidents.find((candidate) => candidate.description.includes(findingId))!;
      // A random moment of the interval, so the poller's figure is its average, not its best case.
      await sleep(Math.random() * (webhook ? 500 : DEFAULT_POLL_INTERVAL_MS));

      const started = performance.now();
      await run.stack.call({ type: 'edit-incident', sysId: incident.sysId, fields: { state: '6', close_code: 'Solution provided', close_notes: 'Fixed' } });
      await waitFor(
        async () => (await run.stack.call<{ status?: string }>({ type: 'finding-workflow', findingId })).status === 'RESOLVED',
        DEFAULT_POLL_INTERVAL_MS * 3,
        `finding ${findingId} to be RESOLVED`,
      );
      latenciesMs.push(performance.now() - started);
    }

    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const result: RoundTrip = { latenciesMs, medianMs: sorted[Math.floor(sorted.length / 2)]!, maxMs: sorted.at(-1)! };

    if (!webhook) {
      // Nothing changes from here: count the ServiceNow calls over the next few polls.
      await sleep(DEFAULT_POLL_INTERVAL_MS + 1_000);
      const callsBefore = (await run.stack.call<{ tableCalls: number }>({ type: 'table-calls' })).tableCalls;
      const pollsBefore = await counterTotal('itsm_sync_change_polls_total');
      await sleep(DEFAULT_POLL_INTERVAL_MS * 3);
      const polls = (await counterTotal('itsm_sync_change_polls_total')) - pollsBefore;
      const calls = (await run.stack.call<{ tableCalls: number }>({ type: 'table-calls' })).tableCalls - callsBefore;
      result.idlePolls = polls;
      result.idleCallsPerPoll = polls > 0 ? calls / polls : Number.NaN;
    }
    return result;
  } finally {
    peakRssKb = Math.max(peakRssKb, await stop(run));
  }
}

const CLIENT_COST_CALLS = 3000;

/** Measures the CPU time per request of the ServiceNow and Security Hub clients, against the stack's simulators. */
async function measureClients(): Promise<ClientCosts> {
  const run = await startStack(0);
  try {
    const findings = Array.from({ length: CLIENT_COST_CALLS + 1600 }, (_, index) => findingEvent(index).detail.findings[0]);
    await run.stack.call({ type: 'seed', findings });
    const keys = findings.map((finding) => ({ Id: finding.Id as string, ProductArn: finding.ProductArn as string }));
    return await measureClientCosts(run.env, keys, CLIENT_COST_CALLS, CONCURRENCY);
  } finally {
    await run.stack.call({ type: 'stop' });
    rmSync(run.dataDir, { recursive: true, force: true });
  }
}

// BENCH_ONLY=fast runs the 0 ms pass alone, for profiling; BENCH_ONLY=way-back the round trips
// alone; BENCH_ONLY=cmdb the CMDB passes alone (events and backfill); BENCH_ONLY=backfill the backfill alone;
// BENCH_ONLY=clients the client cost alone.
// A pass that did not run shows "-" in the table and is left out of the JSON line.
const runs = (pass: string): boolean => only === undefined || only === pass;
const fast = runs('fast') ? await measureThroughput(0) : undefined;
const slow = runs('slow') ? await measureThroughput(50) : undefined;
const replay = runs('replay') ? await measureReplay() : undefined;
const configItems = runs('cmdb') ? await measureConfigItems() : undefined;
const backfill = runs('cmdb') || only === 'backfill' ? await measureBackfill() : undefined;
const polled = runs('way-back') ? await measureRoundTrip(false) : undefined;
const webhooked = runs('way-back') ? await measureRoundTrip(true) : undefined;
const clients = runs('clients') ? await measureClients() : undefined;
const peakRssMb = peakRssKb / 1024;
const roundTrip = (pass: RoundTrip | undefined): string =>
  pass === undefined ? '-' : `median ${(pass.medianMs / 1000).toFixed(2)} s, max ${(pass.maxMs / 1000).toFixed(2)} s`;
const throughput = (pass: Awaited<ReturnType<typeof measureThroughput>> | undefined): string =>
  pass === undefined ? '-' : `${pass.findingsPerSecond.toFixed(0)} findings/s (daemon CPU ${pass.cpu.daemon.toFixed(2)})`;

const rows: Array<[string, string, string]> = [
  [`Throughput, ServiceNow at 0 ms (${THROUGHPUT_FINDINGS} findings)`, throughput(fast), '>= 500'],
  [`Throughput, ServiceNow at 50 ms (${THROUGHPUT_FINDINGS} findings)`, throughput(slow), '>= 200'],
  [`ServiceNow calls per event, replay of ${REPLAY_EVENTS} (80% unchanged)`, replay === undefined ? '-' : replay.callsPerEvent.toFixed(3), '<= 0.3'],
  ['Peak RSS of the daemon process (VmHWM)', peakRssKb === 0 ? '-' : `${peakRssMb.toFixed(0)} MB`, '< 200 MB'],
  [
    `CMDB throughput, ServiceNow at 0 ms (${CONFIG_ITEMS} EC2 configuration items)`,
    configItems === undefined ? '-' : `${configItems.itemsPerSecond.toFixed(0)} CIs/s (daemon CPU ${configItems.cpu.toFixed(2)})`,
    '>= 200',
  ],
  [
    `Backfill, ServiceNow at 0 ms (${BACKFILL_ITEMS} EC2 instances in AWS Config)`,
    backfill === undefined ? '-' : `${backfill.first.itemsPerSecond.toFixed(0)} CIs/s, ${backfill.callsPerItem.toFixed(2)} ServiceNow calls per CI`,
    '>= 200 CIs/s',
  ],
  [
    'Backfill again, nothing changed: ServiceNow writes',
    backfill === undefined ? '-' : `${backfill.second.tableWrites} writes (${backfill.second.tableCalls} reads, ${backfill.second.itemsPerSecond.toFixed(0)} resources/s)`,
    '0',
  ],
  [
    `Round trip, incident resolved → finding RESOLVED, poller every ${DEFAULT_POLL_INTERVAL_MS / 1000} s (${ROUND_TRIPS} changes)`,
    roundTrip(polled),
    `about half the interval on average, at most one interval`,
  ],
  [`Round trip through the webhook (${ROUND_TRIPS} changes)`, roundTrip(webhooked), 'seconds'],
  [
    `ServiceNow calls per table poll when nothing changed (${polled?.idlePolls ?? 0} table polls)`,
    polled?.idleCallsPerPoll === undefined ? '-' : polled.idleCallsPerPoll.toFixed(2),
    '1 per mapped table',
  ],
];

process.stdout.write(
  `\nitsm-sync benchmark: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB, SYNC_CONCURRENCY ${CONCURRENCY}, daemon NODE_OPTIONS ${CONTAINER_NODE_OPTIONS || '(none)'}\n\n`,
);
process.stdout.write('| Measure | Result | Target |\n| --- | --- | --- |\n');
for (const [measure, result, target] of rows) process.stdout.write(`| ${measure} | ${result} | ${target} |\n`);
if (clients !== undefined) {
  const cost = (measure: ClientCosts[keyof ClientCosts]): string => `${measure.cpuMsPerCall.toFixed(3)} ms CPU per call (${measure.callsPerSecond.toFixed(0)} calls/s)`;
  process.stdout.write(`\nClient cost, in the driver process (${CLIENT_COST_CALLS} calls, ${CONCURRENCY} at a time):\n\n| Request | CPU per call |\n| --- | --- |\n`);
  process.stdout.write(`| ServiceNow create, ServiceNowClient (axios) | ${cost(clients.serviceNowCreate)} |\n`);
  process.stdout.write(`| Security Hub BatchUpdateFindings, AWS SDK v3 | ${cost(clients.securityHubWriteback)} |\n`);
  process.stdout.write(`| ServiceNow create, the axios instance alone | ${cost(clients.axiosCreate)} |\n`);
  process.stdout.write(`| ServiceNow create, Node http module alone | ${cost(clients.bareHttpCreate)} |\n`);
}
process.stdout.write(`\n${JSON.stringify({ fast, slow, replay, configItems, backfill, polled, webhooked, clients, peakRssMb, concurrency: CONCURRENCY })}\n`);
