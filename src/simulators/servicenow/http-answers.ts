/** HTTP plumbing of the simulator: reading request bodies and writing responses. */

import type { IncomingMessage, ServerResponse } from 'node:http';

import { DataPolicyViolation, toStoredValues } from './business-rules.js';
import { businessRuleAborted, dataPolicyException, errorBody, HIBERNATING_PAGE, JSON_HEADERS } from './canned-responses.js';
import { BusinessRuleAbort } from './change-model.js';
import type { StoredRecord } from './record-store.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** A response the simulator is about to send. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function parseJsonOrText(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

export function parseRecordBody(body: string): StoredRecord | undefined {
  try {
    const parsed: unknown = JSON.parse(body === '' ? '{}' : body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return undefined;
    }
    return toStoredValues(parsed as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

/** Build the response to a write that a data policy or a business rule rejected. Any other error is rethrown. */
export function rejectedWriteAnswer(error: unknown): Answer {
  if (error instanceof DataPolicyViolation) {
    return { status: 403, body: dataPolicyException(error.missingLabels) };
  }
  if (error instanceof BusinessRuleAbort) {
    return { status: 403, body: businessRuleAborted(error.table, error.rule) };
  }
  throw error;
}

export function methodNotSupported(method: string): Answer {
  return { status: 405, body: errorBody('Method not Supported', `${method} is not supported for this resource`) };
}

export function hibernatingAnswer(): Answer {
  return { status: 200, body: HIBERNATING_PAGE, headers: { 'Content-Type': 'text/html;charset=UTF-8' } };
}

/** Write an answer: strings as HTML (unless a Content-Type says otherwise), anything else as JSON. */
export function send(response: ServerResponse, answer: Answer): void {
  if (answer.status === 204 || answer.body === undefined) {
    response.writeHead(answer.status, answer.headers);
    response.end();
    return;
  }

  if (typeof answer.body === 'string') {
    response.writeHead(answer.status, { 'Content-Type': 'text/html;charset=UTF-8', ...answer.headers });
    response.end(answer.body);
    return;
  }

  response.writeHead(answer.status, { ...JSON_HEADERS, ...answer.headers });
  response.end(JSON.stringify(answer.body));
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;

  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new Error('Request body too large for the ServiceNow simulator.');
    }
    chunks.push(buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}
