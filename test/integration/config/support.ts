/**
 * Fixtures and helpers shared by the AWS Config simulator tests.
 */
import { readFileSync } from 'node:fs';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import type { ConfigurationItemInput, ConfigurationItemRelationship } from '../../../src/simulators/config/server.js';

const FIXTURES = new URL('../../fixtures/aws-events/config/', import.meta.url);

/** Fake static credentials, so no test touches the default credential chain. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIAITSMSYNCTESTONLY', secretAccessKey: 'itsm-sync-test-secret-key-do-not-log' };

/** Reads an EventBridge event fixture of test/fixtures/aws-events/config. */
export function configEventFixture(name: string): EventBridgeEvent & { detail: Record<string, any> } {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as EventBridgeEvent & { detail: Record<string, any> };
}

/**
 * Turns the configuration item of an event fixture back into the input of recordResource: the
 * event writes `name` where the API writes `relationshipName`, and ISO strings for times.
 */
export function itemInputFromEvent(eventItem: Record<string, any>): ConfigurationItemInput {
  const relationships: ConfigurationItemRelationship[] = (eventItem.relationships as Array<Record<string, any>>).map((relationship) => ({
    resourceType: relationship.resourceType,
    resourceId: relationship.resourceId,
    ...(relationship.resourceName === null ? {} : { resourceName: relationship.resourceName }),
    relationshipName: relationship.name,
  }));
  return {
    resourceType: eventItem.resourceType,
    resourceId: eventItem.resourceId,
    ...(eventItem.resourceName === null ? {} : { resourceName: eventItem.resourceName }),
    arn: eventItem.ARN,
    accountId: eventItem.awsAccountId,
    awsRegion: eventItem.awsRegion,
    ...(eventItem.availabilityZone === null ? {} : { availabilityZone: eventItem.availabilityZone }),
    ...(eventItem.resourceCreationTime === null ? {} : { resourceCreationTime: new Date(eventItem.resourceCreationTime) }),
    configurationItemCaptureTime: new Date(eventItem.configurationItemCaptureTime),
    configuration: eventItem.configuration,
    supplementaryConfiguration: eventItem.supplementaryConfiguration,
    tags: eventItem.tags,
    relationships,
  };
}

/** A clock that returns the times it is set to, so tests can place each change. */
export function settableClock(start: string): { now: () => Date; set: (time: string) => void } {
  let current = new Date(start);
  return { now: () => new Date(current.getTime()), set: (time) => (current = new Date(time)) };
}
