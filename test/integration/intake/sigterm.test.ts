/**
 * A worker process stops cleanly on SIGTERM, which ECS sends when it stops a task. It exits with
 * code 0 well within the 30 s before SIGKILL. Every in-flight message is either finished and
 * deleted, or released so that another task receives it at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSqsEmulator, type SqsEmulator } from './helpers/sqs-emulator.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const workerPath = fileURLToPath(new URL('./sigterm-worker.ts', import.meta.url));
const findingBody = readFileSync(
  new URL('../../fixtures/aws-events/securityhub/imported-cspm-s3-bucket-control-failed.json', import.meta.url),
  'utf8',
);

/** ECS waits this long between SIGTERM and SIGKILL by default. */
const ECS_STOP_TIMEOUT_MS = 30_000;

interface WorkerLogLine {
  msg: string;
  messageId?: string;
  [field: string]: unknown;
}

interface Worker {
  child: ChildProcess;
  lines: WorkerLogLine[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

let emulator: SqsEmulator;
let workers: Worker[] = [];

beforeAll(async () => {
  emulator = await startSqsEmulator();
});

afterAll(async () => {
  await emulator.stop();
});

afterEach(() => {
  // A worker left running by a failed assertion must not outlive the test.
  for (const worker of workers) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
    }
  }
  workers = [];
});

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', workerPath], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const lines: WorkerLogLine[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as WorkerLogLine);
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });

  const worker = { child, lines, stderr, exited };
  workers.push(worker);
  return worker;
}

function linesWith(worker: Worker, msg: string): WorkerLogLine[] {
  return worker.lines.filter((line) => line.msg === msg);
}

describe('worker process on SIGTERM', () => {
  it('finishes in-flight handlers, deletes their messages and exits 0', async () => {
    const { queueUrl } = await emulator.createQueue('sigterm-finish');
    const messageIds = await emulator.sendBodies(queueUrl, [findingBody, findingBody, findingBody, findingBody]);
    const worker = startWorker({
      SQS_ENDPOINT: emulator.endpoint,
      QUEUE_URL: queueUrl,
      HANDLER_DELAY_MS: '1500',
      DRAIN_TIMEOUT_MS: '25000',
      CONCURRENCY: '4',
    });

    await vi.waitFor(() => expect(linesWith(worker, 'handler started')).toHaveLength(4), { timeout: 20_000 });
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    // A second SIGTERM (an impatient operator) must not cut the drain short.
    setTimeout(() => worker.child.kill('SIGTERM'), 200);
    const exit = await worker.exited;

    expect(exit, worker.stderr.join('')).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(ECS_STOP_TIMEOUT_MS);
    const finishedIds = linesWith(worker, 'handler finished').map((line) => line.messageId);
    expect(finishedIds.sort()).toEqual([...messageIds].sort());
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  }, 60_000);

  it('releases messages whose handlers outlast the drain timeout and exits 0', async () => {
    const { queueUrl } = await emulator.createQueue('sigterm-release');
    await emulator.sendBodies(queueUrl, [findingBody, findingBody, findingBody, findingBody]);
    const worker = startWorker({
      SQS_ENDPOINT: emulator.endpoint,
      QUEUE_URL: queueUrl,
      HANDLER_DELAY_MS: '120000',
      DRAIN_TIMEOUT_MS: '1000',
      CONCURRENCY: '4',
    });

    await vi.waitFor(() => expect(linesWith(worker, 'handler started')).toHaveLength(4), { timeout: 20_000 });
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;

    expect(exit, worker.stderr.join('')).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(5_000);
    expect(linesWith(worker, 'handler finished')).toHaveLength(0);
    expect(linesWith(worker, 'Released SQS message for another consumer')).toHaveLength(4);
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 4, inFlight: 0 });
  }, 60_000);
});
