/** A pino logger that keeps every log line in memory, so tests can assert on what was logged. */
import { pino, type Logger } from 'pino';

/** One parsed pino log line. */
export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's numeric levels. */
export const LogLevel = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export interface CapturedLogs {
  logger: Logger;
  records: LogRecord[];
  /** The raw JSON lines, for checks that something never appears in any log line. */
  lines: string[];
  /** Log lines at the given level or above. */
  atLeast(level: number): LogRecord[];
}

/** Creates a logger at debug level that writes into arrays instead of stdout. */
export function captureLogs(): CapturedLogs {
  const records: LogRecord[] = [];
  const lines: string[] = [];
  const destination = {
    write(line: string): void {
      lines.push(line);
      records.push(JSON.parse(line) as LogRecord);
    },
  };

  return {
    logger: pino({ level: 'debug' }, destination),
    records,
    lines,
    atLeast: (level) => records.filter((record) => record.level >= level),
  };
}
