/**
 * An SQS server for integration tests: the fauxqs emulator, listening on 127.0.0.1 on a random
 * port, with a real SQSClient pointed at it. fauxqs's startFauxqs() binds every interface, so the
 * server is built with buildApp() and bound to loopback here.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

export interface QueueCounts {
  /** ApproximateNumberOfMessages: messages a receive would get now. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received and neither deleted nor visible again. */
  inFlight: number;
}

export interface SqsEmulator {
  /** Endpoint URL, such as http://127.0.0.1:41234. */
  endpoint: string;
  sqs: SQSClient;
  /** Creates a queue and returns its URL and ARN. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<{ queueUrl: string; queueArn: string }>;
  /** Creates a queue whose redrive policy moves a message to a new DLQ after maxReceiveCount receives. */
  createQueueWithDlq(
    name: string,
    maxReceiveCount: number,
    attributes?: Record<string, string>,
  ): Promise<{ queueUrl: string; dlqUrl: string }>;
  sendBodies(queueUrl: string, bodies: string[]): Promise<string[]>;
  counts(queueUrl: string): Promise<QueueCounts>;
  /** One short receive with a fresh client, as another consumer would do it. */
  receiveNow(queueUrl: string, visibilityTimeoutSeconds?: number): Promise<Message[]>;
  stop(): Promise<void>;
}

const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Creates an SQS client for the emulator. */
export function emulatorClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
}

export async function startSqsEmulator(): Promise<SqsEmulator> {
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const sqs = emulatorClient(endpoint);

  const createQueue = async (name: string, attributes: Record<string, string> = {}) => {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const queueUrl = created.QueueUrl!;
    const described = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    return { queueUrl, queueArn: described.Attributes!.QueueArn! };
  };

  return {
    endpoint,
    sqs,
    createQueue,

    async createQueueWithDlq(name, maxReceiveCount, attributes = {}) {
      const dlq = await createQueue(`${name}-dlq`);
      const queue = await createQueue(name, {
        ...attributes,
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: String(maxReceiveCount) }),
      });
      return { queueUrl: queue.queueUrl, dlqUrl: dlq.queueUrl };
    },

    async sendBodies(queueUrl, bodies) {
      const ids: string[] = [];
      for (const body of bodies) {
        const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        ids.push(sent.MessageId!);
      }
      return ids;
    },

    async counts(queueUrl) {
      const output = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(output.Attributes?.ApproximateNumberOfMessages),
        inFlight: Number(output.Attributes?.ApproximateNumberOfMessagesNotVisible),
      };
    },

    async receiveNow(queueUrl, visibilityTimeoutSeconds = 30) {
      const output = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      return output.Messages ?? [];
    },

    async stop() {
      sqs.destroy();
      await app.close();
    },
  };
}
