import type { Logger } from '../ops/logger.js';

/**
 * Runs a pass (a CMDB reconcile, a publication to AWS Config) every `intervalMs` in the daemon, one
 * at a time: a pass still running when the timer fires again is not started twice. The pass logs
 * its own summary; a pass that throws is logged here, and the next one runs on time.
 */
export class ScheduledPass {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    /** Names the pass in logs, such as `CMDB reconcile`. */
    readonly name: string,
    private readonly pass: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    /** Run the first pass right after `start()` instead of one interval later. */
    private readonly options: { runAtStart?: boolean } = {},
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.trigger(), this.intervalMs);
    this.timer.unref();
    if (this.options.runAtStart === true) setImmediate(() => this.trigger());
  }

  /** Start a pass unless one is running. */
  private trigger(): void {
    if (this.running !== undefined || this.timer === undefined) return;
    this.running = this.runOnce().finally(() => (this.running = undefined));
  }

  /** Stop the timer and wait for a running pass to end. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async runOnce(): Promise<void> {
    try {
      await this.pass();
    } catch (error) {
      this.logger.error({ pass: this.name, errorName: (error as Error).name, errorMessage: (error as Error).message }, `${this.name} stopped: ${(error as Error).message}`);
    }
  }
}
