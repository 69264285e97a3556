/**
 * Fixtures and helpers shared by the AWS Config configuration item tests.
 */
import { readFileSync } from 'node:fs';

import type { EventBridgeEvent } from '../../../src/core/types.js';

export { capturingLogger, rejectionOf } from '../../support/capture.js';

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
