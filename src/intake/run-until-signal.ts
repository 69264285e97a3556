/**
 * Runs a consumer until the process receives SIGTERM or SIGINT, then stops it and exits. ECS sends
 * SIGTERM when it stops a task and SIGKILL 30 s later (the default stop timeout), so the consumer's
 * drain timeout must stay below that.
 */
import type { Logger } from 'pino';
import type { SqsConsumer } from './sqs-consumer.js';

/** Options of {@link runUntilSignal}; the defaults suit the CLI. */
export interface RunUntilSignalOptions {
  /** Signals that stop the consumer. Default SIGTERM (ECS, Kubernetes, systemd) and SIGINT (Ctrl-C). */
  signals?: NodeJS.Signals[];
  /** Ends the process with an exit code. Default `process.exit`; tests pass a stand-in. */
  exit?: (code: number) => void;
}

/**
 * Starts the consumer, and on the first stop signal calls `consumer.stop()` and exits with code 0
 * (1 if stopping failed). A second signal while stopping is logged and otherwise ignored, so a
 * hurried Ctrl-C does not cut the drain short.
 *
 * @returns A promise for the exit code, settled after `exit` was called (with `process.exit`,
 *   the process ends before the promise settles).
 *
 * @example
 * ```ts
 * const consumer = new SqsConsumer({ queueUrl, sqs, handler, logger });
 * await runUntilSignal(consumer, logger);
 * ```
 */
export function runUntilSignal(
  consumer: SqsConsumer,
  logger: Logger,
  options: RunUntilSignalOptions = {},
): Promise<number> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));

  return new Promise((resolve) => {
    let stopping = false;

    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'Received another stop signal; still waiting for in-flight messages to finish or be released');
        return;
      }
      stopping = true;
      logger.info({ signal }, 'Received stop signal; stopping the SQS consumer');

      consumer.stop().then(
        () => finish(0),
        (error: unknown) => {
          const errorMessage = error instanceof Error ? error.message : String(error);
          logger.error({ errorMessage }, 'Stopping the SQS consumer failed');
          finish(1);
        },
      );
    };

    const finish = (code: number): void => {
      for (const signal of signals) {
        process.off(signal, onSignal);
      }
      logger.info({ exitCode: code }, 'Exiting');
      exit(code);
      resolve(code);
    };

    consumer.start();
    for (const signal of signals) {
      process.on(signal, onSignal);
    }
  });
}
