/**
 * Request body parsing and the responses the simulator builds. The HTTP server, body reading and
 * response writing that all simulators share are in ../simulator-http.ts.
 */

import type { SimulatorResponse } from '../simulator-http.js';
import { DataPolicyViolation, toStoredValues } from './business-rules.js';
import { businessRuleAborted, dataPolicyException, errorBody, HIBERNATING_PAGE } from './canned-responses.js';
import { BusinessRuleAbort } from './change-model.js';
import type { StoredRecord } from './record-store.js';

/** A response the simulator is about to send. */
export type Answer = SimulatorResponse;

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
