import { createHmac } from 'node:crypto';

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import {
  createServiceNowWebhookRoute,
  InvalidNotificationError,
  InvalidWebhookOptionError,
  parseServiceNowNotification,
  verifyServiceNowSignature,
} from '../../../src/ingress/servicenow-webhook.js';

const SECRET = 'unit-test-secret-0123456789';
const NOW = new Date('2025-03-10T14:00:00Z');
const NOW_SECONDS = String(NOW.getTime() / 1000);
const BODY = JSON.stringify({
  table: 'incident',
  sys_id: '9d385017c611228701d22104cc95c371',
  sys_mod_count: 3,
  sys_updated_on: '2025-03-10 13:59:58',
  operation: 'update',
});

/** Compute the signature as the business rule does, independently of the code under test. */
function sign(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${body}`, 'utf8').digest('base64');
}

function verify(overrides: Partial<Parameters<typeof verifyServiceNowSignature>[0]> = {}) {
  return verifyServiceNowSignature({
    secret: SECRET,
    timestamp: NOW_SECONDS,
    signature: sign(SECRET, NOW_SECONDS, BODY),
    rawBody: BODY,
    now: NOW,
    ...overrides,
  });
}

describe('verifyServiceNowSignature', () => {
  it('accepts a correct signature', () => {
    expect(verify()).toEqual({ ok: true });
    expect(verify({ rawBody: Buffer.from(BODY, 'utf8') })).toEqual({ ok: true });
  });

  it('accepts timestamps within the tolerance', () => {
    const old = String(Number(NOW_SECONDS) - 300);
    const ahead = String(Number(NOW_SECONDS) + 300);

    expect(verify({ timestamp: old, signature: sign(SECRET, old, BODY) })).toEqual({ ok: true });
    expect(verify({ timestamp: ahead, signature: sign(SECRET, ahead, BODY) })).toEqual({ ok: true });
  });

  it('rejects stale and future timestamps', () => {
    const stale = String(Number(NOW_SECONDS) - 301);
    const future = String(Number(NOW_SECONDS) + 301);

    const staleResult = verify({ timestamp: stale, signature: sign(SECRET, stale, BODY) });
    const futureResult = verify({ timestamp: future, signature: sign(SECRET, future, BODY) });

    expect(staleResult).toEqual({ ok: false, reason: 'timestamp is 301 s old, more than the 300 s allowed' });
    expect(futureResult).toEqual({ ok: false, reason: 'timestamp is 301 s in the future, more than the 300 s allowed' });
  });

  it('honours a custom tolerance', () => {
    const old = String(Number(NOW_SECONDS) - 30);

    expect(verify({ timestamp: old, signature: sign(SECRET, old, BODY), toleranceSeconds: 10 }).ok).toBe(false);
    expect(verify({ timestamp: old, signature: sign(SECRET, old, BODY), toleranceSeconds: 60 }).ok).toBe(true);
  });

  it('rejects missing and garbled headers', () => {
    const cases: Array<[Partial<Parameters<typeof verifyServiceNowSignature>[0]>, string]> = [
      [{ timestamp: undefined }, 'missing X-ItsmSync-Timestamp header'],
      [{ timestamp: '' }, 'missing X-ItsmSync-Timestamp header'],
      [{ timestamp: '2025-03-10T14:00:00Z' }, 'X-ItsmSync-Timestamp is not Unix seconds'],
      [{ timestamp: `${NOW_SECONDS}, ${NOW_SECONDS}` }, 'X-ItsmSync-Timestamp is not Unix seconds'],
      [{ timestamp: '-1' }, 'X-ItsmSync-Timestamp is not Unix seconds'],
      [{ signature: undefined }, 'missing X-ItsmSync-Signature header'],
      [{ signature: 'not base64 at all' }, 'X-ItsmSync-Signature is not a base64 HMAC-SHA256'],
      [{ signature: createHmac('sha256', SECRET).update(`${NOW_SECONDS}.${BODY}`).digest('hex') }, 'X-ItsmSync-Signature is not a base64 HMAC-SHA256'],
      [{ signature: sign(SECRET, NOW_SECONDS, BODY).replace('=', '') }, 'X-ItsmSync-Signature is not a base64 HMAC-SHA256'],
    ];

    for (const [overrides, reason] of cases) {
      expect(verify(overrides), JSON.stringify(overrides)).toEqual({ ok: false, reason });
    }
  });

  it('rejects a wrong secret, body or timestamp', () => {
    const mismatch = { ok: false, reason: 'signature does not match the body and timestamp' };
    const otherTimestamp = String(Number(NOW_SECONDS) - 1);

    expect(verify({ signature: sign('another-secret-0123456789', NOW_SECONDS, BODY) })).toEqual(mismatch);
    expect(verify({ rawBody: BODY.replace('"update"', '"insert"') })).toEqual(mismatch);
    expect(verify({ signature: sign(SECRET, otherTimestamp, BODY) })).toEqual(mismatch);
    // The timestamp is part of what is signed, so it cannot be refreshed on a captured request.
    expect(verify({ timestamp: otherTimestamp })).toEqual(mismatch);
  });

  it('never puts the signature in the reason', () => {
    const signature = sign('another-secret-0123456789', NOW_SECONDS, BODY);
    const result = verify({ signature });

    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(signature);
  });

  it('throws for an empty secret', () => {
    expect(() => verify({ secret: '' })).toThrow(InvalidWebhookOptionError);
  });
});

describe('parseServiceNowNotification', () => {
  it('returns the table and sys_id', () => {
    expect(parseServiceNowNotification(BODY)).toEqual({ table: 'incident', sysId: '9d385017c611228701d22104cc95c371' });
    expect(parseServiceNowNotification(Buffer.from(BODY))).toEqual({ table: 'incident', sysId: '9d385017c611228701d22104cc95c371' });
  });

  it('ignores the informational fields', () => {
    const minimal = JSON.stringify({ table: 'u_aws_account_2', sys_id: 'a'.repeat(32) });

    expect(parseServiceNowNotification(minimal)).toEqual({ table: 'u_aws_account_2', sysId: 'a'.repeat(32) });
  });

  it('names the bad value', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['{not json', 'body', /the body is not JSON/],
      ['[]', 'body', /expected a JSON object, got \[\]/],
      ['null', 'body', /expected a JSON object, got null/],
      [JSON.stringify({ sys_id: 'a'.repeat(32) }), 'table', /Invalid table undefined/],
      [JSON.stringify({ table: 'Incident', sys_id: 'a'.repeat(32) }), 'table', /Invalid table "Incident"/],
      [JSON.stringify({ table: 'incident^ORactive=true', sys_id: 'a'.repeat(32) }), 'table', /Invalid table "incident\^ORactive=true"/],
      [JSON.stringify({ table: 'x'.repeat(81), sys_id: 'a'.repeat(32) }), 'table', /1 to 80 lower-case/],
      [JSON.stringify({ table: 'incident' }), 'sys_id', /Invalid sys_id undefined/],
      [JSON.stringify({ table: 'incident', sys_id: 'A'.repeat(32) }), 'sys_id', /Invalid sys_id "A{32}"/],
      [JSON.stringify({ table: 'incident', sys_id: 'a'.repeat(31) }), 'sys_id', /32 lower-case hexadecimal/],
      [JSON.stringify({ table: 'incident', sys_id: 42 }), 'sys_id', /Invalid sys_id 42/],
    ];

    for (const [body, field, message] of cases) {
      let caught: unknown;
      try {
        parseServiceNowNotification(body);
      } catch (error) {
        caught = error;
      }
      expect(caught, body).toBeInstanceOf(InvalidNotificationError);
      expect((caught as InvalidNotificationError).field, body).toBe(field);
      expect((caught as InvalidNotificationError).message, body).toMatch(message);
    }
  });

  it('cuts long values in the message', () => {
    const body = JSON.stringify({ table: 'incident', sys_id: 'z'.repeat(5000) });

    expect(() => parseServiceNowNotification(body)).toThrow(/^Invalid sys_id "z{99}\.\.\. in ServiceNow notification/);
  });
});

describe('createServiceNowWebhookRoute options', () => {
  const logger = pino({ level: 'silent' });
  const onNotification = async () => {};

  it('rejects a short secret', () => {
    expect(() => createServiceNowWebhookRoute({ secret: 'short', logger, onNotification })).toThrow(/at least 16 characters/);
  });

  it('rejects a relative path', () => {
    expect(() => createServiceNowWebhookRoute({ secret: SECRET, logger, onNotification, path: 'webhooks' })).toThrow(
      /Invalid webhook path "webhooks"/,
    );
  });

  it('rejects bad limits', () => {
    expect(() => createServiceNowWebhookRoute({ secret: SECRET, logger, onNotification, maxBodyBytes: 0 })).toThrow(/maxBodyBytes 0/);
    expect(() => createServiceNowWebhookRoute({ secret: SECRET, logger, onNotification, toleranceSeconds: -5 })).toThrow(
      /toleranceSeconds -5/,
    );
  });
});
