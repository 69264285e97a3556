import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * Paths that pino replaces with "[redacted]" wherever they appear in a log line. Errors from HTTP
 * clients are never logged whole, so these are a second line of defence.
 */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'clientSecret',
  '*.clientSecret',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'config.auth',
];

/** Create the JSON logger every component writes to. */
export function createLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'itsm-sync' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
