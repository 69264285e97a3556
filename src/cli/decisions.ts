import { existsSync, statSync } from 'node:fs';

import Table from 'cli-table3';

import { openStateStore, parseStateStoreLocation } from '../state/open-store.js';
import type { Decision } from '../state/store.js';
import { loadDotEnvFile } from './settings.js';

/** The STATE_STORE value the daemon uses when the variable is not set. */
const DEFAULT_STATE_STORE = 'sqlite:./data/state.db';

const TABLE_STYLE = { head: [], border: [] };

/** Options of {@link runDecisions}, as the command line gives them. */
export interface DecisionsOptions {
  /** Print one JSON object a line instead of a table. */
  json: boolean;
  /** Only decisions made at or after this ISO-8601 time. */
  since?: string;
}

/** Output streams of the command: the process's own unless a test passes others. */
export interface DecisionsOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Prints the approval decisions sent to AWS (the audit trail in the state store): a table with the
 * time decided, change number, execution id, signal, approver, status and reason, or one JSON
 * object a line with `--json`. Reads STATE_STORE from the environment, or from a `.env` file in the
 * working folder, as `run` does. Returns the exit code.
 *
 * @example
 * process.exitCode = await runDecisions({ json: false, since: '2025-03-01T00:00:00Z' }, process.env);
 */
export async function runDecisions(
  options: DecisionsOptions,
  env: NodeJS.ProcessEnv,
  output: DecisionsOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  // A .env file in the working folder fills in variables that the environment does not set.
  if (env === process.env) loadDotEnvFile();

  const location = env.STATE_STORE || DEFAULT_STATE_STORE;
  const missing = missingStoreFile(location);
  if (missing !== undefined) {
    output.stderr.write(
      `No state store at ${missing} (STATE_STORE "${location}"), so there are no decisions to list. ` +
        'Set STATE_STORE to the store the daemon uses; for the decisions of `npm run demo`, STATE_STORE=sqlite:./data/demo/state.db.\n',
    );
    return 1;
  }

  let store;
  try {
    // Read only: the daemon may be using the file, with its own journal mode.
    store = openStateStore(location, { readOnly: true });
  } catch (error) {
    output.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }

  let decisions: Decision[];
  try {
    decisions = await store.listDecisions(options.since === undefined ? {} : { since: options.since });
  } finally {
    await store.close();
  }

  if (options.json) {
    for (const decision of decisions) {
      output.stdout.write(`${JSON.stringify(decision)}\n`);
    }
    return 0;
  }

  if (decisions.length === 0) {
    output.stdout.write(`No decisions${options.since === undefined ? '' : ` since ${options.since}`} in ${location}.\n`);
    return 0;
  }
  output.stdout.write(`${decisionTable(decisions)}\n`);
  return 0;
}

/**
 * Checks a `--since` value, so a typo fails before the store is opened.
 *
 * @throws RangeError naming the value and the expected form.
 */
export function parseSince(value: string): string {
  const pattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
  if (!pattern.test(value) || Number.isNaN(Date.parse(value))) {
    throw new RangeError(`"${value}" is not an ISO-8601 date or time with a zone; expected for example 2025-03-10 or 2025-03-10T15:00:00Z`);
  }
  // A bare date is read as midnight UTC, as Date.parse does.
  return new Date(Date.parse(value)).toISOString();
}

function decisionTable(decisions: Decision[]): string {
  const table = new Table({
    head: ['Decided (UTC)', 'Change', 'Execution', 'Signal', 'Approver', 'Status', 'Reason'],
    style: TABLE_STYLE,
  });
  for (const decision of decisions) {
    table.push([
      decision.decidedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''),
      decision.ticketNumber,
      decision.executionId,
      decision.decisionKind === 'calendar-override' ? `${decision.signal} (calendar)` : decision.signal,
      decision.approver,
      decision.status,
      decision.reason ?? '',
    ]);
  }
  return table.toString();
}

/**
 * Returns the file a `sqlite:<path>` location names when that file does not exist or is empty,
 * because opening it would write an empty store into it, and this command only reads.
 */
function missingStoreFile(location: string): string | undefined {
  // An invalid location is left to openStateStore, whose error names the problem.
  let path: string;
  try {
    path = parseStateStoreLocation(location).path;
  } catch {
    return undefined;
  }
  if (path === ':memory:') return undefined;

  return existsSync(path) && statSync(path).size > 0 ? undefined : path;
}
