import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, MAX_MESSAGE_BODY_BYTES, parseMessageBody } from '../../../src/intake/envelope.js';
import { MalformedMessageError } from '../../../src/intake/errors.js';

const fixtureRoot = new URL('../../fixtures/aws-events/', import.meta.url);

function readFixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, fixtureRoot), 'utf8'));
}

interface ReceiveOutput {
  Messages: { MessageId: string; Body: string }[];
}

function firstMessage(path: string): { MessageId: string; Body: string } {
  const message = (readFixture(path) as ReceiveOutput).Messages[0];
  if (message === undefined) {
    throw new Error(`fixture ${path} has no message`);
  }
  return message;
}

const findingEvent = readFixture('securityhub/imported-cspm-s3-bucket-control-failed.json') as Record<string, unknown>;

/** Copies the valid finding event, for tests that break one key. */
function validEvent(): Record<string, unknown> {
  return structuredClone(findingEvent);
}

/** Calls parseMessageBody and returns the MalformedMessageError it throws. */
function rejectionOf(body: string, messageId = 'msg-1'): MalformedMessageError {
  try {
    parseMessageBody(body, messageId);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedMessageError);
    return error as MalformedMessageError;
  }
  throw new Error('parseMessageBody accepted the body');
}

describe('parseMessageBody: accepted shapes', () => {
  it('parses an event delivered straight from EventBridge', () => {
    const message = firstMessage('envelopes/sqs-receive-message.eventbridge-direct.sdk-output.json');

    const event = parseMessageBody(message.Body, message.MessageId);

    expect(event).toEqual(findingEvent);
  });

  it('unwraps an SNS Notification envelope', () => {
    const message = firstMessage('envelopes/sqs-receive-message.via-sns-envelope.sdk-output.json');

    const event = parseMessageBody(message.Body, message.MessageId);

    expect(event).toEqual(findingEvent);
  });

  it('unwraps an SNS envelope whatever its whitespace', () => {
    const envelope = readFixture('envelopes/sns-envelope.notification.json');
    const compact = JSON.stringify(envelope);
    const indented = JSON.stringify(envelope, null, 4).replaceAll('\n', '\r\n');

    expect(parseMessageBody(compact, 'compact')).toEqual(findingEvent);
    expect(parseMessageBody(indented, 'indented')).toEqual(findingEvent);
  });

  it('parses an SNS raw delivery body', () => {
    const message = firstMessage('envelopes/sqs-receive-message.via-sns-raw.sdk-output.json');

    const event = parseMessageBody(message.Body, message.MessageId);

    expect(event).toEqual(findingEvent);
  });

  it('parses the Config event of the direct batch', () => {
    const output = readFixture('envelopes/sqs-receive-message.eventbridge-direct.sdk-output.json') as ReceiveOutput;
    const configMessage = output.Messages[1];
    expect(configMessage).toBeDefined();

    const event = parseMessageBody(configMessage!.Body, configMessage!.MessageId);

    expect(event.source).toBe('aws.config');
    expect(event['detail-type']).toBe('Config Rules Compliance Change');
    expect(event.resources).toEqual([]);
  });

  it('parses FIFO and dead-letter queue bodies', () => {
    for (const path of [
      'envelopes/sqs-receive-message.eventbridge-fifo.sdk-output.json',
      'envelopes/sqs-receive-message.eventbridge-dlq.sdk-output.json',
    ]) {
      const message = firstMessage(path);
      expect(parseMessageBody(message.Body, message.MessageId)).toEqual(findingEvent);
    }
  });

  it('keeps keys beyond the EventBridge envelope', () => {
    const event = { ...validEvent(), 'replay-name': 'replay-2025-03-10' };

    const parsed = parseMessageBody(JSON.stringify(event), 'msg-1') as unknown as Record<string, unknown>;

    expect(parsed['replay-name']).toBe('replay-2025-03-10');
  });

  it('accepts an event of exactly 256 KiB', () => {
    const event = validEvent();
    event.detail = { padding: '' };
    const overhead = Buffer.byteLength(JSON.stringify(event));
    event.detail = { padding: 'x'.repeat(MAX_EVENT_BYTES - overhead) };
    const body = JSON.stringify(event);
    expect(Buffer.byteLength(body)).toBe(MAX_EVENT_BYTES);

    expect(parseMessageBody(body, 'msg-1').id).toBe(findingEvent.id);
  });

  it('accepts an SNS envelope larger than 256 KiB around a smaller event', () => {
    // Escaping the quotes of the event inside "Message" makes the envelope grow past the event size.
    const event = validEvent();
    event.detail = { quotes: Array.from({ length: 50_000 }, () => 'q') };
    const eventJson = JSON.stringify(event);
    const body = JSON.stringify({ Type: 'Notification', MessageId: 'sns-1', TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: eventJson });
    expect(Buffer.byteLength(eventJson)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_EVENT_BYTES);

    expect(parseMessageBody(body, 'msg-1').id).toBe(findingEvent.id);
  });
});

describe('parseMessageBody: rejected bodies', () => {
  it('rejects a non-JSON body with id and preview', () => {
    const body = `<html><body>${'Service Unavailable '.repeat(20)}</body></html>`;

    const error = rejectionOf(body, 'msg-not-json');

    expect(error.messageId).toBe('msg-not-json');
    expect(error.message).toContain('msg-not-json');
    expect(error.reason).toContain('not valid JSON');
    expect(error.reason).toContain(JSON.stringify(body.slice(0, 80)));
    expect(error.reason).not.toContain(body.slice(0, 81));
  });

  it('rejects an empty body', () => {
    expect(rejectionOf('').reason).toContain('empty');
    expect(rejectionOf('  \n').reason).toContain('empty');
  });

  it('rejects JSON that is not an object', () => {
    expect(rejectionOf('[1,2]').reason).toContain('got an array');
    expect(rejectionOf('42').reason).toContain('got a number');
    expect(rejectionOf(JSON.stringify(JSON.stringify(findingEvent))).reason).toContain('got a string');
  });

  it('rejects an SNS envelope whose Message is not JSON', () => {
    const body = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: 'hello world' });

    const error = rejectionOf(body);

    expect(error.reason).toContain('SNS Notification\'s "Message" is not valid JSON');
    expect(error.reason).toContain('"hello world"');
  });

  it('rejects an SNS envelope whose Message is not a string', () => {
    const body = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: findingEvent });

    expect(rejectionOf(body).reason).toContain('"Message" must be a string');
  });

  it('rejects an event inside an SNS envelope that lacks a key', () => {
    const event = validEvent();
    delete event['detail-type'];
    const body = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: JSON.stringify(event) });

    const reason = rejectionOf(body).reason;

    expect(reason).toContain('"detail-type" is missing');
    expect(reason).toContain('SNS Notification');
  });

  it('rejects an SNS subscription confirmation with the fix', () => {
    const body = JSON.stringify({
      Type: 'SubscriptionConfirmation',
      TopicArn: 'arn:aws:sns:us-east-1:111122223333:t',
      Message: 'You have chosen to subscribe to the topic',
      SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
    });

    const reason = rejectionOf(body).reason;

    expect(reason).toContain('SubscriptionConfirmation');
    expect(reason).toContain('SubscribeURL');
  });

  it.each(['id', 'source', 'detail-type', 'detail', 'account', 'time', 'region'])('rejects an event without "%s"', (key) => {
    const event = validEvent();
    delete event[key];

    const reason = rejectionOf(JSON.stringify(event)).reason;

    expect(reason).toBe(`the EventBridge key "${key}" is missing`);
  });

  it.each([
    ['source', 42, 'must be a non-empty string, got a number (42)'],
    ['detail-type', null, 'must be a non-empty string, got null'],
    ['id', '', 'must be a non-empty string, got an empty string'],
    ['detail', 'finding', 'must be a JSON object, got a string'],
    ['detail', [], 'must be a JSON object, got an array'],
    ['detail', null, 'must be a JSON object, got null'],
    ['resources', 'arn:aws:s3:::bucket', 'must be an array of strings, got a string'],
    ['version', 0, 'must be a string, got a number'],
  ])('rejects "%s" = %j', (key, value, expected) => {
    const event = validEvent();
    event[key] = value;

    const reason = rejectionOf(JSON.stringify(event)).reason;

    expect(reason).toContain(`"${key}"`);
    expect(reason).toContain(expected);
  });

  it('rejects a raw event over 256 KiB', () => {
    const event = validEvent();
    event.detail = { padding: 'x'.repeat(MAX_EVENT_BYTES) };

    const reason = rejectionOf(JSON.stringify(event)).reason;

    expect(reason).toMatch(/^the body is \d+ bytes, larger than 262144 bytes \(256 KiB\)/);
    expect(reason).toContain('maximum size of an EventBridge event');
  });

  it('rejects an SNS Message over 256 KiB', () => {
    const event = validEvent();
    event.detail = { padding: 'x'.repeat(MAX_EVENT_BYTES) };
    const body = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: JSON.stringify(event) });

    expect(rejectionOf(body).reason).toContain('"Message" is ');
  });

  it('rejects a body over the SQS maximum before parsing it', () => {
    // Not JSON at all: the size check must fire first, so the reason is about size.
    const body = 'x'.repeat(MAX_MESSAGE_BODY_BYTES + 1);

    const reason = rejectionOf(body).reason;

    expect(reason).toContain(`${MAX_MESSAGE_BODY_BYTES + 1} bytes, larger than the SQS maximum`);
  });

  it('counts the size in UTF-8 bytes, not characters', () => {
    // 100,000 three-byte characters: 300,000 bytes but only 100,000 UTF-16 code units.
    const event = validEvent();
    event.detail = { text: '€'.repeat(100_000) };

    expect(rejectionOf(JSON.stringify(event)).reason).toContain('larger than 262144 bytes');
  });
});
