/**
 * A loopback server that responds to SSM operations with AWS JSON 1.1 wire bodies (the corpus shapes,
 * timestamps as epoch seconds), so the real SSMClient turns them into SDK output as it would from AWS.
 */
import { SSMClient } from '@aws-sdk/client-ssm';

import { startAwsJsonServer, type AwsJsonServer, type JsonResponse } from '../../../src/simulators/aws-http.js';
import { TEST_CREDENTIALS } from '../../integration/ssm/support.js';

/** Handler of one SSM operation: the request body in, a wire response out. */
export type WireHandler = (input: Record<string, unknown>) => JsonResponse;

/** A running wire server, the client pointed at it, and the requests it received. */
export interface WireServer {
  client: SSMClient;
  /** Operation name and request body of each request, in order. */
  requests: Array<{ operation: string; input: Record<string, unknown> }>;
  /** Replaces the handler of one operation. */
  on(operation: string, handler: WireHandler): void;
  stop(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 (random port) that routes by the `X-Amz-Target` header
 * (`AmazonSSM.<Operation>`) to `handlers`. An operation without a handler gets a 400
 * `UnknownOperationException`, so an unexpected call fails the test.
 */
export async function startWireServer(handlers: Record<string, WireHandler> = {}): Promise<WireServer> {
  const routes = new Map(Object.entries(handlers));
  const requests: WireServer['requests'] = [];

  const server: AwsJsonServer = await startAwsJsonServer({
    port: 0,
    latencyMs: 0,
    contentType: 'application/x-amz-json-1.1',
    handle(request, rawBody) {
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^AmazonSSM\./, '');
      const input = JSON.parse(rawBody || '{}') as Record<string, unknown>;
      requests.push({ operation, input });
      const handler = routes.get(operation);
      if (handler === undefined) {
        return { status: 400, body: { __type: 'UnknownOperationException', message: `no handler for ${operation}` } };
      }
      return handler(input);
    },
    unreadableRequest: () => ({ status: 400, body: { __type: 'SerializationException', message: 'unreadable request' } }),
  });

  const client = new SSMClient({ region: 'us-east-1', endpoint: server.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  return {
    client,
    requests,
    on: (operation, handler) => routes.set(operation, handler),
    stop: async () => {
      client.destroy();
      await server.stop();
    },
  };
}

/** A 200 response with `body`. */
export function ok(body: unknown): JsonResponse {
  return { status: 200, body };
}

/** An AWS JSON error response with the exception name in `__type`. */
export function awsError(type: string, message: string, status = 400): JsonResponse {
  return { status, body: { __type: type, message } };
}
