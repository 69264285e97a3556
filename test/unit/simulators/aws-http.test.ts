/**
 * The scaffolding that the Security Hub and SSM simulators share: the JSON server on loopback, the
 * fault queue, the event listeners and the body parsers. Each simulator's protocol is tested with
 * the simulator itself, in test/integration/writeback and test/integration/ssm.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import {
  checkFaultStatus,
  EventListeners,
  FaultQueue,
  parseJsonBody,
  parseJsonOrText,
  readLatencyMs,
  startAwsJsonServer,
  type AwsJsonServer,
  type AwsJsonServerOptions,
  type JsonResponse,
} from '../../../src/simulators/aws-http.js';

const EVENT: EventBridgeEvent = {
  version: '0',
  id: '7c8f1a2b-3d4e-4f50-8a6b-9c0d1e2f3a4b',
  'detail-type': 'OpsItem Create',
  source: 'aws.ssm',
  account: '111122223333',
  time: '2025-03-11T08:15:40Z',
  region: 'us-east-1',
  resources: [],
  detail: { status: 'Open' },
};

let server: AwsJsonServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Starts a server whose `handle` echoes the request and records what it received. */
async function echoServer(overrides: Partial<AwsJsonServerOptions> = {}): Promise<{ url: string; received: Array<{ method?: string; rawBody: string }> }> {
  const received: Array<{ method?: string; rawBody: string }> = [];
  server = await startAwsJsonServer({
    port: 0,
    latencyMs: 0,
    contentType: 'application/x-amz-json-1.1',
    handle: (request, rawBody) => {
      received.push({ method: request.method, rawBody });
      return { status: 200, body: { echoed: rawBody } };
    },
    unreadableRequest: (error) => ({ status: 400, body: { __type: 'SerializationException', message: String(error) } }),
    ...overrides,
  });
  return { url: server.url, received };
}

describe('startAwsJsonServer', () => {
  it('listens on 127.0.0.1', async () => {
    const { url } = await echoServer();

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('passes the body to handle and sends its JSON', async () => {
    const { url, received } = await echoServer();

    const response = await fetch(url, { method: 'POST', body: '{"OpsItemId":"oi-0123456789ab"}' });

    expect(received).toEqual([{ method: 'POST', rawBody: '{"OpsItemId":"oi-0123456789ab"}' }]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ echoed: '{"OpsItemId":"oi-0123456789ab"}' });
  });

  it('sets content type, length and a request id', async () => {
    const { url } = await echoServer();

    const first = await fetch(url, { method: 'POST', body: 'a' });
    const second = await fetch(url, { method: 'POST', body: 'a' });

    expect(first.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(first.headers.get('content-length')).toBe(String(Buffer.byteLength(await first.text())));
    expect(first.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers.get('x-amzn-requestid')).not.toBe(first.headers.get('x-amzn-requestid'));
  });

  it('sends the extra headers of a response', async () => {
    const reply: JsonResponse = { status: 429, body: { Code: 'TooManyRequestsException' }, headers: { 'x-amzn-errortype': 'TooManyRequestsException' } };
    const { url } = await echoServer({ handle: () => reply });

    const response = await fetch(url, { method: 'PATCH', body: '{}' });

    expect(response.status).toBe(429);
    expect(response.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
  });

  it('delays answers by latencyMs', async () => {
    const { url } = await echoServer({ latencyMs: 150 });

    const started = performance.now();
    await fetch(url, { method: 'POST', body: '{}' });

    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers a body over 10 MiB with unreadableRequest', async () => {
    const { url, received } = await echoServer();

    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(url, { method: 'POST' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      // Eleven writes of 1 MiB pass the 10 MiB limit.
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let index = 0; index < 11; index += 1) {
        request.write(chunk);
      }
      request.end();
    });

    expect(status).toBe(400);
    expect(received).toEqual([]);
  });

  it('stops listening on stop', async () => {
    const { url } = await echoServer();

    await server!.stop();
    server = undefined;

    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});

describe('readLatencyMs', () => {
  it('defaults to 0', () => {
    expect(readLatencyMs(undefined)).toBe(0);
  });

  it('keeps a valid delay', () => {
    expect(readLatencyMs(25)).toBe(25);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %s', (latencyMs) => {
    expect(() => readLatencyMs(latencyMs)).toThrow(`latencyMs must be a number of milliseconds of at least 0, got ${latencyMs}`);
  });
});

describe('parseJsonBody', () => {
  const invalidJson = (message: string) => new TypeError(`rejected: ${message}`);

  it('reads an empty body as an empty request', () => {
    expect(parseJsonBody('', invalidJson)).toEqual({});
  });

  it('parses JSON', () => {
    expect(parseJsonBody('{"MaxResults":5}', invalidJson)).toEqual({ MaxResults: 5 });
  });

  it('throws the service error for other text', () => {
    expect(() => parseJsonBody('{oops', invalidJson)).toThrow(new TypeError('rejected: The request body is not valid JSON'));
  });
});

describe('parseJsonOrText', () => {
  it.each([
    ['', undefined],
    ['{"Title":"t"}', { Title: 't' }],
    ['not json', 'not json'],
  ])('reads "%s"', (rawBody, expected) => {
    expect(parseJsonOrText(rawBody)).toEqual(expected);
  });
});

describe('FaultQueue', () => {
  interface TestFault {
    operation?: 'GetOpsItem' | 'UpdateOpsItem';
    label: string;
    times?: number;
  }

  it('fails the given number of matching requests', () => {
    const queue = new FaultQueue<TestFault>();
    queue.add({ label: 'throttle', times: 2 });

    expect([queue.take('GetOpsItem')?.label, queue.take('UpdateOpsItem')?.label, queue.take('GetOpsItem')]).toEqual(['throttle', 'throttle', undefined]);
  });

  it('leaves other operations alone', () => {
    const queue = new FaultQueue<TestFault>();
    queue.add({ operation: 'UpdateOpsItem', label: 'update only' });

    expect(queue.take('GetOpsItem')).toBeUndefined();
    expect(queue.take('UpdateOpsItem')?.label).toBe('update only');
  });

  it('takes faults in queue order', () => {
    const queue = new FaultQueue<TestFault>();
    queue.add({ label: 'first' });
    queue.add({ operation: 'GetOpsItem', label: 'second' });

    expect([queue.take('GetOpsItem')?.label, queue.take('GetOpsItem')?.label]).toEqual(['first', 'second']);
  });

  it('empties on clear', () => {
    const queue = new FaultQueue<TestFault>();
    queue.add({ label: 'cleared', times: 3 });

    queue.clear();

    expect(queue.take('GetOpsItem')).toBeUndefined();
  });

  it.each([0, -2, 1.5])('rejects times %s', (times) => {
    const queue = new FaultQueue<TestFault>();

    expect(() => queue.add({ label: 'bad', times })).toThrow(`fault times must be a whole number of at least 1, got ${times}`);
    expect(queue.take('GetOpsItem')).toBeUndefined();
  });
});

describe('checkFaultStatus', () => {
  it.each([400, 429, 500, 599])('accepts %s', (status) => {
    expect(() => checkFaultStatus(status)).not.toThrow();
  });

  it.each([200, 399, 600, 500.5])('rejects %s', (status) => {
    expect(() => checkFaultStatus(status)).toThrow(`fault status must be an HTTP error status from 400 to 599, got ${status}`);
  });
});

describe('EventListeners', () => {
  it('gives each listener its own copy', () => {
    const listeners = new EventListeners('Test simulator');
    const seen: EventBridgeEvent[] = [];
    listeners.add((event) => {
      event.detail = { status: 'changed by the first listener' };
    });
    listeners.add((event) => {
      seen.push(event);
    });

    listeners.emit(EVENT);

    expect(seen).toEqual([EVENT]);
    expect(seen[0]).not.toBe(EVENT);
  });

  it('stops calling a removed listener', () => {
    const listeners = new EventListeners('Test simulator');
    const seen: EventBridgeEvent[] = [];
    const remove = listeners.add((event) => {
      seen.push(event);
    });

    remove();
    listeners.emit(EVENT);

    expect(seen).toEqual([]);
  });

  it('reports a throwing listener and calls the next', () => {
    const listeners = new EventListeners('Test simulator');
    const failures: unknown[] = [];
    const seen: EventBridgeEvent[] = [];
    listeners.add(() => {
      throw new Error('listener broke');
    }, (error) => failures.push(error));
    listeners.add((event) => {
      seen.push(event);
    });

    expect(() => listeners.emit(EVENT)).not.toThrow();
    expect(failures).toEqual([new Error('listener broke')]);
    expect(seen).toHaveLength(1);
  });

  it('reports a rejecting listener', async () => {
    const listeners = new EventListeners('Test simulator');
    const failure = new Promise<unknown>((resolve) => {
      listeners.add(() => Promise.reject(new Error('async listener broke')), resolve);
    });

    listeners.emit(EVENT);

    expect(await failure).toEqual(new Error('async listener broke'));
  });

  it('warns the process without onError', () => {
    const listeners = new EventListeners('Test simulator');
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      listeners.add(() => {
        throw new Error('listener broke');
      });

      listeners.emit(EVENT);

      expect(emitWarning).toHaveBeenCalledWith('Test simulator event listener failed: Error: listener broke');
    } finally {
      emitWarning.mockRestore();
    }
  });
});
