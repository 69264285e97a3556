/**
 * The SQS consumer: long-polls the event queue, hands each EventBridge event to the handler with
 * bounded concurrency, and deletes a message only after the handler resolved.
 *
 * Lifecycle of one message:
 *
 *   ReceiveMessage ─► parse body ─► handler ──resolves──► DeleteMessageBatch
 *                          │           │  ▲
 *                          │           │  └─ ChangeMessageVisibility every heartbeat while it runs
 *                          │           └─throws──► left on the queue: SQS delivers it again after
 *                          │                       the visibility timeout, then the redrive policy
 *                          └─malformed──────────►  moves it to the dead-letter queue
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { EventBridgeEvent } from '../core/types.js';
import {
  MAX_ERROR_BACKOFF_MS,
  resolveConsumerOptions,
  type HandlerOutcome,
  type ResolvedConsumerOptions,
  type SqsConsumerOptions,
} from './consumer-options.js';
import { DeleteBatcher } from './delete-batcher.js';
import { parseMessageBody } from './envelope.js';
import {
  MalformedMessageError,
  SqsError,
  isAbortError,
  isCredentialsError,
  isQueueNotFoundError,
  toSqsError,
} from './errors.js';

/** Events of {@link SqsConsumer} and their listener arguments. */
export interface SqsConsumerEvents {
  /** A message was received and its handling starts. */
  message_received: [message: Message];
  /** The handler returned `processed` and the message was deleted. */
  message_processed: [message: Message, event: EventBridgeEvent];
  /** The handler returned `ignored` and the message was deleted. */
  message_ignored: [message: Message, event: EventBridgeEvent];
  /** The handler threw; the message stays on the queue. */
  processing_error: [error: Error, message: Message];
  /** The body is not an EventBridge event; the message stays on the queue for the dead-letter queue. */
  malformed_message: [error: MalformedMessageError, message: Message];
  /** A ReceiveMessage call returned no messages. */
  empty: [];
  /** `stop()` finished: no more polling, and every message was finished or released. */
  stopped: [];
  /**
   * An SQS call failed. Emitted only while a listener is attached, so an unobserved failure never
   * becomes an uncaught 'error' event. Every failure is logged either way.
   */
  error: [error: SqsError, message: Message | undefined];
}

/** Counters since the consumer was created. */
export interface SqsConsumerStats {
  /** Messages received from SQS. */
  received: number;
  /** Messages whose handler returned `processed`. */
  processed: number;
  /** Messages whose handler returned `ignored`. */
  ignored: number;
  /** Messages whose handler threw. */
  failed: number;
  /** Messages whose body is not an EventBridge event. */
  malformed: number;
  /** Messages received and not yet finished, at the time of the call. */
  inFlight: number;
}

/** How long stop() waits for each ChangeMessageVisibility call that releases a message. */
const RELEASE_TIMEOUT_MS = 3_000;

/**
 * Pause between ReceiveMessage calls that found nothing when `waitTimeSeconds` is 0. Without it a
 * short-polling consumer would call SQS in a tight loop; SQS bills every call.
 */
const SHORT_POLL_IDLE_DELAY_MS = 1_000;

const RECEIVE_ATTRIBUTE_NAMES = ['ApproximateReceiveCount', 'SentTimestamp'] as const;

/** One message between receive and delete (or release). */
interface InFlightMessage {
  readonly message: Message;
  readonly messageId: string;
  readonly receiveCount: number | undefined;
  /** Set when stop() gave the message back to SQS; the handler's result must then not delete it. */
  released: boolean;
  heartbeat?: Heartbeat;
  /** Settles when the handling has finished, whatever the outcome. Never rejects. */
  finished?: Promise<void>;
}

interface Heartbeat {
  stop(): Promise<void>;
}

type ConsumerState = 'idle' | 'running' | 'stopping';

/**
 * Reads EventBridge events from an SQS queue and hands each one to a handler.
 *
 * - Polls with ReceiveMessage long polling, and only while fewer than `concurrency` messages are
 *   being handled.
 * - Deletes a message only after the handler resolved. A handler that throws and a body that is
 *   not an event leave the message on the queue, for redelivery and finally the dead-letter queue.
 * - Extends the visibility timeout of a message while its handler runs.
 * - Logs SQS failures and keeps polling: it pauses on credential errors and a missing queue, and
 *   backs off exponentially on other errors. The poll loop catches every error, so it never throws.
 *
 * @example
 * ```ts
 * const consumer = new SqsConsumer({
 *   queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/itsm-sync-events',
 *   sqs: new SQSClient({ region: 'us-east-1' }),
 *   logger: pino(),
 *   handler: async (event) => (event.source === 'aws.securityhub' ? syncFinding(event) : 'ignored'),
 * });
 * consumer.start();
 * process.once('SIGTERM', () => void consumer.stop().then(() => process.exit(0)));
 * ```
 */
export class SqsConsumer extends EventEmitter<SqsConsumerEvents> {
  private readonly options: ResolvedConsumerOptions;
  private readonly logger: Logger;
  private state: ConsumerState = 'idle';

  /** Aborts the running long poll or error pause when stop() is called. */
  private pollAbort = new AbortController();
  private pollLoopDone: Promise<void> = Promise.resolve();
  private stopPromise: Promise<void> | undefined;

  /** Wakes the poll loop when a slot frees up or stop() is called. */
  private wakePollLoop: (() => void) | undefined;
  private consecutiveReceiveErrors = 0;

  private readonly inFlight = new Set<InFlightMessage>();
  private readonly deletes: DeleteBatcher;
  /** Free slots needed before the next ReceiveMessage call. */
  private readonly receiveThreshold: number;
  private readonly counters = { received: 0, processed: 0, ignored: 0, failed: 0, malformed: 0 };

  /**
   * @throws {@link InvalidConsumerOptionError} when an option is missing or out of range.
   */
  constructor(options: SqsConsumerOptions) {
    super();
    this.options = resolveConsumerOptions(options);
    this.logger = this.options.logger.child({ component: 'sqs-consumer', queueUrl: this.options.queueUrl });
    this.deletes = new DeleteBatcher(this.options.sqs, this.options.queueUrl);
    // Receive once a batch fits, or half a batch, so a busy worker does not make one receive call
    // per finished message. With concurrency below the batch size, any free slot is enough.
    this.receiveThreshold = Math.max(1, Math.ceil(Math.min(this.options.batchSize, this.options.concurrency) / 2));
  }

  /** Counters of messages handled so far, and the number in flight now. */
  get stats(): SqsConsumerStats {
    return { ...this.counters, inFlight: this.inFlight.size };
  }

  /** Whether the consumer is polling (started and not stopping). */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /**
   * Starts polling. Calling it while the consumer runs does nothing. After `stop()` resolved, the
   * consumer may be started again.
   *
   * @throws Error when called while `stop()` is still in progress.
   */
  start(): void {
    if (this.state === 'running') {
      return;
    }
    if (this.state === 'stopping') {
      throw new Error('SqsConsumer.start() was called while stop() is in progress; await stop() first');
    }

    this.state = 'running';
    this.pollAbort = new AbortController();
    this.stopPromise = undefined;
    this.consecutiveReceiveErrors = 0;

    const { concurrency, batchSize, waitTimeSeconds, visibilityTimeoutSeconds, heartbeatIntervalSeconds } = this.options;
    this.logger.info(
      { concurrency, batchSize, waitTimeSeconds, visibilityTimeoutSeconds, heartbeatIntervalSeconds },
      'SQS consumer started',
    );

    this.pollLoopDone = this.pollLoop();
  }

  /**
   * Stops the consumer: stops receiving at once (aborting the long poll in progress), waits up to
   * `drainTimeoutMs` for running handlers, then releases the messages of handlers that are still
   * running with ChangeMessageVisibility 0, so another consumer receives them at once. Emits
   * `stopped` and resolves. Never rejects, and calling it again returns the same promise.
   *
   * A handler that is still running after the drain timeout is not cancelled. If it finishes
   * later, its message is not deleted, because SQS may already have given it to another consumer.
   *
   * NOTE: aborting the long poll closes the connection, but SQS may still assign a message that
   * arrives during the rest of the wait to that poll (the fauxqs emulator does). Such a message
   * stays invisible until its visibility timeout ends, and SQS then delivers it again.
   */
  stop(): Promise<void> {
    if (this.stopPromise !== undefined) {
      return this.stopPromise;
    }
    if (this.state === 'idle') {
      return Promise.resolve();
    }

    this.state = 'stopping';
    this.logger.info({ inFlight: this.inFlight.size }, 'Stopping SQS consumer: no more polling, draining in-flight messages');
    this.pollAbort.abort();
    this.notifyPollLoop();

    this.stopPromise = this.drainAndRelease();
    return this.stopPromise;
  }

  private async drainAndRelease(): Promise<void> {
    const startedAt = Date.now();
    await this.pollLoopDone;

    const drained = await this.waitForInFlight(this.options.drainTimeoutMs);
    let released = 0;
    if (!drained) {
      released = await this.releaseUnfinished();
    }

    this.state = 'idle';
    this.logger.info({ durationMs: Date.now() - startedAt, released, stats: this.stats }, 'SQS consumer stopped');
    this.emitSafely('stopped');
  }

  // ── Polling ────────────────────────────────────────────────────────────────────────────────

  private async pollLoop(): Promise<void> {
    while (this.isRunning) {
      try {
        await this.pollOnce();
      } catch (error) {
        // pollOnce handles SQS errors itself, so this is a bug; keep the worker alive regardless.
        this.logger.error({ ...errorFields(error) }, 'Unexpected error in the SQS poll loop; polling continues');
        await this.pause(this.options.errorBackoffMs);
      }
    }
  }

  private async pollOnce(): Promise<void> {
    await this.waitForFreeSlot();
    if (!this.isRunning) {
      return;
    }

    const freeSlots = this.options.concurrency - this.inFlight.size;
    const maxMessages = Math.min(this.options.batchSize, freeSlots);

    let messages: Message[];
    try {
      messages = await this.receiveMessages(maxMessages);
      this.consecutiveReceiveErrors = 0;
    } catch (error) {
      if (!this.isRunning && isAbortError(error)) {
        return;
      }
      await this.pauseAfterReceiveError(toSqsError(error, 'ReceiveMessage'));
      return;
    }

    if (messages.length === 0) {
      this.logger.debug('ReceiveMessage returned no messages');
      this.emitSafely('empty');
      if (this.options.waitTimeSeconds === 0) {
        await this.pause(SHORT_POLL_IDLE_DELAY_MS);
      }
      return;
    }

    // stop() began while these were on their way: give them back instead of starting work that
    // the drain would then have to wait for.
    if (!this.isRunning) {
      await Promise.all(messages.map((message) => this.releaseMessage(message, 'received while stopping')));
      return;
    }

    for (const message of messages) {
      this.startHandling(message);
    }
  }

  private async receiveMessages(maxMessages: number): Promise<Message[]> {
    const output = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: this.options.waitTimeSeconds,
        VisibilityTimeout: this.options.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: [...RECEIVE_ATTRIBUTE_NAMES],
        // EventBridge puts its failure details (RULE_ARN, ERROR_CODE) in message attributes when it
        // delivers to a dead-letter queue, so handlers that read a DLQ need them.
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.pollAbort.signal },
    );

    // An empty receive in SDK v3 has no Messages key at all, not an empty array.
    return output.Messages ?? [];
  }

  private async waitForFreeSlot(): Promise<void> {
    while (this.options.concurrency - this.inFlight.size < this.receiveThreshold && this.isRunning) {
      await new Promise<void>((resolve) => {
        this.wakePollLoop = resolve;
      });
    }
  }

  private notifyPollLoop(): void {
    const wake = this.wakePollLoop;
    this.wakePollLoop = undefined;
    wake?.();
  }

  private async pauseAfterReceiveError(error: SqsError): Promise<void> {
    const fields = sqsErrorFields(error);
    let pauseMs: number;

    if (isCredentialsError(error)) {
      pauseMs = this.options.authErrorBackoffMs;
      this.logger.error(
        { ...fields, pauseMs },
        `SQS rejected the AWS credentials (${error.awsErrorName}). Check the ECS task role (or the AWS ` +
          'credentials in the environment) and that it allows sqs:ReceiveMessage, sqs:DeleteMessage and ' +
          `sqs:ChangeMessageVisibility on the queue. Polling pauses for ${pauseMs} ms`,
      );
    } else if (isQueueNotFoundError(error)) {
      pauseMs = this.options.authErrorBackoffMs;
      this.logger.error(
        { ...fields, pauseMs },
        `SQS queue ${this.options.queueUrl} does not exist. Check the queue URL (account id, region and ` +
          `name) and that the SQS client uses the queue's region. Polling pauses for ${pauseMs} ms`,
      );
    } else {
      this.consecutiveReceiveErrors += 1;
      pauseMs = Math.min(
        this.options.errorBackoffMs * 2 ** (this.consecutiveReceiveErrors - 1),
        MAX_ERROR_BACKOFF_MS,
      );
      this.logger.error(
        { ...fields, consecutiveFailures: this.consecutiveReceiveErrors, pauseMs },
        `SQS ReceiveMessage failed; polling again in ${pauseMs} ms`,
      );
    }

    this.emitSafely('error', error, undefined);
    await this.pause(pauseMs);
  }

  /** Waits, returning early when stop() is called. */
  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.pollAbort.signal });
    } catch (error) {
      if (!isAbortError(error)) {
        throw error;
      }
    }
  }

  // ── Handling one message ───────────────────────────────────────────────────────────────────

  private startHandling(message: Message): void {
    const receiveCountText = message.Attributes?.ApproximateReceiveCount;
    const tracked: InFlightMessage = {
      message,
      messageId: message.MessageId ?? '(no MessageId)',
      receiveCount: receiveCountText === undefined ? undefined : Number(receiveCountText),
      released: false,
    };

    this.inFlight.add(tracked);
    this.counters.received += 1;

    tracked.finished = this.handleMessage(tracked).finally(() => {
      this.inFlight.delete(tracked);
      this.notifyPollLoop();
    });
  }

  /** Runs one message through parse, handler and delete. Never rejects. */
  private async handleMessage(tracked: InFlightMessage): Promise<void> {
    const { message, messageId, receiveCount } = tracked;
    this.logger.debug({ messageId, receiveCount }, 'Received SQS message');
    this.emitSafely('message_received', message);

    let event: EventBridgeEvent;
    try {
      event = parseMessageBody(message.Body ?? '', messageId);
    } catch (error) {
      this.onMalformedMessage(tracked, error);
      return;
    }

    let outcome: HandlerOutcome | undefined;
    let retryable = true;
    const heartbeat = this.startHeartbeat(tracked);
    tracked.heartbeat = heartbeat;
    try {
      outcome = await this.options.handler(event, message);
      checkOutcome(outcome);
    } catch (error) {
      outcome = undefined;
      // An error marked retryable: false (an invalid event) skips the delay, so the message
      // reaches the dead-letter queue after maxReceiveCount visibility timeouts, not after hours.
      retryable = (error as { retryable?: unknown } | null)?.retryable !== false;
      this.counters.failed += 1;
      this.logger.error(
        {
          messageId,
          receiveCount,
          eventId: event.id,
          detailType: event['detail-type'],
          retryDelaySeconds: retryable ? this.retryDelaySeconds(receiveCount) : this.options.visibilityTimeoutSeconds,
          ...errorFields(error),
        },
        'Event handler failed; the message stays on the queue and SQS delivers it again after retryDelaySeconds ' +
          '(the redrive policy moves it to the dead-letter queue after maxReceiveCount receives)',
      );
      this.emitSafely('processing_error', error instanceof Error ? error : new Error(String(error)), message);
    } finally {
      await heartbeat.stop();
    }

    // Set after the heartbeat stopped, which would otherwise renew the visibility timeout.
    if (outcome === undefined) {
      if (retryable && !tracked.released) await this.delayRetry(tracked);
      return;
    }

    if (tracked.released) {
      this.logger.warn(
        { messageId, eventId: event.id, outcome },
        'Event handler finished after its message was released at shutdown; not deleting it, so SQS delivers it again',
      );
      return;
    }

    await this.deleteMessage(tracked);

    this.counters[outcome] += 1;
    this.logger.debug({ messageId, eventId: event.id, outcome }, 'SQS message handled and deleted');
    if (outcome === 'processed') {
      this.emitSafely('message_processed', message, event);
    } else {
      this.emitSafely('message_ignored', message, event);
    }
  }

  private onMalformedMessage(tracked: InFlightMessage, error: unknown): void {
    const { message, messageId, receiveCount } = tracked;
    const malformed =
      error instanceof MalformedMessageError ? error : new MalformedMessageError(messageId, String(error));

    this.counters.malformed += 1;
    this.logger.error(
      { messageId, receiveCount, reason: malformed.reason },
      'SQS message body is not an EventBridge event; the message stays on the queue until the redrive ' +
        'policy moves it to the dead-letter queue',
    );
    this.emitSafely('malformed_message', malformed, message);
  }

  /**
   * Deletes a handled message. A failed delete is logged and not retried here: SQS delivers the
   * message again and the handler receives the event twice, which handlers must tolerate anyway
   * because SQS standard queues and EventBridge deliver at least once.
   */
  private async deleteMessage(tracked: InFlightMessage): Promise<void> {
    const failure = await this.deletes.delete(tracked.message.ReceiptHandle ?? '');
    if (failure) {
      const sqsError = toSqsError(failure.error, 'DeleteMessageBatch');
      this.logger.error(
        { messageId: tracked.messageId, ...sqsErrorFields(sqsError) },
        'Could not delete a handled SQS message; SQS will deliver it again and the event is handled twice',
      );
      this.emitSafely('error', sqsError, tracked.message);
    }
  }

  /**
   * Pushes the visibility timeout out by `visibilityTimeoutSeconds` every heartbeat interval while
   * the handler runs. A failed extension is logged; the handler keeps running either way.
   */
  private startHeartbeat(tracked: InFlightMessage): Heartbeat {
    // The controller is made on the first beat, because most messages finish before it and
    // aborting a controller builds a DOMException, which every message would otherwise pay for.
    let abort: AbortController | undefined;
    let running: Promise<void> | undefined;

    const timer = setInterval(() => {
      // Skip a beat rather than queue calls behind one that hangs.
      if (running !== undefined || tracked.released) {
        return;
      }
      abort ??= new AbortController();
      running = this.extendVisibility(tracked, abort.signal).finally(() => {
        running = undefined;
      });
    }, this.options.heartbeatIntervalSeconds * 1000);
    timer.unref();

    return {
      stop: async () => {
        clearInterval(timer);
        abort?.abort();
        await running;
      },
    };
  }

  private async extendVisibility(tracked: InFlightMessage, signal: AbortSignal): Promise<void> {
    const { visibilityTimeoutSeconds } = this.options;
    try {
      await this.options.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: tracked.message.ReceiptHandle,
          VisibilityTimeout: visibilityTimeoutSeconds,
        }),
        { abortSignal: signal },
      );
      this.logger.debug({ messageId: tracked.messageId, visibilityTimeoutSeconds }, 'Extended SQS message visibility');
    } catch (error) {
      if (isAbortError(error)) {
        return;
      }
      const sqsError = toSqsError(error, 'ChangeMessageVisibility');
      this.logger.warn(
        { messageId: tracked.messageId, ...sqsErrorFields(sqsError) },
        'Could not extend the visibility timeout of a message whose handler is still running; if the ' +
          'handler outlasts the timeout, SQS may deliver the message to another consumer as well',
      );
      this.emitSafely('error', sqsError, tracked.message);
    }
  }

  // ── Stopping ──────────────────────────────────────────────────────────────────────────────

  /** Waits until no message is in flight or the timeout passes. Returns whether all finished. */
  private async waitForInFlight(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) {
      return true;
    }

    const timeout = new AbortController();
    const allFinished = Promise.all([...this.inFlight].map((tracked) => tracked.finished)).then(() => true);
    const timedOut = sleep(timeoutMs, false, { signal: timeout.signal }).catch(() => false);

    const drained = await Promise.race([allFinished, timedOut]);
    timeout.abort();
    return drained;
  }

  private async releaseUnfinished(): Promise<number> {
    const unfinished = [...this.inFlight];
    this.logger.warn(
      { unfinished: unfinished.length, drainTimeoutMs: this.options.drainTimeoutMs },
      'Drain timeout passed with handlers still running; releasing their messages to other consumers',
    );

    await Promise.all(
      unfinished.map(async (tracked) => {
        tracked.released = true;
        await tracked.heartbeat?.stop();
        await this.releaseMessage(tracked.message, 'drain timeout passed');
      }),
    );
    return unfinished.length;
  }

  /**
   * Computes the wait before SQS delivers a failed message again: the visibility timeout doubled
   * for each earlier receive, up to `maxRetryDelaySeconds`. An unknown receive count counts as the first.
   */
  private retryDelaySeconds(receiveCount: number | undefined): number {
    const { visibilityTimeoutSeconds, maxRetryDelaySeconds } = this.options;
    const receives = receiveCount !== undefined && Number.isFinite(receiveCount) ? receiveCount : 1;
    const earlierReceives = Math.max(0, receives - 1);
    return Math.min(visibilityTimeoutSeconds * 2 ** Math.min(earlierReceives, 20), maxRetryDelaySeconds);
  }

  /** Hides a failed message for its retry delay (ChangeMessageVisibility). Never rejects. */
  private async delayRetry(tracked: InFlightMessage): Promise<void> {
    const retryDelaySeconds = this.retryDelaySeconds(tracked.receiveCount);
    if (retryDelaySeconds <= this.options.visibilityTimeoutSeconds) return;

    await this.setVisibility(tracked.message, retryDelaySeconds, {
      context: { retryDelaySeconds },
      failure: 'Could not delay the retry of a failed message; SQS delivers it again when its visibility timeout expires',
    });
  }

  /** Makes a message visible again at once (ChangeMessageVisibility 0). Never rejects. */
  private async releaseMessage(message: Message, reason: string): Promise<void> {
    const released = await this.setVisibility(message, 0, {
      context: { reason },
      failure: 'Could not release an SQS message; SQS delivers it again when its visibility timeout expires',
    });
    if (released) this.logger.info({ messageId: message.MessageId, reason }, 'Released SQS message for another consumer');
  }

  /**
   * Sets a message's visibility timeout, within RELEASE_TIMEOUT_MS. A failure is logged with
   * `failure` and `context`, and emitted as `error`. Returns whether SQS accepted the change.
   */
  private async setVisibility(message: Message, seconds: number, log: { context: Record<string, unknown>; failure: string }): Promise<boolean> {
    try {
      await this.options.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
        { abortSignal: AbortSignal.timeout(RELEASE_TIMEOUT_MS) },
      );
      return true;
    } catch (error) {
      const sqsError = toSqsError(error, 'ChangeMessageVisibility');
      this.logger.warn({ messageId: message.MessageId, ...log.context, ...sqsErrorFields(sqsError) }, log.failure);
      this.emitSafely('error', sqsError, message);
      return false;
    }
  }

  // ── Events ────────────────────────────────────────────────────────────────────────────────

  /**
   * Emits an event without letting a listener break the consumer: a listener that throws is
   * logged, and `error` is emitted only when someone listens (Node.js throws on an unheard 'error').
   */
  private emitSafely<K extends keyof SqsConsumerEvents>(name: K, ...args: SqsConsumerEvents[K]): void {
    if (name === 'error' && this.listenerCount('error') === 0) {
      return;
    }
    try {
      (this.emit as (name: string, ...args: unknown[]) => boolean)(name, ...args);
    } catch (listenerError) {
      this.logger.error({ event: name, ...errorFields(listenerError) }, 'A listener of an SQS consumer event threw');
    }
  }
}

function checkOutcome(outcome: unknown): asserts outcome is HandlerOutcome {
  if (outcome !== 'processed' && outcome !== 'ignored') {
    throw new TypeError(
      `The event handler must resolve to 'processed' or 'ignored', got ${JSON.stringify(outcome) ?? String(outcome)}`,
    );
  }
}

/**
 * Picks the name and message of a caught error for a log line. The whole error object is not
 * logged, because errors of HTTP clients carry the request, including its authorization header.
 */
function errorFields(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) {
    return { errorName: error.name, errorMessage: error.message };
  }
  return { errorName: typeof error, errorMessage: String(error) };
}

function sqsErrorFields(error: SqsError): Record<string, unknown> {
  return {
    operation: error.operation,
    awsErrorName: error.awsErrorName,
    awsErrorCode: error.awsErrorCode,
    statusCode: error.statusCode,
    retryable: error.retryable,
    requestId: error.requestId,
    errorMessage: error.message,
  };
}
