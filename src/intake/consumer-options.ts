/**
 * Options of {@link SqsConsumer}, their defaults and their checks. Every option is checked when the
 * consumer is created, so a bad value fails at startup with a message naming the option, its
 * allowed range and the value given.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { EventBridgeEvent } from '../core/types.js';
import { InvalidConsumerOptionError } from './errors.js';

/**
 * Result of the handler for one event. `processed`: every effect of the event is durable.
 * `ignored`: the event needs no work (an event type no sync rule uses). Both delete the message.
 */
export type HandlerOutcome = 'processed' | 'ignored';

/**
 * Handles one event. Resolving deletes the message from the queue. Throwing leaves it there, so
 * SQS delivers it again after its visibility timeout, and the queue's redrive policy moves it to
 * the dead-letter queue after `maxReceiveCount` receives.
 */
export type EventHandler = (event: EventBridgeEvent, message: Message) => Promise<HandlerOutcome>;

/** Options of {@link SqsConsumer}. Durations carry their unit in the name. */
export interface SqsConsumerOptions {
  /** URL of the queue that EventBridge (or SNS) delivers to, such as `https://sqs.us-east-1.amazonaws.com/111122223333/itsm-sync-events`. */
  queueUrl: string;
  /** The SQS client. Its region and credentials must match the queue. */
  sqs: SQSClient;
  /** Called once for each message whose body is an EventBridge event. */
  handler: EventHandler;
  /** Maximum number of messages handled at once, 1 to 100. Default 10. */
  concurrency?: number;
  /** Maximum number of messages per ReceiveMessage call, 1 to 10 (the SQS limit). Default 10. */
  batchSize?: number;
  /** Long-poll wait of each ReceiveMessage call, 0 to 20 seconds (the SQS limit). Default 20. */
  waitTimeSeconds?: number;
  /**
   * How long a received message stays hidden from other consumers, 1 to 43200 seconds (12 hours,
   * the SQS limit). Sent on every ReceiveMessage call and renewed by each heartbeat. Default 60.
   */
  visibilityTimeoutSeconds?: number;
  /**
   * How often the visibility timeout of a message whose handler still runs is pushed out again.
   * Must be greater than 0 and less than `visibilityTimeoutSeconds`. Default a third of it.
   */
  heartbeatIntervalSeconds?: number;
  /**
   * How long `stop()` waits for running handlers before it releases their messages, 0 to 600000
   * milliseconds. Default 25000, which leaves time to release messages within the 30 s that ECS
   * waits between SIGTERM and SIGKILL by default.
   */
  drainTimeoutMs?: number;
  /**
   * How long polling pauses after AWS rejects the credentials or reports that the queue does not
   * exist, 1 to 3600000 milliseconds. Default 10000.
   */
  authErrorBackoffMs?: number;
  /**
   * First pause after any other failed ReceiveMessage call, 1 to 30000 milliseconds. The pause
   * doubles with each failure in a row, up to 30000. Default 1000.
   */
  errorBackoffMs?: number;
  /**
   * Maximum wait before SQS delivers a failed message again, from `visibilityTimeoutSeconds` to
   * 43200 seconds. After a failed handler the message stays hidden for the visibility timeout times
   * 2^(receives − 1), up to this value, so an ITSM outage uses up the redrive policy's receives
   * slowly. Default 900.
   */
  maxRetryDelaySeconds?: number;
  /** Logger for the consumer's lifecycle, failures and per-message debug lines. */
  logger: Logger;
}

/** The options with every default filled in. */
export type ResolvedConsumerOptions = Required<SqsConsumerOptions>;

/** Maximum pause between failed ReceiveMessage calls, however many failed in a row. */
export const MAX_ERROR_BACKOFF_MS = 30_000;

const DEFAULTS = {
  concurrency: 10,
  batchSize: 10,
  waitTimeSeconds: 20,
  visibilityTimeoutSeconds: 60,
  drainTimeoutMs: 25_000,
  authErrorBackoffMs: 10_000,
  maxRetryDelaySeconds: 900,
  errorBackoffMs: 1_000,
} as const;

/**
 * Checks the options and fills in the defaults.
 *
 * @throws {@link InvalidConsumerOptionError} naming the first invalid option.
 */
export function resolveConsumerOptions(options: SqsConsumerOptions): ResolvedConsumerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConsumerOptionError('options', `SqsConsumer options must be an object, got ${formatValue(options)}`);
  }

  checkQueueUrl(options.queueUrl);
  checkSqsClient(options.sqs);
  if (typeof options.handler !== 'function') {
    throw new InvalidConsumerOptionError(
      'handler',
      `handler must be an async function (event, message) => 'processed' | 'ignored', got ${formatValue(options.handler)}`,
    );
  }
  checkLogger(options.logger);

  const concurrency = integerInRange('concurrency', options.concurrency, DEFAULTS.concurrency, 1, 100);
  const batchSize = integerInRange('batchSize', options.batchSize, DEFAULTS.batchSize, 1, 10);
  const waitTimeSeconds = integerInRange('waitTimeSeconds', options.waitTimeSeconds, DEFAULTS.waitTimeSeconds, 0, 20);
  const visibilityTimeoutSeconds = integerInRange(
    'visibilityTimeoutSeconds',
    options.visibilityTimeoutSeconds,
    DEFAULTS.visibilityTimeoutSeconds,
    1,
    43_200,
  );
  const heartbeatIntervalSeconds = checkHeartbeatInterval(options.heartbeatIntervalSeconds, visibilityTimeoutSeconds);
  const drainTimeoutMs = integerInRange('drainTimeoutMs', options.drainTimeoutMs, DEFAULTS.drainTimeoutMs, 0, 600_000);
  const authErrorBackoffMs = integerInRange(
    'authErrorBackoffMs',
    options.authErrorBackoffMs,
    DEFAULTS.authErrorBackoffMs,
    1,
    3_600_000,
  );
  const errorBackoffMs = integerInRange(
    'errorBackoffMs',
    options.errorBackoffMs,
    DEFAULTS.errorBackoffMs,
    1,
    MAX_ERROR_BACKOFF_MS,
  );

  const maxRetryDelaySeconds = integerInRange(
    'maxRetryDelaySeconds',
    options.maxRetryDelaySeconds,
    Math.max(DEFAULTS.maxRetryDelaySeconds, visibilityTimeoutSeconds),
    visibilityTimeoutSeconds,
    43_200,
  );

  return {
    queueUrl: options.queueUrl,
    sqs: options.sqs,
    handler: options.handler,
    logger: options.logger,
    concurrency,
    batchSize,
    waitTimeSeconds,
    visibilityTimeoutSeconds,
    heartbeatIntervalSeconds,
    drainTimeoutMs,
    authErrorBackoffMs,
    errorBackoffMs,
    maxRetryDelaySeconds,
  };
}

function checkQueueUrl(queueUrl: unknown): void {
  const example = 'https://sqs.us-east-1.amazonaws.com/111122223333/itsm-sync-events';
  if (typeof queueUrl !== 'string' || queueUrl.trim() === '') {
    throw new InvalidConsumerOptionError(
      'queueUrl',
      `queueUrl must be the URL of an SQS queue, such as ${example}, got ${formatValue(queueUrl)}`,
    );
  }

  let parsed: URL;
  try {
    parsed = new URL(queueUrl);
  } catch {
    throw new InvalidConsumerOptionError(
      'queueUrl',
      `queueUrl must be the URL of an SQS queue, such as ${example}, got ${JSON.stringify(queueUrl)}, which is not a URL`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InvalidConsumerOptionError(
      'queueUrl',
      `queueUrl must be an https:// (or, for a local emulator, http://) URL, got ${JSON.stringify(queueUrl)}`,
    );
  }
}

function checkSqsClient(sqs: unknown): void {
  const send = typeof sqs === 'object' && sqs !== null ? (sqs as { send?: unknown }).send : undefined;
  if (typeof send !== 'function') {
    throw new InvalidConsumerOptionError(
      'sqs',
      `sqs must be an SQSClient from @aws-sdk/client-sqs, got ${formatValue(sqs)}`,
    );
  }
}

function checkLogger(logger: unknown): void {
  const methods = ['debug', 'info', 'warn', 'error', 'child'];
  const isLogger =
    typeof logger === 'object' &&
    logger !== null &&
    methods.every((method) => typeof (logger as Record<string, unknown>)[method] === 'function');
  if (!isLogger) {
    throw new InvalidConsumerOptionError('logger', `logger must be a pino Logger, got ${formatValue(logger)}`);
  }
}

function checkHeartbeatInterval(value: number | undefined, visibilityTimeoutSeconds: number): number {
  if (value === undefined) {
    return visibilityTimeoutSeconds / 3;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= visibilityTimeoutSeconds) {
    throw new InvalidConsumerOptionError(
      'heartbeatIntervalSeconds',
      `heartbeatIntervalSeconds must be greater than 0 and less than visibilityTimeoutSeconds ` +
        `(${visibilityTimeoutSeconds}), got ${formatValue(value)}; otherwise the message becomes visible ` +
        'to other consumers before its visibility timeout is extended',
    );
  }
  return value;
}

function integerInRange(
  option: string,
  value: number | undefined,
  defaultValue: number,
  min: number,
  max: number,
): number {
  if (value === undefined) {
    return defaultValue;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidConsumerOptionError(
      option,
      `${option} must be an integer between ${min} and ${max}, got ${formatValue(value)}`,
    );
  }
  if (value < min || value > max) {
    throw new InvalidConsumerOptionError(option, `${option} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'function' ? 'a function' : `a value of type ${typeof value}`;
}
