import { pino } from 'pino';

import { buildConnector, type Connector } from '../app/connector.js';
import type { Settings } from '../config/env.js';
import { createLogger, type Logger } from '../ops/logger.js';
import { SyncMetrics } from '../ops/metrics.js';
import { MappingValidationError } from '../rules/errors.js';

/** Output streams of a one-shot command: the process's own unless a test passes others. */
export interface CommandOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Build the connector for a one-shot command (`backfill`, `publish`) with the daemon's settings and
 * mappings, logging to stderr at warn unless LOG_LEVEL sets a quieter level, because the command
 * prints its own progress. Returns undefined, after writing the reason to stderr, when it cannot start.
 */
export async function connectorForCommand(settings: Settings, output: CommandOutput): Promise<{ connector: Connector; logger: Logger } | undefined> {
  // Log lines go to stderr, so stdout carries only the command's summary.
  const logger = createLogger(settings.logLevel === 'info' ? 'warn' : settings.logLevel, pino.destination(2));
  try {
    return { connector: await buildConnector(settings, logger, new SyncMetrics()), logger };
  } catch (error) {
    output.stderr.write(`${error instanceof MappingValidationError ? error.message : `itsm-sync could not start: ${(error as Error).message}`}\n`);
    return undefined;
  }
}
