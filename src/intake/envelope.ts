/**
 * Turns the body of an SQS message into the EventBridge event it carries.
 *
 * A body arrives in one of three shapes:
 * - the event itself, when an EventBridge rule targets the queue;
 * - the event itself, when EventBridge publishes to an SNS topic whose SQS subscription has raw
 *   message delivery turned on;
 * - an SNS `Notification` envelope whose `Message` key contains the event as a JSON string, when raw
 *   message delivery is off. The body is then parsed twice.
 */
import type { EventBridgeEvent } from '../core/types.js';
import { MalformedMessageError } from './errors.js';

/** Maximum size of an SQS message body in bytes: 1 MiB (raised from 256 KiB by AWS in 2025). */
export const MAX_MESSAGE_BODY_BYTES = 1_048_576;

/**
 * Maximum size of an EventBridge event in bytes: 256 KiB, which is also the SNS message limit.
 * An SNS envelope may be larger than its event, because it escapes every quote of the event JSON.
 */
export const MAX_EVENT_BYTES = 262_144;

/** How many characters of a body that is not JSON go into the error, enough to recognize it. */
const BODY_PREVIEW_LENGTH = 80;

/** SNS message types that are not notifications: subscription housekeeping, not events. */
const SNS_CONFIRMATION_TYPES = new Set(['SubscriptionConfirmation', 'UnsubscribeConfirmation']);

/** Top-level event keys that must be strings, in the order they are checked. */
const REQUIRED_STRING_KEYS = ['id', 'source', 'detail-type', 'account', 'time', 'region'] as const;

/**
 * Parses an SQS message body into an EventBridge event, removing an SNS envelope if there is one.
 * The envelope's whitespace and key order do not matter.
 *
 * @param body - The message `Body` exactly as ReceiveMessage returned it.
 * @param messageId - The SQS MessageId, used in error messages.
 * @returns The event, with the keys of {@link EventBridgeEvent} checked and every other key kept.
 * @throws {@link MalformedMessageError} when the body is too large or not JSON, when an SNS
 *   envelope's `Message` is not JSON, or when an event key is missing or of the wrong type.
 *
 * @example
 * ```ts
 * const event = parseMessageBody(message.Body ?? '', message.MessageId ?? 'unknown');
 * if (event.source === 'aws.securityhub') {
 *   // hand the event to the Security Hub source adapter
 * }
 * ```
 */
export function parseMessageBody(body: string, messageId: string): EventBridgeEvent {
  if (body.trim() === '') {
    throw new MalformedMessageError(messageId, 'the body is empty; expected an EventBridge event as JSON');
  }

  // Check the size before parsing, so an oversized body costs no JSON parse.
  const bodyBytes = Buffer.byteLength(body, 'utf8');
  if (bodyBytes > MAX_MESSAGE_BODY_BYTES) {
    throw new MalformedMessageError(
      messageId,
      `the body is ${bodyBytes} bytes, larger than the SQS maximum of ${MAX_MESSAGE_BODY_BYTES} bytes (1 MiB)`,
    );
  }

  const parsed = parseJson(body, messageId, 'the body');

  if (isSnsMessage(parsed)) {
    return parseSnsMessage(parsed, messageId);
  }

  if (bodyBytes > MAX_EVENT_BYTES) {
    throw new MalformedMessageError(messageId, oversizedEventReason(bodyBytes, 'the body'));
  }
  return checkEvent(parsed, messageId, '');
}

/** The SNS envelope keys that {@link parseSnsMessage} reads. */
interface SnsMessageShape {
  Type: string;
  Message?: unknown;
  TopicArn?: unknown;
}

/**
 * Tells whether a parsed body is an SNS message. EventBridge events never have a top-level `Type`
 * key, so the key together with `TopicArn` or `Message` identifies the envelope.
 */
function isSnsMessage(value: unknown): value is SnsMessageShape {
  if (!isJsonObject(value) || typeof value.Type !== 'string') {
    return false;
  }
  return 'TopicArn' in value || 'Message' in value;
}

function parseSnsMessage(envelope: SnsMessageShape, messageId: string): EventBridgeEvent {
  if (SNS_CONFIRMATION_TYPES.has(envelope.Type)) {
    throw new MalformedMessageError(
      messageId,
      `the body is an SNS ${envelope.Type} message, not a notification. SNS sends one when a ` +
        'subscription is created or removed; confirm it through its SubscribeURL if the subscription ' +
        'is wanted, then delete this message',
    );
  }
  if (envelope.Type !== 'Notification') {
    throw new MalformedMessageError(
      messageId,
      `the body is an SNS message of Type ${JSON.stringify(envelope.Type)}; only "Notification" carries an event`,
    );
  }

  if (typeof envelope.Message !== 'string') {
    throw new MalformedMessageError(
      messageId,
      `the SNS Notification's "Message" must be a string holding the event JSON, got ${describeType(envelope.Message)}`,
    );
  }

  const eventBytes = Buffer.byteLength(envelope.Message, 'utf8');
  if (eventBytes > MAX_EVENT_BYTES) {
    throw new MalformedMessageError(messageId, oversizedEventReason(eventBytes, 'the SNS Notification\'s "Message"'));
  }

  const event = parseJson(envelope.Message, messageId, 'the SNS Notification\'s "Message"');
  return checkEvent(event, messageId, ' in the SNS Notification\'s "Message"');
}

function parseJson(text: string, messageId: string, part: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new MalformedMessageError(
      messageId,
      `${part} is not valid JSON (${detail}); it starts with ${previewOf(text)}`,
    );
  }
}

/**
 * Checks the keys that the {@link EventBridgeEvent} type promises. EventBridge sets all of them on
 * every event, so a missing key means the message came from somewhere else.
 */
function checkEvent(value: unknown, messageId: string, location: string): EventBridgeEvent {
  if (!isJsonObject(value)) {
    throw new MalformedMessageError(
      messageId,
      `expected an EventBridge event as a JSON object${location}, got ${describeType(value)}`,
    );
  }

  for (const key of REQUIRED_STRING_KEYS) {
    const keyValue = value[key];
    if (keyValue === undefined) {
      throw new MalformedMessageError(messageId, `the EventBridge key "${key}" is missing${location}`);
    }
    if (typeof keyValue !== 'string' || keyValue === '') {
      throw new MalformedMessageError(
        messageId,
        `the EventBridge key "${key}"${location} must be a non-empty string, got ${describeValue(keyValue)}`,
      );
    }
  }

  if (value.detail === undefined) {
    throw new MalformedMessageError(messageId, `the EventBridge key "detail" is missing${location}`);
  }
  if (!isJsonObject(value.detail)) {
    throw new MalformedMessageError(
      messageId,
      `the EventBridge key "detail"${location} must be a JSON object, got ${describeType(value.detail)}`,
    );
  }

  if (value.version !== undefined && typeof value.version !== 'string') {
    throw new MalformedMessageError(
      messageId,
      `the EventBridge key "version"${location} must be a string, got ${describeType(value.version)}`,
    );
  }
  if (value.resources !== undefined && !isStringArray(value.resources)) {
    throw new MalformedMessageError(
      messageId,
      `the EventBridge key "resources"${location} must be an array of strings, got ${describeType(value.resources)}`,
    );
  }

  return value as unknown as EventBridgeEvent;
}

function oversizedEventReason(bytes: number, part: string): string {
  return (
    `${part} is ${bytes} bytes, larger than ${MAX_EVENT_BYTES} bytes (256 KiB), the maximum size of an ` +
    'EventBridge event, so EventBridge did not send it; check which other producer writes to this queue'
  );
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function describeType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Describes a wrong key value; short scalars are shown, because they help find the producer. */
function describeValue(value: unknown): string {
  if (value === '') {
    return 'an empty string';
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `${describeType(value)} (${String(value)})`;
  }
  return describeType(value);
}

/** Quotes the first characters of a body for an error message, with newlines escaped. */
function previewOf(text: string): string {
  let preview = text.slice(0, BODY_PREVIEW_LENGTH);

  // Do not cut an emoji or other astral character in half.
  const lastCode = preview.charCodeAt(preview.length - 1);
  if (lastCode >= 0xd800 && lastCode <= 0xdbff) {
    preview = preview.slice(0, -1);
  }

  const suffix = text.length > preview.length ? '…' : '';
  return `${JSON.stringify(preview)}${suffix}`;
}
