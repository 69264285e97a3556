/**
 * Fixtures and helpers shared by the SSM (OpsCenter) tests.
 */
import { readFileSync } from 'node:fs';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import type { SimulatedOpsItem } from '../../../src/simulators/ssm/server.js';

export { capturingLogger, rejectionOf } from '../../support/capture.js';

const FIXTURES = new URL('../../fixtures/aws-events/ssm/', import.meta.url);

/** Fake static credentials, so no test touches the default credential chain (and so no metadata endpoint). */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAITSMSYNCTESTONLY',
  secretAccessKey: 'itsm-sync-test-secret-key-do-not-log',
  sessionToken: 'itsm-sync-test-session-token-do-not-log',
};

/** Reads a fixture of test/fixtures/aws-events/ssm as JSON. */
export function ssmFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

/** The OpsItem of a GetOpsItem wire-response fixture, in the wire shape the simulator stores. */
export function wireOpsItem(name: string): SimulatedOpsItem {
  return ssmFixture<{ OpsItem: SimulatedOpsItem }>(name).OpsItem;
}

/** An EventBridge event fixture. */
export function eventFixture(name: string): EventBridgeEvent {
  return ssmFixture<EventBridgeEvent>(name);
}

/** Returns a clock that starts at `start` and moves forward by `stepMs` on every call. */
export function steppingClock(start: string, stepMs = 1_000): () => Date {
  let next = Date.parse(start);
  return () => {
    const now = new Date(next);
    next += stepMs;
    return now;
  };
}
