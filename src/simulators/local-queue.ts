import { setTimeout as sleep } from 'node:timers/promises';

import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';

/**
 * An SQS queue with a dead-letter queue on a local SQS-compatible server (fauxqs) listening on
 * 127.0.0.1, for the demo, the benchmark and the end-to-end tests.
 */
export interface LocalQueue {
  /** Endpoint for `AWS_ENDPOINT_URL_SQS` or an SQS client's `endpoint`. */
  endpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** A real SQS client pointed at the local server. */
  client: SQSClient;
  /** Send one message body (an object is sent as JSON). */
  send(body: unknown): Promise<void>;
  /** Send many message bodies, ten to a SendMessageBatch call. */
  sendMany(bodies: unknown[]): Promise<void>;
  /** Wait until no message is visible or in flight on the main queue. */
  waitUntilEmpty(timeoutMs?: number): Promise<void>;
  /** Messages on the dead-letter queue now; they become visible again after 30 s. */
  receiveDeadLetters(): Promise<Message[]>;
  stop(): Promise<void>;
}

/**
 * Start the server and create the queue pair. `maxReceiveCount` is the redrive policy's count of
 * receives after which SQS moves a message to the dead-letter queue.
 */
export async function startLocalQueue(
  options: { name?: string; maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<LocalQueue> {
  const { buildApp, interceptLocalhostDns } = await importFauxqs();
  resolveLocalhostNames(interceptLocalhostDns);
  const name = options.name ?? 'itsm-sync-demo';

  // fauxqs's startFauxqs() listens on every interface; its app listens on loopback only here.
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  const createQueue = async (queueName: string, attributes: Record<string, string> = {}) => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { queueUrl: QueueUrl!, queueArn: Attributes!.QueueArn! };
  };

  const deadLetter = await createQueue(`${name}-dlq`);
  const queue = await createQueue(name, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deadLetter.queueArn,
      maxReceiveCount: String(options.maxReceiveCount ?? 3),
    }),
  });
  const toBody = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body));

  // The SDK sends to the queue URL's host and warns when the endpoint differs, so both use it.
  const queueEndpoint = new URL(queue.queueUrl).origin;

  return {
    endpoint: queueEndpoint,
    queueUrl: queue.queueUrl,
    deadLetterQueueUrl: deadLetter.queueUrl,
    client,

    async send(body) {
      await client.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: toBody(body) }));
    },

    async sendMany(bodies) {
      for (let start = 0; start < bodies.length; start += 10) {
        const entries = bodies.slice(start, start + 10).map((body, index) => ({ Id: String(index), MessageBody: toBody(body) }));
        await client.send(new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }));
      }
    },

    async waitUntilEmpty(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { Attributes } = await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: queue.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        if (Attributes?.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0') return;
        await sleep(25);
      }
      throw new Error(`The queue ${name} still had messages after ${timeoutMs} ms`);
    },

    async receiveDeadLetters() {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: deadLetter.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      return Messages ?? [];
    },

    async stop() {
      client.destroy();
      await app.close();
    },
  };
}

let localhostNamesResolved = false;

/**
 * fauxqs names queues http://sqs.<region>.localhost:<port>/…, and the SQS client sends requests to
 * the queue URL's host. Not every resolver maps subdomains of localhost to loopback, so names
 * ending in `.localhost` are resolved to 127.0.0.1 in this process, once; other names are untouched.
 */
function resolveLocalhostNames(intercept: () => () => void): void {
  if (localhostNamesResolved) return;
  intercept();
  localhostNamesResolved = true;
}

async function importFauxqs(): Promise<typeof import('fauxqs')> {
  try {
    return await import('fauxqs');
  } catch {
    throw new Error(
      'The local SQS server (the fauxqs package) is not installed. It is a development dependency: run `npm install` in the itsm-sync folder.',
    );
  }
}
