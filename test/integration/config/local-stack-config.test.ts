/**
 * The local stack's AWS Config simulator: the endpoint variable the SDK reads, and the forwarding
 * of configuration item change events to the queue.
 */
import { ConfigServiceClient, ListDiscoveredResourcesCommand } from '@aws-sdk/client-config-service';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';

import { applyEnvironment, startLocalStack, type LocalStack } from '../../../src/simulators/local-stack.js';

let stack: LocalStack | undefined;
let restoreEnvironment: (() => void) | undefined;

afterEach(async () => {
  restoreEnvironment?.();
  restoreEnvironment = undefined;
  await stack?.stop();
  stack = undefined;
});

async function start(forwardAwsEvents?: boolean): Promise<LocalStack> {
  stack = await startLocalStack({
    queueName: `config-${crypto.randomUUID().slice(0, 8)}`,
    mappingsDir: 'unused-by-this-test',
    stateStore: 'sqlite::memory:',
    forwardAwsEvents,
  });
  return stack;
}

describe('local stack AWS Config', () => {
  it('SDK finds the simulator through the environment', async () => {
    const local = await start();
    local.config.recordResource({ resourceType: 'AWS::EC2::Instance', resourceId: 'i-env', configuration: {} });
    restoreEnvironment = applyEnvironment(local.env);
    // No endpoint option: the client must read AWS_ENDPOINT_URL_CONFIG_SERVICE.
    const client = new ConfigServiceClient({});

    try {
      const response = await client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance' }));
      expect(response.resourceIdentifiers!.map((identifier) => identifier.resourceId)).toEqual(['i-env']);
    } finally {
      client.destroy();
    }
  });

  it('forwards configuration item changes', async () => {
    const local = await start(true);

    local.config.recordResource({ resourceType: 'AWS::S3::Bucket', resourceId: 'forwarded-bucket', resourceName: 'forwarded-bucket', configuration: {} });
    local.config.deleteResource('AWS::S3::Bucket', 'forwarded-bucket');
    await local.awsEventsForwarded();

    const bodies: Array<Record<string, any>> = [];
    for (let poll = 0; poll < 5 && bodies.length < 2; poll += 1) {
      const { Messages } = await local.queue.client.send(new ReceiveMessageCommand({ QueueUrl: local.queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      bodies.push(...(Messages ?? []).map((message) => JSON.parse(message.Body!) as Record<string, any>));
    }
    expect(bodies.map((body) => [body.source, body['detail-type'], body.detail.configurationItemDiff.changeType])).toEqual([
      ['aws.config', 'Config Configuration Item Change', 'CREATE'],
      ['aws.config', 'Config Configuration Item Change', 'DELETE'],
    ]);
    expect(bodies[0]!.resources).toEqual(['arn:aws:s3:::forwarded-bucket']);
  });
});
