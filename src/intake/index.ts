/** Intake: reads EventBridge events from SQS and hands them to the sync pipeline. */
export { parseMessageBody, MAX_EVENT_BYTES, MAX_MESSAGE_BODY_BYTES } from './envelope.js';
export {
  InvalidConsumerOptionError,
  MalformedMessageError,
  SqsError,
  isAbortError,
  isCredentialsError,
  isQueueNotFoundError,
  toSqsError,
} from './errors.js';
export {
  resolveConsumerOptions,
  type EventHandler,
  type HandlerOutcome,
  type ResolvedConsumerOptions,
  type SqsConsumerOptions,
} from './consumer-options.js';
export { SqsConsumer, type SqsConsumerEvents, type SqsConsumerStats } from './sqs-consumer.js';
export { runUntilSignal, type RunUntilSignalOptions } from './run-until-signal.js';
