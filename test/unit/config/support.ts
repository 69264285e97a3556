/**
 * Fixtures and helpers shared by the AWS Config configuration item tests.
 */
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';

import type { EventBridgeEvent } from '../../../src/core/types.js';

const FIXTURES = new URL('../../fixtures/aws-events/config/', import.meta.url);

/** Fake static credentials, so no test touches the default credential chain. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAITSMSYNCCONFIGTEST',
  secretAccessKey: 'itsm-sync-config-test-secret-do-not-log',
};

/** Reads an EventBridge event of test/fixtures/aws-events/config, as a fresh copy each call. */
export function configEvent(name: string): EventBridgeEvent {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as EventBridgeEvent;
}

/** The event's detail as a mutable object. */
export function detailOf(event: EventBridgeEvent): Record<string, unknown> {
  return event.detail as Record<string, unknown>;
}

/** Creates a pino logger at trace level that keeps its lines for assertions. */
export function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => raw.push(line) });
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}

/** Resolves with the rejection reason of `promise`, and fails when it resolves. */
export async function rejectionOf<T = Error>(promise: Promise<unknown>): Promise<T> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (reason: unknown) => ({ rejected: true as const, reason }),
  );
  if (!outcome.rejected) {
    throw new Error('expected the promise to reject, but it resolved');
  }
  return outcome.reason as T;
}
