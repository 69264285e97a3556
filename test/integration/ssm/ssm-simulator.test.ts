/**
 * The SSM simulator, checked through the real SDK client and through raw HTTP.
 */
import {
  CreateOpsItemCommand,
  DescribeOpsItemsCommand,
  GetOpsItemCommand,
  InternalServerError,
  OpsItemInvalidParameterException,
  OpsItemNotFoundException,
  SSMClient,
  ThrottlingException,
  UpdateOpsItemCommand,
  ValidationException,
  type OpsItemStatus,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import { startSsmSimulator, type SsmSimulator } from '../../../src/simulators/ssm/server.js';
import { eventFixture, rejectionOf, steppingClock, TEST_CREDENTIALS, wireOpsItem } from './support.js';

const issue = wireOpsItem('get-ops-item-issue.wire-response.json');
const createEvent = eventFixture('opsitem-create.json');
const updateEvent = eventFixture('opsitem-update-resolved.json');

let simulator: SsmSimulator;
let client: SSMClient;
let events: EventBridgeEvent[];

beforeEach(async () => {
  simulator = await startSsmSimulator({ clock: steppingClock('2025-03-11T08:15:40.118Z') });
  events = [];
  simulator.onEvent((event) => {
    events.push(event);
  });
  // One attempt, so each test gets exactly the responses the simulator sent.
  client = new SSMClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await simulator.stop();
});

/** Sends a raw request to the simulator, as the AWS JSON 1.1 protocol does. */
async function post(target: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${simulator.url}/`, {
    method: 'POST',
    headers: {
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAITSMSYNCTESTONLY/20250311/us-east-1/ssm/aws4_request',
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('HTTP surface', () => {
  it('rejects a request without Authorization', async () => {
    const response = await fetch(`${simulator.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetOpsItem' },
      body: JSON.stringify({ OpsItemId: 'oi-000000000000' }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('sends the AWS JSON error shape', async () => {
    const response = await post('AmazonSSM.GetOpsItem', { OpsItemId: 'oi-000000000000' });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.__type).toBe('OpsItemNotFoundException');
    expect(body.message).toMatch(/oi-000000000000/);
  });

  it('rejects an unknown target', async () => {
    const response = await post('AmazonSSM.DeleteOpsItem', { OpsItemId: 'oi-000000000000' });

    expect(response.status).toBe(400);
    expect(((await response.json()) as Record<string, unknown>).__type).toBe('UnknownOperationException');
    expect(simulator.calls[0]?.operation).toBe('Unknown');
  });

  it('rejects another content type', async () => {
    const response = await post('AmazonSSM.GetOpsItem', { OpsItemId: 'oi-000000000000' }, { 'content-type': 'application/json' });

    expect(response.status).toBe(400);
    expect(((await response.json()) as Record<string, unknown>).__type).toBe('SerializationException');
  });

  it('rejects a body that is not JSON', async () => {
    const response = await post('AmazonSSM.GetOpsItem', '{not json');

    expect(response.status).toBe(400);
    expect(((await response.json()) as Record<string, unknown>).__type).toBe('SerializationException');
  });
});

describe('CreateOpsItem and GetOpsItem', () => {
  it('creates an OpsItem that GetOpsItem returns', async () => {
    const created = await client.send(
      new CreateOpsItemCommand({
        Title: 'CPU utilization above 90% on orders-api-prod-2',
        Description: 'CloudWatch alarm orders-api-prod-cpu-high entered ALARM state.',
        Source: 'EC2',
        Priority: 2,
        Severity: '2',
        Category: 'Performance',
        OperationalData: {
          '/aws/resources': { Value: '[{"arn":"arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60718"}]', Type: 'SearchableString' },
        },
      }),
    );

    expect(created.OpsItemId).toMatch(/^oi-[0-9a-f]{12}$/);
    expect(created.OpsItemArn).toBe(`arn:aws:ssm:us-east-1:111122223333:opsitem/${created.OpsItemId}`);

    const { OpsItem } = await client.send(new GetOpsItemCommand({ OpsItemId: created.OpsItemId }));
    expect(OpsItem?.Title).toBe('CPU utilization above 90% on orders-api-prod-2');
    expect(OpsItem?.Status).toBe('Open');
    expect(OpsItem?.OpsItemType).toBe('/aws/issue');
    expect(OpsItem?.Priority).toBe(2);
    expect(OpsItem?.Version).toBe('1');
    expect(OpsItem?.CreatedBy).toBe(simulator.callerArn);
    expect(OpsItem?.CreatedTime).toEqual(new Date('2025-03-11T08:15:40.118Z'));
    expect(OpsItem?.LastModifiedTime).toEqual(OpsItem?.CreatedTime);
    expect(OpsItem?.OperationalData?.['/aws/resources']?.Type).toBe('SearchableString');
  });

  it('returns a seeded corpus OpsItem unchanged', async () => {
    simulator.seedOpsItem(issue);

    const { OpsItem } = await client.send(new GetOpsItemCommand({ OpsItemId: issue.OpsItemId }));

    expect(OpsItem?.OpsItemArn).toBe(issue.OpsItemArn);
    expect(OpsItem?.Version).toBe('3');
    expect(OpsItem?.LastModifiedTime).toEqual(new Date(issue.LastModifiedTime * 1000));
    expect(OpsItem?.OperationalData).toEqual(issue.OperationalData);
  });

  it('answers an unknown id with OpsItemNotFoundException', async () => {
    const error = await rejectionOf<OpsItemNotFoundException>(client.send(new GetOpsItemCommand({ OpsItemId: 'oi-0123456789ab' })));

    expect(error).toBeInstanceOf(OpsItemNotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toMatch(/oi-0123456789ab/);
  });

  it('rejects a malformed id', async () => {
    const error = await rejectionOf(client.send(new GetOpsItemCommand({ OpsItemId: 'not-an-id' })));

    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(/'opsItemId'.*pattern/);
  });

  it('requires a title', async () => {
    const error = await rejectionOf(client.send(new CreateOpsItemCommand({ Title: undefined, Description: 'd', Source: 's' })));

    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(/'title'/);
  });

  it('rejects priority 6', async () => {
    const error = await rejectionOf(client.send(new CreateOpsItemCommand({ Title: 't', Description: 'd', Source: 's', Priority: 6 })));

    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(/less than or equal to 5/);
  });
});

describe('UpdateOpsItem', () => {
  beforeEach(() => {
    simulator.seedOpsItem(issue, { emitEvent: false });
  });

  it('bumps the version and the modification fields', async () => {
    await client.send(new UpdateOpsItemCommand({ OpsItemId: issue.OpsItemId, Status: 'InProgress' }));
    await client.send(new UpdateOpsItemCommand({ OpsItemId: issue.OpsItemId, Priority: 1 }));

    const item = simulator.getOpsItem(issue.OpsItemId)!;
    expect(item.Status).toBe('InProgress');
    expect(item.Priority).toBe(1);
    expect(item.Version).toBe('5');
    expect(item.LastModifiedBy).toBe(simulator.callerArn);
    // The stepping clock moves one second per call: seed, first update, second update.
    expect(item.LastModifiedTime).toBe(Date.parse('2025-03-11T08:15:42.118Z') / 1000);
    expect(item.CreatedTime).toBe(issue.CreatedTime);
  });

  it('merges and deletes OperationalData', async () => {
    await client.send(
      new UpdateOpsItemCommand({
        OpsItemId: issue.OpsItemId,
        OperationalData: { 'itsm-sync:ticket': { Value: '{"number":"INC0010043"}', Type: 'SearchableString' } },
        OperationalDataToDelete: ['instance-state'],
      }),
    );

    const data = simulator.getOpsItem(issue.OpsItemId)!.OperationalData;
    expect(data['itsm-sync:ticket']).toEqual({ Value: '{"number":"INC0010043"}', Type: 'SearchableString' });
    expect(data['instance-state']).toBeUndefined();
    expect(data['/aws/resources']).toEqual(issue.OperationalData['/aws/resources']);
  });

  it('rejects an unknown status', async () => {
    const error = await rejectionOf(client.send(new UpdateOpsItemCommand({ OpsItemId: issue.OpsItemId, Status: 'Done' as OpsItemStatus })));

    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(/Value "Done" at 'status' failed to satisfy constraint: Member must satisfy enum value set/);
    expect(simulator.getOpsItem(issue.OpsItemId)!.Version).toBe('3');
  });

  it.each(['aws:ticket', '/aws/ticket', 'amazon-ticket', 'ssm/ticket', '/amzn/x'])('rejects the reserved key %s', async (key) => {
    const error = await rejectionOf<OpsItemInvalidParameterException>(
      client.send(new UpdateOpsItemCommand({ OpsItemId: issue.OpsItemId, OperationalData: { [key]: { Value: 'x', Type: 'String' } } })),
    );

    expect(error).toBeInstanceOf(OpsItemInvalidParameterException);
    expect(error.ParameterNames).toEqual(['OperationalData']);
    expect(error.message).toContain(`"${key}"`);
  });

  it('accepts the documented /aws keys', async () => {
    await client.send(
      new UpdateOpsItemCommand({
        OpsItemId: issue.OpsItemId,
        OperationalData: { '/aws/automations': { Value: '[{"automationType":"AWS:SSM:Automation","automationId":"AWS-RestartEC2Instance"}]', Type: 'SearchableString' } },
      }),
    );

    expect(simulator.getOpsItem(issue.OpsItemId)!.Version).toBe('4');
  });

  it('rejects a value over 20 KB', async () => {
    const error = await rejectionOf<OpsItemInvalidParameterException>(
      client.send(new UpdateOpsItemCommand({ OpsItemId: issue.OpsItemId, OperationalData: { notes: { Value: 'é'.repeat(10_001), Type: 'String' } } })),
    );

    expect(error).toBeInstanceOf(OpsItemInvalidParameterException);
    expect(error.message).toMatch(/20002 bytes/);
  });

  it('accepts a value of exactly 20,000 bytes', async () => {
    await client.send(new UpdateOpsItemCommand({ OpsItemId: issue.OpsItemId, OperationalData: { notes: { Value: 'é'.repeat(10_000), Type: 'String' } } }));

    expect(simulator.getOpsItem(issue.OpsItemId)!.OperationalData.notes?.Value).toHaveLength(10_000);
  });

  it('rejects a blank value and a long key', async () => {
    const blank = await rejectionOf(client.send(new UpdateOpsItemCommand({ OpsItemId: issue.OpsItemId, OperationalData: { notes: { Value: '  ', Type: 'String' } } })));
    const longKey = await rejectionOf(
      client.send(new UpdateOpsItemCommand({ OpsItemId: issue.OpsItemId, OperationalData: { ['k'.repeat(129)]: { Value: 'x', Type: 'String' } } })),
    );

    expect(blank).toBeInstanceOf(ValidationException);
    expect(longKey).toBeInstanceOf(ValidationException);
    expect((longKey as Error).message).toMatch(/length from 1 to 128/);
  });

  it('answers an unknown id with OpsItemNotFoundException', async () => {
    const error = await rejectionOf(client.send(new UpdateOpsItemCommand({ OpsItemId: 'oi-0123456789ab', Status: 'Resolved' })));

    expect(error).toBeInstanceOf(OpsItemNotFoundException);
  });
});

describe('faults', () => {
  it('throttles the injected number of requests, then recovers with SDK retries', async () => {
    const item = simulator.seedOpsItem({ Title: 'Throttled' }, { emitEvent: false });
    simulator.injectFaults([{ operation: 'GetOpsItem', errorType: 'ThrottlingException', times: 2 }]);
    const retryingClient = new SSMClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 3 });

    try {
      const { OpsItem } = await retryingClient.send(new GetOpsItemCommand({ OpsItemId: item.OpsItemId }));
      expect(OpsItem?.Title).toBe('Throttled');
    } finally {
      retryingClient.destroy();
    }
    expect(simulator.calls.map((call) => [call.operation, call.status, call.errorType])).toEqual([
      ['GetOpsItem', 400, 'ThrottlingException'],
      ['GetOpsItem', 400, 'ThrottlingException'],
      ['GetOpsItem', 200, undefined],
    ]);
  });

  it('surfaces throttling once the attempts run out', async () => {
    simulator.injectFaults([{ errorType: 'ThrottlingException', times: 5 }]);

    const error = await rejectionOf(client.send(new GetOpsItemCommand({ OpsItemId: 'oi-0123456789ab' })));

    expect(error).toBeInstanceOf(ThrottlingException);
    expect((error as Error).message).toBe('Rate exceeded');
  });

  it('leaves other operations alone', async () => {
    simulator.injectFaults([{ operation: 'UpdateOpsItem', errorType: 'InternalServerError' }]);

    const { OpsItemId } = await client.send(new CreateOpsItemCommand({ Title: 't', Description: 'd', Source: 's' }));
    const error = await rejectionOf<InternalServerError>(client.send(new UpdateOpsItemCommand({ OpsItemId, Status: 'Resolved' })));

    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(simulator.calls.map((call) => call.status)).toEqual([200, 500]);
  });

  it('rejects a fault without an error type', () => {
    expect(() => simulator.injectFaults([{ errorType: '' }])).toThrow(/errorType/);
  });
});

describe('DescribeOpsItems', () => {
  it('filters by status and pages', async () => {
    for (const status of ['Open', 'Resolved', 'Open', 'Open']) {
      simulator.seedOpsItem({ Status: status }, { emitEvent: false });
    }

    const first = await client.send(
      new DescribeOpsItemsCommand({ OpsItemFilters: [{ Key: 'Status', Operator: 'Equal', Values: ['Open'] }], MaxResults: 2 }),
    );
    const second = await client.send(
      new DescribeOpsItemsCommand({ OpsItemFilters: [{ Key: 'Status', Operator: 'Equal', Values: ['Open'] }], MaxResults: 2, NextToken: first.NextToken }),
    );

    expect(first.OpsItemSummaries).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    expect(second.OpsItemSummaries).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    expect([...first.OpsItemSummaries!, ...second.OpsItemSummaries!].every((summary) => summary.Status === 'Open')).toBe(true);
  });

  it('rejects an unsupported filter key', async () => {
    const error = await rejectionOf(client.send(new DescribeOpsItemsCommand({ OpsItemFilters: [{ Key: 'AutomationId', Operator: 'Equal', Values: ['x'] }] })));

    expect(error).toBeInstanceOf(ValidationException);
  });
});

describe('events', () => {
  it('emits OpsItem Create in the documented shape', async () => {
    const { OpsItemId } = await client.send(new CreateOpsItemCommand({ Title: 'CPU high', Description: 'Alarm', Source: 'EC2' }));

    expect(events).toHaveLength(1);
    const [event] = events;
    expect(Object.keys(event!)).toEqual(Object.keys(createEvent));
    expect(Object.keys(event!.detail as object)).toEqual(Object.keys(createEvent.detail as object));
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'OpsItem Create',
      source: 'aws.ssm',
      account: '111122223333',
      region: 'us-east-1',
      time: '2025-03-11T08:15:40Z',
      resources: [`arn:aws:ssm:us-east-1:111122223333:opsitem/${OpsItemId}`],
      detail: {
        'created-by': simulator.callerArn,
        'created-time': '2025-03-11T08:15:40.118000Z',
        source: 'EC2',
        status: 'Open',
        'ops-item-id': OpsItemId,
        title: 'CPU high',
        'ops-item-type': '/aws/issue',
        description: 'Alarm',
      },
    });
  });

  it('emits OpsItem Update for the connector\'s own update', async () => {
    const item = simulator.seedOpsItem({ Title: 'CPU high', Source: 'EC2' }, { emitEvent: false });

    await client.send(new UpdateOpsItemCommand({ OpsItemId: item.OpsItemId, Status: 'Resolved' }));

    expect(events).toHaveLength(1);
    const [event] = events;
    expect(Object.keys(event!.detail as object)).toEqual(Object.keys(updateEvent.detail as object));
    expect(event!['detail-type']).toBe('OpsItem Update');
    expect(event!.detail).toMatchObject({ status: 'Resolved', 'modified-by': simulator.callerArn, 'modified-time': '2025-03-11T08:15:41.118000Z' });
  });

  it('emits OpsItem Update for a console edit', () => {
    const item = simulator.seedOpsItem({ Title: 'CPU high' }, { emitEvent: false });

    const updated = simulator.updateOpsItemAsHuman(item.OpsItemId, { Status: 'InProgress' });

    expect(updated.LastModifiedBy).toBe('arn:aws:sts::111122223333:assumed-role/OpsEngineer/sam.example');
    expect(updated.Version).toBe('2');
    expect(events.map((event) => [event['detail-type'], (event.detail as Record<string, unknown>)['modified-by']])).toEqual([
      ['OpsItem Update', 'arn:aws:sts::111122223333:assumed-role/OpsEngineer/sam.example'],
    ]);
  });

  it('emits nothing for a rejected update or a read', async () => {
    const item = simulator.seedOpsItem({}, { emitEvent: false });

    await rejectionOf(client.send(new UpdateOpsItemCommand({ OpsItemId: item.OpsItemId, Status: 'Done' as OpsItemStatus })));
    await client.send(new GetOpsItemCommand({ OpsItemId: item.OpsItemId }));

    expect(events).toEqual([]);
  });

  it('emits OpsItem Create for a seeded OpsItem', () => {
    const item = simulator.seedOpsItem(issue);

    expect(events.map((event) => [event['detail-type'], (event.detail as Record<string, unknown>)['ops-item-id']])).toEqual([['OpsItem Create', item.OpsItemId]]);
  });
});
