/**
 * The local stack's SSM simulator and its forwarding of AWS events to the queue, as the
 * EventBridge rules do in production.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetOpsItemCommand, SSMClient, UpdateOpsItemCommand } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';

import { startLocalStack, type LocalStack } from '../../../src/simulators/local-stack.js';
import { asffFinding } from '../writeback/support.js';
import { TEST_CREDENTIALS } from './support.js';

let stack: LocalStack | undefined;

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function start(forwardAwsEvents?: boolean): Promise<LocalStack> {
  stack = await startLocalStack({
    queueName: `forwarding-${crypto.randomUUID().slice(0, 8)}`,
    mappingsDir: 'unused-by-this-test',
    stateStore: 'sqlite::memory:',
    forwardAwsEvents,
  });
  return stack;
}

/** Receives and returns the bodies of up to `count` messages, with at most `maxPolls` one-second long polls. */
async function receiveBodies(local: LocalStack, count: number, maxPolls = 5): Promise<Array<Record<string, unknown>>> {
  const bodies: Array<Record<string, unknown>> = [];
  for (let poll = 0; poll < maxPolls && bodies.length < count; poll += 1) {
    const { Messages } = await local.queue.client.send(
      new ReceiveMessageCommand({ QueueUrl: local.queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    bodies.push(...(Messages ?? []).map((message) => JSON.parse(message.Body!) as Record<string, unknown>));
  }
  return bodies;
}

describe('local stack', () => {
  it('points the SDK at the SSM simulator', async () => {
    const local = await start();
    const item = local.ssm.seedOpsItem({ Title: 'Reachable' });
    const client = new SSMClient({ region: 'us-east-1', endpoint: local.env.AWS_ENDPOINT_URL_SSM, credentials: TEST_CREDENTIALS });

    try {
      const { OpsItem } = await client.send(new GetOpsItemCommand({ OpsItemId: item.OpsItemId }));
      expect(OpsItem?.Title).toBe('Reachable');
    } finally {
      client.destroy();
    }
  });

  it('forwards nothing by default', async () => {
    const local = await start();
    local.ssm.seedOpsItem({ Title: 'Quiet' });
    await local.awsEventsForwarded();

    expect(await receiveBodies(local, 1, 1)).toEqual([]);
  });

  it('forwards OpsItem and finding events in order', async () => {
    const local = await start(true);
    const finding = asffFinding('imported-cspm-s3-bucket-control-failed.json');
    local.securityHub.seedFindings([finding]);
    const ssm = new SSMClient({ region: 'us-east-1', endpoint: local.env.AWS_ENDPOINT_URL_SSM, credentials: TEST_CREDENTIALS });
    const securityHub = new SecurityHubClient({ region: 'us-east-1', endpoint: local.env.AWS_ENDPOINT_URL_SECURITYHUB, credentials: TEST_CREDENTIALS });

    try {
      const item = local.ssm.seedOpsItem({ Title: 'Forwarded' });
      await ssm.send(new UpdateOpsItemCommand({ OpsItemId: item.OpsItemId, Status: 'InProgress' }));
      await securityHub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: finding.Id, ProductArn: finding.ProductArn }], Workflow: { Status: 'NOTIFIED' } }));
      await local.awsEventsForwarded();

      const bodies = await receiveBodies(local, 3);
      expect(bodies.map((body) => [body.source, body['detail-type']])).toEqual([
        ['aws.ssm', 'OpsItem Create'],
        ['aws.ssm', 'OpsItem Update'],
        ['aws.securityhub', 'Security Hub Findings - Imported'],
      ]);
      expect((bodies[1]!.detail as Record<string, unknown>)['ops-item-id']).toBe(item.OpsItemId);
    } finally {
      ssm.destroy();
      securityHub.destroy();
    }
  });
});
