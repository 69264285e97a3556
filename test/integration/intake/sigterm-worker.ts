/**
 * A worker process for the SIGTERM test: consumes a queue on the test's SQS emulator with slow
 * handlers and stops on SIGTERM through runUntilSignal, as the CLI does. Logs JSON lines to stdout.
 *
 * Environment: SQS_ENDPOINT, QUEUE_URL, HANDLER_DELAY_MS, DRAIN_TIMEOUT_MS, CONCURRENCY.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { runUntilSignal } from '../../../src/intake/run-until-signal.js';
import { SqsConsumer } from '../../../src/intake/sqs-consumer.js';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`sigterm-worker needs the environment variable ${name}`);
  }
  return value;
}

const logger = pino({ level: 'info' });
const handlerDelayMs = Number(requiredEnv('HANDLER_DELAY_MS'));

const consumer = new SqsConsumer({
  queueUrl: requiredEnv('QUEUE_URL'),
  sqs: new SQSClient({
    endpoint: requiredEnv('SQS_ENDPOINT'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  }),
  logger,
  concurrency: Number(requiredEnv('CONCURRENCY')),
  drainTimeoutMs: Number(requiredEnv('DRAIN_TIMEOUT_MS')),
  handler: async (_event, message) => {
    logger.info({ messageId: message.MessageId }, 'handler started');
    await sleep(handlerDelayMs);
    logger.info({ messageId: message.MessageId }, 'handler finished');
    return 'processed';
  },
});

logger.info({ pid: process.pid }, 'worker ready');
await runUntilSignal(consumer, logger);
