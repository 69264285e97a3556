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
 * Sends to and watches a queue on the local SQS server through a real SQS client. The benchmark
 * uses it on its own, from another process than the server's.
 */
export class LocalQueueClient {
  readonly client: SQSClient;

  constructor(
    readonly endpoint: string,
    readonly queueUrl: string,
    readonly deadLetterQueueUrl?: string,
  ) {
    this.client = new SQSClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  /** Send one message body (an object is sent as JSON). */
  async send(body: unknown): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: toBody(body) }));
  }

  /** Send many message bodies, ten to a SendMessageBatch call. */
  async sendMany(bodies: unknown[]): Promise<void> {
    for (let start = 0; start < bodies.length; start += 10) {
      const entries = bodies.slice(start, start + 10).map((body, index) => ({ Id: String(index), MessageBody: toBody(body) }));
      const { Failed = [] } = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      // A batch succeeds as a call even when some entries were rejected; a lost event would pass
      // a test that expects nothing to happen.
      if (Failed.length > 0) {
        const reasons = Failed.map((entry) => `message ${Number(entry.Id) + start}: ${entry.Code ?? 'failed'} ${entry.Message ?? ''}`.trim());
        throw new Error(`The local queue rejected ${Failed.length} of ${entries.length} messages: ${reasons.join('; ')}`);
      }
    }
  }

  /** Wait until no message is visible or in flight on the queue. */
  async waitUntilEmpty(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { Attributes } = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      if (Attributes?.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0') return;
      await sleep(25);
    }
    throw new Error(`The queue ${this.queueUrl} still had messages after ${timeoutMs} ms`);
  }

  /** Messages on the dead-letter queue now; a received one is hidden again for 30 s. */
  async receiveDeadLetters(): Promise<Message[]> {
    if (!this.deadLetterQueueUrl) return [];
    const { Messages } = await this.client.send(
      new ReceiveMessageCommand({ QueueUrl: this.deadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    return Messages ?? [];
  }

  close(): void {
    this.client.destroy();
  }
}

/** A local queue with its dead-letter queue, and the server behind them. */
export interface LocalQueue extends LocalQueueClient {
  deadLetterQueueUrl: string;
  stop(): Promise<void>;
}

/**
 * Start a local SQS-compatible server (fauxqs) on 127.0.0.1 and create a queue whose redrive
 * policy moves a message to a dead-letter queue after `maxReceiveCount` receives. For the demo, the
 * benchmark and the end-to-end tests.
 */
export async function startLocalQueue(
  options: { name?: string; maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<LocalQueue> {
  const { buildApp, interceptLocalhostDns } = await importFauxqs();
  resolveLocalhostNames(interceptLocalhostDns);
  const name = options.name ?? 'itsm-sync-demo';

  // fauxqs's startFauxqs() listens on every interface; its app listens on loopback only here.
  const app = buildApp({ logger: false });
  const serverUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const setup = new LocalQueueClient(serverUrl, '');

  const createQueue = async (queueName: string, attributes: Record<string, string> = {}) => {
    const { QueueUrl } = await setup.client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
    const { Attributes } = await setup.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
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
  setup.close();

  // The SDK sends to the queue URL's host and warns when the endpoint differs, so both use it.
  const local = new LocalQueueClient(new URL(queue.queueUrl).origin, queue.queueUrl, deadLetter.queueUrl) as LocalQueue;
  local.stop = async () => {
    local.close();
    await app.close();
  };
  return local;
}

function toBody(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

let localhostNamesResolved = false;

/**
 * fauxqs names queues http://sqs.<region>.localhost:<port>/…, and the SQS client sends requests to
 * the queue URL's host. Not every resolver maps subdomains of localhost to loopback, so names
 * ending in `.localhost` are resolved to 127.0.0.1 in this process. Other names are untouched.
 */
export function resolveLocalhostNames(intercept: () => () => void): void {
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
