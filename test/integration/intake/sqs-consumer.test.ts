/**
 * SqsConsumer against a real SQS protocol server (fauxqs on loopback) and the real SQS client.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventBridgeEvent } from '../../../src/core/types.js';
import type { SqsConsumerOptions } from '../../../src/intake/consumer-options.js';
import type { MalformedMessageError } from '../../../src/intake/errors.js';
import { SqsConsumer } from '../../../src/intake/sqs-consumer.js';
import { LogLevel, captureLogs, type CapturedLogs } from '../../unit/intake/helpers/log-capture.js';
import { startSqsEmulator, type SqsEmulator } from './helpers/sqs-emulator.js';

const fixtureRoot = new URL('../../fixtures/aws-events/', import.meta.url);

function readFixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, fixtureRoot), 'utf8'));
}

function fixtureBody(path: string): string {
  const output = readFixture(path) as { Messages: { Body: string }[] };
  return output.Messages[0]!.Body;
}

const findingEvent = readFixture('securityhub/imported-cspm-s3-bucket-control-failed.json') as EventBridgeEvent;
const findingBody = JSON.stringify(findingEvent);

let emulator: SqsEmulator;
let logs: CapturedLogs;
let consumers: SqsConsumer[] = [];
let queueNumber = 0;

beforeAll(async () => {
  emulator = await startSqsEmulator();
});

afterAll(async () => {
  await emulator.stop();
});

afterEach(async () => {
  await Promise.all(consumers.map((consumer) => consumer.stop()));
  consumers = [];
});

/** Returns a queue name no other test uses, so an aborted long poll cannot take another test's message. */
function uniqueQueueName(purpose: string): string {
  queueNumber += 1;
  return `${purpose}-${queueNumber}`;
}

function createConsumer(options: Pick<SqsConsumerOptions, 'queueUrl' | 'handler'> & Partial<SqsConsumerOptions>): SqsConsumer {
  logs = captureLogs();
  const consumer = new SqsConsumer({ sqs: emulator.sqs, logger: logs.logger, waitTimeSeconds: 1, ...options });
  consumers.push(consumer);
  return consumer;
}

/** A promise with its resolve function, to hold a handler until the test lets it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('SqsConsumer with an SQS server', () => {
  it('hands raw, SNS-wrapped and SNS-raw bodies over as the same event', async () => {
    const { queueUrl } = await emulator.createQueue(uniqueQueueName('shapes'));
    await emulator.sendBodies(queueUrl, [
      fixtureBody('envelopes/sqs-receive-message.eventbridge-direct.sdk-output.json'),
      fixtureBody('envelopes/sqs-receive-message.via-sns-envelope.sdk-output.json'),
      fixtureBody('envelopes/sqs-receive-message.via-sns-raw.sdk-output.json'),
    ]);
    const events: EventBridgeEvent[] = [];
    const consumer = createConsumer({
      queueUrl,
      handler: async (event) => {
        events.push(event);
        return 'processed';
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(consumer.stats.processed).toBe(3), { timeout: 10_000 });

    expect(events).toHaveLength(3);
    for (const event of events) {
      expect(event).toEqual(findingEvent);
    }
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('handles 25 messages with at most `concurrency` in flight', async () => {
    const { queueUrl } = await emulator.createQueue(uniqueQueueName('batch'));
    const bodies = Array.from({ length: 25 }, (_, index) => JSON.stringify({ ...findingEvent, id: `event-${index}` }));
    await emulator.sendBodies(queueUrl, bodies);
    let running = 0;
    let maxRunning = 0;
    const handledIds = new Set<string>();
    const consumer = createConsumer({
      queueUrl,
      concurrency: 4,
      batchSize: 10,
      handler: async (event) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(20 + Math.random() * 60);
        handledIds.add(event.id);
        running -= 1;
        return 'processed';
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(consumer.stats.processed).toBe(25), { timeout: 20_000 });

    expect(maxRunning).toBe(4);
    expect(handledIds.size).toBe(25);
    expect(consumer.stats).toMatchObject({ received: 25, processed: 25, failed: 0, inFlight: 0 });
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('deletes a message only after the handler resolved', async () => {
    const { queueUrl } = await emulator.createQueue(uniqueQueueName('delete-after'));
    await emulator.sendBodies(queueUrl, [findingBody]);
    const handlerGate = gate();
    let handlerStarted = false;
    const consumer = createConsumer({
      queueUrl,
      handler: async () => {
        handlerStarted = true;
        await handlerGate.opened;
        return 'processed';
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(handlerStarted).toBe(true), { timeout: 5_000 });
    await sleep(200);

    expect(await emulator.counts(queueUrl)).toEqual({ visible: 0, inFlight: 1 });
    handlerGate.open();
    await vi.waitFor(() => expect(consumer.stats.processed).toBe(1));
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('redelivers a failing message and then moves it to the DLQ intact', async () => {
    const { queueUrl, dlqUrl } = await emulator.createQueueWithDlq(uniqueQueueName('poison'), 2, {
      VisibilityTimeout: '1',
    });
    const [messageId] = await emulator.sendBodies(queueUrl, [findingBody]);
    const receiveCounts: string[] = [];
    const consumer = createConsumer({
      queueUrl,
      visibilityTimeoutSeconds: 1,
      handler: async (_event, message) => {
        receiveCounts.push(message.Attributes?.ApproximateReceiveCount ?? 'missing');
        throw new Error('ServiceNow answered HTTP 503 Service Unavailable');
      },
    });

    consumer.start();
    let dlqMessages: Message[] = [];
    await vi.waitFor(
      async () => {
        dlqMessages = await emulator.receiveNow(dlqUrl);
        expect(dlqMessages).toHaveLength(1);
      },
      { timeout: 15_000, interval: 250 },
    );

    expect(dlqMessages[0]?.Body).toBe(findingBody);
    expect(receiveCounts).toEqual(['1', '2']);
    expect(consumer.stats).toMatchObject({ received: 2, failed: 2, processed: 0 });
    const failureLines = logs.atLeast(LogLevel.error).filter((record) => record.messageId === messageId);
    expect(failureLines.map((record) => record.receiveCount)).toEqual([1, 2]);
    expect(failureLines[0]?.errorMessage).toBe('ServiceNow answered HTTP 503 Service Unavailable');
    expect(logs.lines.join('')).not.toContain('example-analytics-exports');
  });

  it('logs a non-JSON body and leaves it for the DLQ without stopping', async () => {
    const { queueUrl, dlqUrl } = await emulator.createQueueWithDlq(uniqueQueueName('malformed'), 2, {
      VisibilityTimeout: '1',
    });
    const notJson = 'this is not JSON { "id": ';
    const [badId, goodId] = await emulator.sendBodies(queueUrl, [notJson, findingBody]);
    const handled: string[] = [];
    const consumer = createConsumer({
      queueUrl,
      visibilityTimeoutSeconds: 1,
      handler: async (_event, message) => {
        handled.push(message.MessageId!);
        return 'processed';
      },
    });
    const malformed: MalformedMessageError[] = [];
    consumer.on('malformed_message', (error) => malformed.push(error));

    consumer.start();
    let dlqMessages: Message[] = [];
    await vi.waitFor(
      async () => {
        dlqMessages = await emulator.receiveNow(dlqUrl);
        expect(dlqMessages).toHaveLength(1);
      },
      { timeout: 15_000, interval: 250 },
    );

    expect(dlqMessages[0]?.Body).toBe(notJson);
    expect(handled).toEqual([goodId]);
    expect(malformed[0]?.messageId).toBe(badId);
    expect(consumer.stats.malformed).toBe(2);
    expect(consumer.isRunning).toBe(true);
    const logLine = logs.atLeast(LogLevel.error).find((record) => record.messageId === badId);
    expect(logLine?.reason).toContain('not valid JSON');
    expect(logLine?.reason).toContain(JSON.stringify(notJson));
  });

  it('extends the visibility of a message while a slow handler runs', async () => {
    const { queueUrl } = await emulator.createQueue(uniqueQueueName('slow'));
    await emulator.sendBodies(queueUrl, [findingBody]);
    let handlerCalls = 0;
    const consumer = createConsumer({
      queueUrl,
      visibilityTimeoutSeconds: 1,
      heartbeatIntervalSeconds: 0.3,
      handler: async () => {
        handlerCalls += 1;
        await sleep(3_000);
        return 'processed';
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(handlerCalls).toBe(1), { timeout: 5_000 });

    // Another consumer polls throughout the handler's 3 s, three times the visibility timeout.
    const seenByOthers: Message[] = [];
    const pollUntil = Date.now() + 2_700;
    while (Date.now() < pollUntil) {
      seenByOthers.push(...(await emulator.receiveNow(queueUrl, 1)));
      await sleep(150);
    }

    expect(seenByOthers).toEqual([]);
    await vi.waitFor(() => expect(consumer.stats.processed).toBe(1), { timeout: 5_000 });
    expect(handlerCalls).toBe(1);
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('stop() aborts the long poll and lets running handlers finish', async () => {
    const { queueUrl } = await emulator.createQueue(uniqueQueueName('drain'));
    await emulator.sendBodies(queueUrl, [findingBody, findingBody, findingBody]);
    let started = 0;
    const consumer = createConsumer({
      queueUrl,
      concurrency: 5,
      waitTimeSeconds: 20,
      handler: async () => {
        started += 1;
        await sleep(800);
        return 'processed';
      },
    });
    let stoppedEvents = 0;
    consumer.on('stopped', () => {
      stoppedEvents += 1;
    });

    consumer.start();
    await vi.waitFor(() => expect(started).toBe(3), { timeout: 5_000 });
    // Two slots are free, so a 20 s long poll is running now; stop() must not wait for it.
    const stopStartedAt = Date.now();
    await consumer.stop();
    const stopDurationMs = Date.now() - stopStartedAt;

    expect(stopDurationMs).toBeLessThan(3_000);
    expect(consumer.stats).toMatchObject({ processed: 3, inFlight: 0 });
    expect(stoppedEvents).toBe(1);
    expect(consumer.isRunning).toBe(false);
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('stop() releases messages whose handlers outlast the drain timeout', async () => {
    const { queueUrl } = await emulator.createQueue(uniqueQueueName('release'));
    await emulator.sendBodies(queueUrl, [findingBody]);
    const handlerGate = gate();
    let handlerStarted = false;
    const consumer = createConsumer({
      queueUrl,
      concurrency: 1,
      drainTimeoutMs: 300,
      handler: async () => {
        handlerStarted = true;
        await handlerGate.opened;
        return 'processed';
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(handlerStarted).toBe(true), { timeout: 5_000 });
    const stopStartedAt = Date.now();
    await consumer.stop();

    expect(Date.now() - stopStartedAt).toBeLessThan(2_000);
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 1, inFlight: 0 });
    const redelivered = await emulator.receiveNow(queueUrl);
    expect(redelivered[0]?.Attributes?.ApproximateReceiveCount).toBe('2');

    // The late handler result must not delete the message another consumer now holds.
    handlerGate.open();
    await vi.waitFor(() =>
      expect(logs.atLeast(LogLevel.warn).some((record) => record.msg.includes('after its message was released'))).toBe(true),
    );
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 0, inFlight: 1 });
    expect(consumer.stats.processed).toBe(0);
  });

  it('stop() is safe to call twice and before start()', async () => {
    const { queueUrl } = await emulator.createQueue(uniqueQueueName('lifecycle'));
    const consumer = createConsumer({ queueUrl, handler: async () => 'processed' });

    await consumer.stop();
    consumer.start();
    const first = consumer.stop();
    const second = consumer.stop();

    expect(second).toBe(first);
    await first;
    expect(consumer.isRunning).toBe(false);

    consumer.start();
    expect(consumer.isRunning).toBe(true);
  });
});
