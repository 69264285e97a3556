/**
 * Event checks and error paths of OpsItemSource, with the SDK client mocked. Reading real OpsItems
 * runs against the SSM simulator in test/integration/ssm.
 */
import { GetOpsItemCommand, OpsItemAccessDeniedException, OpsItemNotFoundException, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import { OpsItemReadError, OpsItemSource } from '../../../src/sources/opsitem/opsitem-source.js';
import { InvalidEventError } from '../../../src/sources/source-adapter.js';
import { capturingLogger, eventFixture, rejectionOf, TEST_CREDENTIALS } from '../../integration/ssm/support.js';

const client = new SSMClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
const ssm = mockClient(client);
const createEvent = eventFixture('opsitem-create.json');
let log: ReturnType<typeof capturingLogger>;
let source: OpsItemSource;

beforeEach(() => {
  ssm.reset();
  log = capturingLogger();
  source = new OpsItemSource({ client, logger: log.logger });
});

afterEach(() => {
  ssm.reset();
});

function withDetail(detail: unknown): EventBridgeEvent {
  return { ...createEvent, detail };
}

describe('handles', () => {
  it('takes OpsItem Create and Update', () => {
    expect(source.handles(createEvent)).toBe(true);
    expect(source.handles(eventFixture('opsitem-update-resolved.json'))).toBe(true);
  });

  it('leaves other events alone', () => {
    expect(source.handles({ ...createEvent, 'detail-type': 'Change Request Status Update' })).toBe(false);
    expect(source.handles({ ...createEvent, 'detail-type': 'AWS API Call via CloudTrail' })).toBe(false);
    expect(source.handles({ ...createEvent, source: 'aws.securityhub' })).toBe(false);
  });
});

describe('event checks', () => {
  it('rejects an event without ops-item-id', async () => {
    const { 'ops-item-id': _id, ...detail } = createEvent.detail as Record<string, unknown>;

    const error = await rejectionOf(source.toRecords(withDetail(detail)));

    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).reason).toMatch(/"ops-item-id"\] is missing/);
    expect((error as InvalidEventError).eventId).toBe(createEvent.id);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('rejects a malformed ops-item-id', async () => {
    const error = await rejectionOf(source.toRecords(withDetail({ ...(createEvent.detail as object), 'ops-item-id': 'OI-123' })));

    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/"OI-123" is not an OpsItem id/);
  });

  it('rejects a missing detail', async () => {
    const error = await rejectionOf(source.toRecords(withDetail(null)));

    expect(error).toBeInstanceOf(InvalidEventError);
  });

  it('skips change requests without an API call', async () => {
    const records = await source.toRecords(withDetail({ ...(createEvent.detail as object), 'ops-item-type': '/aws/changerequest' }));

    expect(records).toEqual([]);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('skips a change request found by GetOpsItem', async () => {
    ssm.on(GetOpsItemCommand).resolves({ OpsItem: { OpsItemId: 'oi-4f2a9c81d0e7', OpsItemType: '/aws/changerequest', Status: 'PendingApproval' } });

    const records = await source.toRecords(withDetail({ 'ops-item-id': 'oi-4f2a9c81d0e7' }));

    expect(records).toEqual([]);
    expect(ssm.commandCalls(GetOpsItemCommand)).toHaveLength(1);
  });
});

describe('read errors', () => {
  it('skips a deleted OpsItem with a warning', async () => {
    ssm.on(GetOpsItemCommand).rejects(new OpsItemNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 400 } }));

    const records = await source.toRecords(createEvent);

    expect(records).toEqual([]);
    const warning = log.lines().find((line) => line.level === 40);
    expect(warning?.opsItemId).toBe('oi-4f2a9c81d0e7');
    expect(warning?.msg).toMatch(/OpsItem oi-4f2a9c81d0e7 no longer exists in us-east-1/);
  });

  it('throws other errors for a retry', async () => {
    const denied = new OpsItemAccessDeniedException({ message: 'not authorized', $metadata: { httpStatusCode: 400 } });
    ssm.on(GetOpsItemCommand).rejects(denied);

    const error = await rejectionOf<OpsItemReadError>(source.toRecords(createEvent));

    expect(error).toBeInstanceOf(OpsItemReadError);
    expect(error.opsItemId).toBe('oi-4f2a9c81d0e7');
    expect(error.errorCode).toBe('OpsItemAccessDeniedException');
    expect(error.message).toMatch(/ssm:GetOpsItem/);
    expect(error.cause).toBe(denied);
  });

  it('treats an empty answer as a read error', async () => {
    ssm.on(GetOpsItemCommand).resolves({});

    const error = await rejectionOf<OpsItemReadError>(source.toRecords(createEvent));

    expect(error).toBeInstanceOf(OpsItemReadError);
    expect(error.errorCode).toBe('EmptyResponse');
  });

  it('reports a region the provider cannot serve', async () => {
    const regional = new OpsItemSource({
      client: (region) => {
        throw new RangeError(`Invalid AWS region "${region}"`);
      },
      logger: log.logger,
    });

    const error = await rejectionOf(regional.toRecords({ ...createEvent, region: 'moon-1' }));

    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/no SSM client for region "moon-1"/);
  });

  it('logs unreadable resources', async () => {
    ssm.on(GetOpsItemCommand).resolves({
      OpsItem: { OpsItemId: 'oi-4f2a9c81d0e7', Title: 't', Status: 'Open', OperationalData: { '/aws/resources': { Value: 'not json', Type: 'SearchableString' } } },
    });

    const [record] = await source.toRecords(createEvent);

    expect(record?.view.relatedResources).toEqual([]);
    expect(log.lines().some((line) => line.level === 40 && /is not JSON/.test(String(line.msg)))).toBe(true);
  });
});
