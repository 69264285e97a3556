import type { Logger } from '../ops/logger.js';
import type { ConfigReconciler } from './config-reconciler.js';

/**
 * Runs a CMDB reconcile pass every `intervalMs` in the daemon, one at a time. AWS Config events are
 * best effort; the pass repairs what they missed. A failed pass is logged and retired nothing.
 */
export class ReconcileSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly reconciler: ConfigReconciler,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.pass().finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      const summary = await this.reconciler.run();
      this.logger.info({ ...summary }, `CMDB reconcile: ${summary.discovered} resources, ${summary.retired} CIs retired, ${summary.failed} failed`);
    } catch (error) {
      this.logger.error({ errorName: (error as Error).name, errorMessage: (error as Error).message }, `CMDB reconcile stopped: ${(error as Error).message}`);
    }
  }
}
