/**
 * Helpers that capture what the code under test logs or rejects with, for assertions.
 */
import { pino, type Logger } from 'pino';

/** A pino logger and the lines it wrote. */
export interface CapturingLogger {
  logger: Logger;
  /** Returns every line written so far, parsed as JSON. */
  lines: () => Array<Record<string, unknown>>;
  /** Returns every line written so far as raw text, for checks that no secret was logged. */
  text: () => string;
}

/** Creates a pino logger at trace level that keeps its lines for assertions. */
export function capturingLogger(): CapturingLogger {
  const raw: string[] = [];
  // pino writes each line synchronously to a destination that is a plain object with write().
  const logger = pino({ level: 'trace' }, { write: (line: string) => raw.push(line) });
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}

/** Resolves with the rejection reason of `promise`, and fails when it resolves. */
export async function rejectionOf<T = Error>(promise: Promise<unknown>): Promise<T> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (reason: unknown) => ({ rejected: true as const, reason }),
  );
  if (!outcome.rejected) {
    throw new Error('expected the promise to reject, but it resolved');
  }
  return outcome.reason as T;
}
