/**
 * The connector's receiver for ServiceNow webhook notifications. An async business rule on the
 * instance (deploy/servicenow/itsm-sync-webhook.business-rule.js) POSTs
 * `{"table","sys_id","sys_mod_count","sys_updated_on","operation"}` after a record is inserted or
 * updated, signed with a secret shared with the connector:
 *
 * - `X-ItsmSync-Timestamp`: Unix seconds when the rule signed the notification;
 * - `X-ItsmSync-Signature`: base64 HMAC-SHA256 of `timestamp + "." + rawBody`, keyed with the
 *   secret's UTF-8 bytes (GlideCertificateEncryption.generateMac returns base64).
 *
 * A notification is only a trigger: the connector reads the record through the Table API before
 * acting, so only the table and sys_id are taken from the body.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { HttpRoute } from '../ops/health-server.js';
import type { Logger } from '../ops/logger.js';

/** Header with the Unix time, in seconds, at which the notification was signed. */
export const TIMESTAMP_HEADER = 'x-itsmsync-timestamp';
/** Header with the base64 HMAC-SHA256 signature of `timestamp + "." + rawBody`. */
export const SIGNATURE_HEADER = 'x-itsmsync-signature';

/** The record a notification is about. */
export interface ServiceNowNotification {
  /** Table name, such as `incident`. */
  table: string;
  /** The record's sys_id: 32 lower-case hexadecimal characters. */
  sysId: string;
}

/** The outcome of a signature check; `reason` names the check that failed and never the signature. */
export type SignatureVerification = { ok: true } | { ok: false; reason: string };

/** Input of `verifyServiceNowSignature`. */
export interface SignatureInput {
  /** The shared secret, as stored in the instance's system property. */
  secret: string;
  /** Value of the X-ItsmSync-Timestamp header; undefined when the header is missing. */
  timestamp: string | undefined;
  /** Value of the X-ItsmSync-Signature header; undefined when the header is missing. */
  signature: string | undefined;
  /** The request body exactly as received. */
  rawBody: string | Buffer;
  /** Current time. Default: the real time. */
  now?: Date;
  /** Maximum accepted difference between `timestamp` and `now`, in seconds. Default 300. */
  toleranceSeconds?: number;
}

/** Options of `createServiceNowWebhookRoute`. */
export interface ServiceNowWebhookRouteOptions {
  /** URL path the route serves. Default `/webhooks/servicenow`. */
  path?: string;
  /** The shared secret; at least 16 characters. */
  secret: string;
  /**
   * Called with each authentic notification. Resolve once the work is queued: the route then
   * responds 202, and 500 when the promise rejects.
   */
  onNotification: (notification: ServiceNowNotification) => Promise<void>;
  logger: Logger;
  /** Maximum accepted body size, in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Maximum accepted clock difference, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** Clock for the timestamp check. Default: the real time. */
  now?: () => Date;
}

/** A webhook notification body that is not the JSON the business rule sends. */
export class InvalidNotificationError extends Error {
  override name = 'InvalidNotificationError';

  constructor(
    /** The field at fault (`table`, `sys_id`), or `body` when the body as a whole is wrong. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** An option of `createServiceNowWebhookRoute` that cannot be used. */
export class InvalidWebhookOptionError extends Error {
  override name = 'InvalidWebhookOptionError';

  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_PATH = '/webhooks/servicenow';
const DEFAULT_TOLERANCE_SECONDS = 300;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const MIN_SECRET_LENGTH = 16;

/** Unix seconds: up to 12 digits, which lasts well past the year 30000. */
const TIMESTAMP = /^\d{1,12}$/;
/** Base64 of the 32 bytes of an HMAC-SHA256: 43 characters and one `=` of padding. */
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;
/** ServiceNow table names: lower-case letters, digits and underscores, at most 80 characters. */
const TABLE_NAME = /^[a-z0-9_]{1,80}$/;
const SYS_ID = /^[0-9a-f]{32}$/;

/**
 * Check the signature and freshness of a webhook notification. The comparison takes the same time
 * whatever the signature, so it does not leak how much of a guess was right.
 *
 * A replay of a captured notification within the tolerance passes. That is harmless, because a
 * notification only makes the connector read the record again.
 *
 * @example
 * ```ts
 * const check = verifyServiceNowSignature({
 *   secret: process.env.SERVICENOW_WEBHOOK_SECRET ?? '',
 *   timestamp: request.headers['x-itsmsync-timestamp'] as string | undefined,
 *   signature: request.headers['x-itsmsync-signature'] as string | undefined,
 *   rawBody,
 * });
 * if (!check.ok) console.warn(check.reason);
 * ```
 */
export function verifyServiceNowSignature(input: SignatureInput): SignatureVerification {
  if (input.secret === '') {
    throw new InvalidWebhookOptionError('secret', 'Cannot verify a ServiceNow webhook signature with an empty secret.');
  }

  const { timestamp, signature } = input;
  if (timestamp === undefined || timestamp === '') {
    return { ok: false, reason: 'missing X-ItsmSync-Timestamp header' };
  }
  if (!TIMESTAMP.test(timestamp)) {
    return { ok: false, reason: 'X-ItsmSync-Timestamp is not Unix seconds' };
  }
  if (signature === undefined || signature === '') {
    return { ok: false, reason: 'missing X-ItsmSync-Signature header' };
  }
  if (!SIGNATURE.test(signature)) {
    return { ok: false, reason: 'X-ItsmSync-Signature is not a base64 HMAC-SHA256' };
  }

  const toleranceSeconds = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const ageSeconds = nowSeconds - Number(timestamp);
  if (ageSeconds > toleranceSeconds) {
    return { ok: false, reason: `timestamp is ${ageSeconds} s old, more than the ${toleranceSeconds} s allowed` };
  }
  if (-ageSeconds > toleranceSeconds) {
    return { ok: false, reason: `timestamp is ${-ageSeconds} s in the future, more than the ${toleranceSeconds} s allowed` };
  }

  const expected = createHmac('sha256', input.secret).update(`${timestamp}.`).update(input.rawBody).digest();
  const provided = Buffer.from(signature, 'base64');
  if (!timingSafeEqual(expected, provided)) {
    return { ok: false, reason: 'signature does not match the body and timestamp' };
  }

  return { ok: true };
}

/**
 * Parse a notification body and check the table name and sys_id. Other fields (sys_mod_count,
 * sys_updated_on, operation) are informational and not checked. Throws InvalidNotificationError
 * naming the bad value.
 */
export function parseServiceNowNotification(rawBody: string | Buffer): ServiceNowNotification {
  const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidNotificationError(
      'body',
      `Invalid ServiceNow notification: the body is not JSON (${(error as Error).message}). ` +
        'Send the JSON object the business rule builds.',
    );
  }

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidNotificationError('body', `Invalid ServiceNow notification: expected a JSON object, got ${describe(parsed)}.`);
  }

  const { table, sys_id: sysId } = parsed as Record<string, unknown>;

  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw new InvalidNotificationError(
      'table',
      `Invalid table ${describe(table)} in ServiceNow notification: expected a table name of 1 to 80 lower-case letters, digits or underscores, such as "incident".`,
    );
  }

  if (typeof sysId !== 'string' || !SYS_ID.test(sysId)) {
    throw new InvalidNotificationError(
      'sys_id',
      `Invalid sys_id ${describe(sysId)} in ServiceNow notification: expected 32 lower-case hexadecimal characters.`,
    );
  }

  return { table, sysId };
}

/**
 * Create the HTTP route that receives ServiceNow webhook notifications, for `startHealthServer`'s
 * `routes`. It handles POSTs to `path` (405 for other methods there) and returns false for
 * other paths. Responses: 202 once `onNotification` resolved, 401 for a missing or bad signature,
 * 400 for a bad body, 413 for a body over `maxBodyBytes`, 500 when `onNotification` throws.
 *
 * @example
 * ```ts
 * const route = createServiceNowWebhookRoute({
 *   secret: settings.serviceNowWebhookSecret,
 *   logger,
 *   onNotification: async ({ table, sysId }) => changeQueue.push({ table, sysId }),
 * });
 * await startHealthServer({ port: 8080, health, metrics, routes: [route] });
 * ```
 */
export function createServiceNowWebhookRoute(options: ServiceNowWebhookRouteOptions): HttpRoute {
  const path = options.path ?? DEFAULT_PATH;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? (() => new Date());
  const { logger, onNotification, secret } = options;

  checkRouteOptions(path, secret, maxBodyBytes, toleranceSeconds);

  return async (request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://receiver.invalid').pathname;
    if (pathname !== path) {
      return false;
    }

    const context = { path, remoteAddress: request.socket.remoteAddress };

    if (request.method !== 'POST') {
      request.resume();
      respond(response, 405, { error: `method ${request.method ?? ''} not allowed: POST the notification` }, { Allow: 'POST' });
      return true;
    }

    // Step 1: read at most maxBodyBytes, before any other work.
    let rawBody: Buffer | undefined;
    try {
      rawBody = await readBodyUpTo(request, maxBodyBytes);
    } catch (error) {
      logger.warn({ ...context, error: (error as Error).message }, 'Could not read a ServiceNow webhook request body');
      response.destroy();
      return true;
    }

    if (rawBody === undefined) {
      logger.warn({ ...context, maxBodyBytes }, 'Rejected a ServiceNow webhook notification: body too large');
      respond(response, 413, { error: `body larger than ${maxBodyBytes} bytes` }, { Connection: 'close' });
      return true;
    }

    // Step 2: check the signature before looking at the body, which is untrusted until then.
    const verification = verifyServiceNowSignature({
      secret,
      timestamp: singleHeader(request, TIMESTAMP_HEADER),
      signature: singleHeader(request, SIGNATURE_HEADER),
      rawBody,
      now: now(),
      toleranceSeconds,
    });
    if (!verification.ok) {
      logger.warn({ ...context, reason: verification.reason }, 'Rejected a ServiceNow webhook notification: bad signature');
      respond(response, 401, { error: `invalid signature: ${verification.reason}` });
      return true;
    }

    // Step 3: take the table and sys_id from the body.
    let notification: ServiceNowNotification;
    try {
      notification = parseServiceNowNotification(rawBody);
    } catch (error) {
      if (!(error instanceof InvalidNotificationError)) {
        throw error;
      }
      logger.warn({ ...context, field: error.field, error: error.message }, 'Rejected a ServiceNow webhook notification: bad body');
      respond(response, 400, { error: error.message });
      return true;
    }

    // Step 4: hand the notification over; the caller queues the work.
    try {
      await onNotification(notification);
    } catch (error) {
      logger.error(
        { ...context, err: error, table: notification.table, sysId: notification.sysId },
        'Could not queue a ServiceNow webhook notification',
      );
      respond(response, 500, { error: 'could not queue the notification' });
      return true;
    }

    logger.debug({ table: notification.table, sysId: notification.sysId }, 'Accepted a ServiceNow webhook notification');
    respond(response, 202, { status: 'accepted' });
    return true;
  };
}

function checkRouteOptions(path: string, secret: string, maxBodyBytes: number, toleranceSeconds: number): void {
  if (!path.startsWith('/')) {
    throw new InvalidWebhookOptionError('path', `Invalid webhook path ${JSON.stringify(path)}: it must start with "/".`);
  }
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new InvalidWebhookOptionError(
      'secret',
      `The ServiceNow webhook secret must be at least ${MIN_SECRET_LENGTH} characters long; generate one with \`openssl rand -base64 32\`.`,
    );
  }
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new InvalidWebhookOptionError('maxBodyBytes', `Invalid maxBodyBytes ${maxBodyBytes}: use a positive whole number of bytes.`);
  }
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds <= 0) {
    throw new InvalidWebhookOptionError('toleranceSeconds', `Invalid toleranceSeconds ${toleranceSeconds}: use a positive number of seconds.`);
  }
}

/**
 * Read the body, or return undefined as soon as it exceeds `maxBytes` (by Content-Length or by
 * counting). The rest is not buffered: the stream is paused, and the 413 closes the connection.
 */
function readBodyUpTo(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.resolve(undefined);
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;

    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const onClose = (): void => {
      stop();
      reject(new Error('the client closed the connection before the body was complete'));
    };

    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/**
 * Read a header's value, or undefined when it is missing. Node joins a repeated header with ", ",
 * which then fails the format checks.
 */
function singleHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function respond(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Describe a value for an error message, cut to 100 characters. */
function describe(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}
