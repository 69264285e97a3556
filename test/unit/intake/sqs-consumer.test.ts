/**
 * Error paths of SqsConsumer that a real SQS server cannot be made to produce on demand (expired
 * credentials, a 500, a failing heartbeat), driven through aws-sdk-client-mock.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  SQSServiceException,
  type Message,
  type ReceiveMessageCommandOutput,
} from '@aws-sdk/client-sqs';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveConsumerOptions, type SqsConsumerOptions } from '../../../src/intake/consumer-options.js';
import { InvalidConsumerOptionError, SqsError, toSqsError } from '../../../src/intake/errors.js';
import { SqsConsumer } from '../../../src/intake/sqs-consumer.js';
import { LogLevel, captureLogs, type CapturedLogs } from './helpers/log-capture.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/itsm-sync-events';

const eventBody = readFileSync(
  new URL('../../fixtures/aws-events/securityhub/imported-cspm-s3-bucket-control-failed.json', import.meta.url),
  'utf8',
);

let sqs: SQSClient;
let sqsMock: AwsClientStub<SQSClient>;
let logs: CapturedLogs;
let consumer: SqsConsumer | undefined;

beforeEach(() => {
  sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  sqsMock = mockClient(sqs);
  logs = captureLogs();
  consumer = undefined;
});

afterEach(async () => {
  await consumer?.stop();
  sqsMock.restore();
});

function createConsumer(overrides: Partial<SqsConsumerOptions> = {}): SqsConsumer {
  consumer = new SqsConsumer({
    queueUrl: QUEUE_URL,
    sqs,
    logger: logs.logger,
    handler: async () => 'processed',
    ...overrides,
  });
  return consumer;
}

/** Simulates an empty long poll: SQS returns after the wait, with no Messages key at all. */
async function emptyReceive(): Promise<Partial<ReceiveMessageCommandOutput>> {
  await sleep(20);
  return { $metadata: { httpStatusCode: 200 } };
}

function sqsMessage(id: string, body = eventBody): Message {
  return {
    MessageId: id,
    ReceiptHandle: `receipt-${id}`,
    Body: body,
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1741615331900' },
  };
}

/** Returns these messages from the first ReceiveMessage call and nothing from later calls. */
function receiveOnce(messages: Message[]): void {
  let delivered = false;
  sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
    if (delivered) {
      return emptyReceive();
    }
    delivered = true;
    return { Messages: messages };
  });
}

function expiredToken(): SQSServiceException {
  return new SQSServiceException({
    name: 'ExpiredToken',
    $fault: 'client',
    $metadata: { httpStatusCode: 403, requestId: 'req-expired' },
    message: 'The security token included in the request is expired',
  });
}

describe('SqsConsumer options', () => {
  const base = (): SqsConsumerOptions => ({
    queueUrl: QUEUE_URL,
    sqs,
    logger: logs.logger,
    handler: async () => 'processed',
  });

  it.each([
    ['batchSize', { batchSize: 12 }, 'batchSize must be between 1 and 10, got 12'],
    ['batchSize', { batchSize: 0 }, 'batchSize must be between 1 and 10, got 0'],
    ['batchSize', { batchSize: 2.5 }, 'batchSize must be an integer between 1 and 10, got 2.5'],
    ['concurrency', { concurrency: 101 }, 'concurrency must be between 1 and 100, got 101'],
    ['concurrency', { concurrency: Number.NaN }, 'concurrency must be an integer between 1 and 100, got NaN'],
    ['waitTimeSeconds', { waitTimeSeconds: 21 }, 'waitTimeSeconds must be between 0 and 20, got 21'],
    ['visibilityTimeoutSeconds', { visibilityTimeoutSeconds: 0 }, 'visibilityTimeoutSeconds must be between 1 and 43200, got 0'],
    ['drainTimeoutMs', { drainTimeoutMs: -1 }, 'drainTimeoutMs must be between 0 and 600000, got -1'],
    ['authErrorBackoffMs', { authErrorBackoffMs: 0 }, 'authErrorBackoffMs must be between 1 and 3600000, got 0'],
    ['errorBackoffMs', { errorBackoffMs: 60_000 }, 'errorBackoffMs must be between 1 and 30000, got 60000'],
    ['maxRetryDelaySeconds', { maxRetryDelaySeconds: 30 }, 'maxRetryDelaySeconds must be between 60 and 43200, got 30'],
  ])('rejects %s out of range: %j', (option, overrides, message) => {
    const create = () => new SqsConsumer({ ...base(), ...overrides });

    expect(create).toThrow(InvalidConsumerOptionError);
    expect(create).toThrow(message);
    try {
      create();
    } catch (error) {
      expect((error as InvalidConsumerOptionError).option).toBe(option);
    }
  });

  it('rejects a string where a number belongs', () => {
    const create = () => new SqsConsumer({ ...base(), batchSize: '10' as unknown as number });

    expect(create).toThrow('batchSize must be an integer between 1 and 10, got "10"');
  });

  it('rejects a heartbeat not shorter than the visibility timeout', () => {
    const create = () => new SqsConsumer({ ...base(), visibilityTimeoutSeconds: 30, heartbeatIntervalSeconds: 30 });

    expect(create).toThrow('heartbeatIntervalSeconds must be greater than 0 and less than visibilityTimeoutSeconds (30), got 30');
  });

  it.each([
    ['queueUrl', { queueUrl: '' }, 'queueUrl must be the URL of an SQS queue'],
    ['queueUrl', { queueUrl: 'itsm-sync-events' }, 'which is not a URL'],
    ['queueUrl', { queueUrl: 'ftp://sqs.example/queue' }, 'queueUrl must be an https://'],
    ['sqs', { sqs: {} as SQSClient }, 'sqs must be an SQSClient from @aws-sdk/client-sqs, got a value of type object'],
    ['handler', { handler: undefined as unknown as SqsConsumerOptions['handler'] }, 'handler must be an async function'],
    ['logger', { logger: console as unknown as SqsConsumerOptions['logger'] }, 'logger must be a pino Logger'],
  ])('rejects a bad %s', (option, overrides, message) => {
    const create = () => new SqsConsumer({ ...base(), ...overrides });

    expect(create).toThrow(message);
  });

  it('fills in the defaults', () => {
    const resolved = resolveConsumerOptions(base());

    expect(resolved).toMatchObject({
      concurrency: 10,
      batchSize: 10,
      waitTimeSeconds: 20,
      visibilityTimeoutSeconds: 60,
      heartbeatIntervalSeconds: 20,
      drainTimeoutMs: 25_000,
      authErrorBackoffMs: 10_000,
      errorBackoffMs: 1_000,
      maxRetryDelaySeconds: 900,
    });
  });

  it('raises the retry cap to the visibility timeout', () => {
    expect(resolveConsumerOptions({ ...base(), visibilityTimeoutSeconds: 1_800 }).maxRetryDelaySeconds).toBe(1_800);
  });

  it('derives the heartbeat from the visibility timeout', () => {
    expect(resolveConsumerOptions({ ...base(), visibilityTimeoutSeconds: 9 }).heartbeatIntervalSeconds).toBe(3);
  });
});

describe('SqsConsumer SQS errors', () => {
  it('pauses polling after a credentials error', async () => {
    const callTimes: number[] = [];
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      callTimes.push(Date.now());
      if (callTimes.length === 1) {
        throw expiredToken();
      }
      return emptyReceive();
    });
    const sqsErrors: SqsError[] = [];
    const consumer = createConsumer({ authErrorBackoffMs: 400 });
    consumer.on('error', (error) => sqsErrors.push(error));

    consumer.start();
    await sleep(250);

    expect(callTimes).toHaveLength(1);
    expect(consumer.isRunning).toBe(true);
    await vi.waitFor(() => expect(callTimes.length).toBeGreaterThanOrEqual(2), { timeout: 2_000 });
    expect(callTimes[1]! - callTimes[0]!).toBeGreaterThanOrEqual(390);

    const errorLine = logs.atLeast(LogLevel.error).find((record) => record.awsErrorName === 'ExpiredToken');
    expect(errorLine?.msg).toContain('task role');
    expect(errorLine?.msg).toContain('Polling pauses for 400 ms');
    expect(errorLine?.statusCode).toBe(403);
    expect(sqsErrors[0]?.awsErrorName).toBe('ExpiredToken');
    expect(sqsErrors[0]?.retryable).toBe(false);
  });

  it('pauses polling when no credentials are found', async () => {
    const callTimes: number[] = [];
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      callTimes.push(Date.now());
      if (callTimes.length === 1) {
        throw Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        });
      }
      return emptyReceive();
    });
    const consumer = createConsumer({ authErrorBackoffMs: 300 });

    consumer.start();
    await vi.waitFor(() => expect(callTimes.length).toBeGreaterThanOrEqual(2), { timeout: 2_000 });

    expect(callTimes[1]! - callTimes[0]!).toBeGreaterThanOrEqual(290);
    const errorLine = logs.atLeast(LogLevel.error).find((record) => record.awsErrorName === 'CredentialsProviderError');
    expect(errorLine?.msg).toContain('AWS credentials');
  });

  it('logs a missing queue with its URL and the fix', async () => {
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      throw Object.assign(
        new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: { httpStatusCode: 400 } }),
        { Code: 'AWS.SimpleQueueService.NonExistentQueue' },
      );
    });
    const consumer = createConsumer({ authErrorBackoffMs: 5_000 });

    consumer.start();
    await vi.waitFor(() => expect(logs.atLeast(LogLevel.error)).not.toHaveLength(0));
    await sleep(100);

    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    const errorLine = logs.atLeast(LogLevel.error)[0]!;
    expect(errorLine.msg).toContain(`SQS queue ${QUEUE_URL} does not exist`);
    expect(errorLine.msg).toContain('Check the queue URL');
    expect(errorLine.awsErrorCode).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(consumer.isRunning).toBe(true);
  });

  it('backs off exponentially on other errors and resets after a success', async () => {
    const callTimes: number[] = [];
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      callTimes.push(Date.now());
      if (callTimes.length <= 3 || callTimes.length === 5) {
        throw new SQSServiceException({
          name: 'InternalError',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
          message: 'We encountered an internal error. Please try again.',
        });
      }
      return emptyReceive();
    });
    const consumer = createConsumer({ errorBackoffMs: 100 });

    consumer.start();
    await vi.waitFor(() => expect(callTimes.length).toBeGreaterThanOrEqual(6), { timeout: 3_000 });

    const gaps = callTimes.slice(1, 6).map((time, index) => time - callTimes[index]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    // Call 4 succeeded, so the failure of call 5 starts over at the first pause.
    expect(gaps[4]).toBeGreaterThanOrEqual(95);
    expect(gaps[4]).toBeLessThan(500);
    const failureLines = logs.atLeast(LogLevel.error).filter((record) => record.awsErrorName === 'InternalError');
    expect(failureLines.map((record) => record.consecutiveFailures)).toEqual([1, 2, 3, 1]);
    expect(failureLines[0]?.retryable).toBe(true);
  });

  it('keeps polling without an error listener', async () => {
    sqsMock.on(ReceiveMessageCommand).rejectsOnce(expiredToken()).callsFake(emptyReceive);
    const consumer = createConsumer({ authErrorBackoffMs: 50 });

    consumer.start();

    await vi.waitFor(() => expect(sqsMock.commandCalls(ReceiveMessageCommand).length).toBeGreaterThanOrEqual(3));
    expect(consumer.isRunning).toBe(true);
  });

  it('stop() cuts an error pause short', async () => {
    sqsMock.on(ReceiveMessageCommand).rejects(expiredToken());
    const consumer = createConsumer({ authErrorBackoffMs: 60_000 });
    consumer.start();
    await vi.waitFor(() => expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(1));

    const startedAt = Date.now();
    await consumer.stop();

    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });
});

describe('SqsConsumer message handling', () => {
  it('asks SQS for no more messages than free slots', async () => {
    let releaseHandlers!: () => void;
    const handlersReleased = new Promise<void>((resolve) => {
      releaseHandlers = resolve;
    });
    let delivered = 0;
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      delivered += 1;
      return delivered === 1 ? { Messages: [sqsMessage('m1'), sqsMessage('m2')] } : emptyReceive();
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    // With four slots a receive waits for two free ones (half a batch that fits).
    const consumer = createConsumer({
      concurrency: 4,
      batchSize: 10,
      waitTimeSeconds: 5,
      visibilityTimeoutSeconds: 45,
      handler: async () => {
        await handlersReleased;
        return 'processed';
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(sqsMock.commandCalls(ReceiveMessageCommand).length).toBeGreaterThanOrEqual(2));
    releaseHandlers();

    const inputs = sqsMock.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toMatchObject({
      QueueUrl: QUEUE_URL,
      MaxNumberOfMessages: 4,
      WaitTimeSeconds: 5,
      VisibilityTimeout: 45,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    });
    expect(inputs[1]?.MaxNumberOfMessages).toBe(2);
  });

  it('emits empty for a receive without a Messages key', async () => {
    sqsMock.on(ReceiveMessageCommand).callsFake(emptyReceive);
    const consumer = createConsumer();
    let empties = 0;
    consumer.on('empty', () => {
      empties += 1;
    });

    consumer.start();

    await vi.waitFor(() => expect(empties).toBeGreaterThanOrEqual(2));
    expect(consumer.stats.received).toBe(0);
  });

  it('logs a failing heartbeat and still deletes the handled message', async () => {
    receiveOnce([sqsMessage('slow-1')]);
    sqsMock.on(ChangeMessageVisibilityCommand).rejects(
      new SQSServiceException({
        name: 'ReceiptHandleIsInvalid',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'The input receipt handle is invalid.',
      }),
    );
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    const consumer = createConsumer({
      visibilityTimeoutSeconds: 1,
      heartbeatIntervalSeconds: 0.1,
      handler: async () => {
        await sleep(350);
        return 'processed';
      },
    });
    const processed: string[] = [];
    consumer.on('message_processed', (message) => processed.push(message.MessageId!));

    consumer.start();
    await vi.waitFor(() => expect(processed).toEqual(['slow-1']));

    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).length).toBeGreaterThanOrEqual(2);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(1);
    const warning = logs.atLeast(LogLevel.warn).find((record) => record.awsErrorName === 'ReceiptHandleIsInvalid');
    expect(warning?.messageId).toBe('slow-1');
    expect(warning?.msg).toContain('Could not extend the visibility timeout');
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(1);
  });

  it('treats a handler result other than processed or ignored as a failure', async () => {
    receiveOnce([sqsMessage('odd-1')]);
    const consumer = createConsumer({ handler: async () => undefined as unknown as 'processed' });
    const failures: Error[] = [];
    consumer.on('processing_error', (error) => failures.push(error));

    consumer.start();
    await vi.waitFor(() => expect(failures).toHaveLength(1));

    expect(failures[0]?.message).toBe("The event handler must resolve to 'processed' or 'ignored', got undefined");
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(consumer.stats).toMatchObject({ received: 1, failed: 1, processed: 0 });
  });

  it('counts ignored events and deletes them', async () => {
    receiveOnce([sqsMessage('ignored-1')]);
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    const consumer = createConsumer({ handler: async () => 'ignored' });
    const ignored: string[] = [];
    consumer.on('message_ignored', (message, event) => ignored.push(`${message.MessageId} ${event.source}`));

    consumer.start();
    await vi.waitFor(() => expect(ignored).toEqual(['ignored-1 aws.securityhub']));

    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input.Entries?.[0]?.ReceiptHandle).toBe('receipt-ignored-1');
    expect(consumer.stats).toMatchObject({ received: 1, ignored: 1, processed: 0, inFlight: 0 });
  });

  it('logs a failed delete and emits error', async () => {
    receiveOnce([sqsMessage('undeletable-1')]);
    sqsMock.on(DeleteMessageBatchCommand).rejects(expiredToken());
    const consumer = createConsumer();
    const sqsErrors: SqsError[] = [];
    consumer.on('error', (error) => sqsErrors.push(error));

    consumer.start();
    await vi.waitFor(() => expect(sqsErrors).toHaveLength(1));

    expect(sqsErrors[0]?.operation).toBe('DeleteMessageBatch');
    const errorLine = logs.atLeast(LogLevel.error).find((record) => record.operation === 'DeleteMessageBatch');
    expect(errorLine?.messageId).toBe('undeletable-1');
  });

  it('survives an event listener that throws', async () => {
    receiveOnce([sqsMessage('m1')]);
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    const consumer = createConsumer();
    consumer.on('message_received', () => {
      throw new Error('listener bug');
    });

    consumer.start();
    await vi.waitFor(() => expect(consumer.stats.processed).toBe(1));

    const listenerLine = logs.atLeast(LogLevel.error).find((record) => record.event === 'message_received');
    expect(listenerLine?.errorMessage).toBe('listener bug');
  });

  it.each([
    [1, undefined],
    [2, 120],
    [3, 240],
    [5, 900],
    [10, 900],
  ])('delays receive %i of a failed message by %s s', async (receiveCount, delay) => {
    const message = sqsMessage('retry-1');
    message.Attributes = { ...message.Attributes, ApproximateReceiveCount: String(receiveCount) };
    receiveOnce([message]);
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    const consumer = createConsumer({
      handler: async () => {
        throw new Error('ServiceNow returned HTTP 503');
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(consumer.stats.failed).toBe(1));
    await vi.waitFor(() => expect(consumer.stats.inFlight).toBe(0));

    // The first failure keeps the visibility timeout SQS already applies: no call.
    const delays = sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.VisibilityTimeout);
    expect(delays).toEqual(delay === undefined ? [] : [delay]);
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  it('skips the delay for permanent errors', async () => {
    const message = sqsMessage('invalid-1');
    message.Attributes = { ...message.Attributes, ApproximateReceiveCount: '3' };
    receiveOnce([message]);
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    const consumer = createConsumer({
      handler: async () => {
        throw Object.assign(new Error('Invalid "Security Hub Findings - Imported" event: no severity'), { retryable: false });
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(consumer.stats.failed).toBe(1));
    await vi.waitFor(() => expect(consumer.stats.inFlight).toBe(0));

    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    const failureLine = logs.atLeast(LogLevel.error).find((record) => record.messageId === 'invalid-1');
    expect(failureLine?.retryDelaySeconds).toBe(60);
  });

  it('caps the retry delay at maxRetryDelaySeconds', async () => {
    const message = sqsMessage('retry-2');
    message.Attributes = { ...message.Attributes, ApproximateReceiveCount: '4' };
    receiveOnce([message]);
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
    const consumer = createConsumer({
      visibilityTimeoutSeconds: 30,
      maxRetryDelaySeconds: 100,
      handler: async () => {
        throw new Error('Jira returned HTTP 502');
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1));

    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({ ReceiptHandle: 'receipt-retry-2', VisibilityTimeout: 100 });
  });

  it('logs a retry delay SQS rejects', async () => {
    const message = sqsMessage('retry-3');
    message.Attributes = { ...message.Attributes, ApproximateReceiveCount: '2' };
    receiveOnce([message]);
    sqsMock.on(ChangeMessageVisibilityCommand).rejects(expiredToken());
    const consumer = createConsumer({
      handler: async () => {
        throw new Error('ServiceNow returned HTTP 503');
      },
    });
    const sqsErrors: SqsError[] = [];
    consumer.on('error', (error) => sqsErrors.push(error));

    consumer.start();
    await vi.waitFor(() => expect(sqsErrors).toHaveLength(1));

    expect(sqsErrors[0]?.operation).toBe('ChangeMessageVisibility');
    const warning = logs.atLeast(LogLevel.warn).find((record) => record.messageId === 'retry-3' && record.level === LogLevel.warn);
    expect(warning?.retryDelaySeconds).toBe(120);
    expect(warning?.msg).toContain('Could not delay the retry of a failed message');
  });

  it('logs a failed handler without the message body', async () => {
    receiveOnce([sqsMessage('fail-1')]);
    const consumer = createConsumer({
      handler: async () => {
        throw new Error('ServiceNow returned HTTP 503');
      },
    });

    consumer.start();
    await vi.waitFor(() => expect(consumer.stats.failed).toBe(1));

    const failureLine = logs.atLeast(LogLevel.error).find((record) => record.messageId === 'fail-1');
    expect(failureLine).toMatchObject({
      errorName: 'Error',
      errorMessage: 'ServiceNow returned HTTP 503',
      receiveCount: 1,
      eventId: 'd9f5fc82-ae37-5f1e-abd7-6e9c80df15b3',
    });
    expect(logs.lines.join('')).not.toContain('example-analytics-exports');
  });
});

describe('toSqsError', () => {
  it('keeps the AWS error name, code, status and request id', () => {
    const cause = Object.assign(
      new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: { httpStatusCode: 400, requestId: 'req-1' } }),
      { Code: 'AWS.SimpleQueueService.NonExistentQueue' },
    );

    const error = toSqsError(cause, 'ReceiveMessage');

    expect(error).toMatchObject({
      name: 'SqsError',
      operation: 'ReceiveMessage',
      awsErrorName: 'QueueDoesNotExist',
      awsErrorCode: 'AWS.SimpleQueueService.NonExistentQueue',
      statusCode: 400,
      retryable: false,
      requestId: 'req-1',
    });
    expect(error.message).toBe(
      'SQS ReceiveMessage failed with QueueDoesNotExist (HTTP 400): The specified queue does not exist.',
    );
    expect(error.cause).toBe(cause);
  });

  it('marks throttling, server faults and network errors retryable', () => {
    const throttled = new SQSServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });

    expect(toSqsError(throttled, 'ReceiveMessage').retryable).toBe(true);
    expect(toSqsError(refused, 'ReceiveMessage')).toMatchObject({
      awsErrorName: 'ECONNREFUSED',
      statusCode: undefined,
      retryable: true,
    });
    expect(toSqsError(refused, 'ReceiveMessage').message).toContain('(no HTTP response)');
  });
});
