import type { LocalStack } from '../simulators/local-stack.js';
import type { DemoTarget } from './demo-target.js';

/** Successful writes each side received, counted from the simulators' request logs. */
export interface WriteCounts {
  /** Requests to the ITSM system's API that change data, as DemoTarget.countWrites counts them. */
  itsm: number;
  /** UpdateOpsItem calls to the SSM API. */
  updateOpsItem: number;
  /** BatchUpdateFindings and BatchUpdateFindingsV2 calls to the Security Hub API. */
  batchUpdateFindings: number;
  /** SendAutomationSignal calls that the SSM API accepted: the approval decisions sent to AWS. */
  sendAutomationSignal: number;
}

/**
 * Watches the local stack while the demo runs: waits until every message, including the AWS events
 * that the connector's own writes cause, has been handled, and counts the writes.
 */
export class StackTraffic {
  /** Events the AWS simulators emitted so far; with forwarding on, each one goes to the queue. */
  private awsEvents = 0;

  constructor(
    private readonly stack: LocalStack,
    private readonly target: DemoTarget,
  ) {
    const count = (): void => {
      this.awsEvents += 1;
    };
    stack.ssm.onEvent(count);
    stack.securityHub.onEvent(count);
    stack.config.onEvent(count);
  }

  /**
   * Waits until the queue is empty and no AWS event is on its way to it. Handling a message can make
   * AWS emit another event (the echo of a write-back), so this goes round until a pass emits none.
   */
  async settle(): Promise<void> {
    for (;;) {
      const emitted = this.awsEvents;
      await this.stack.awsEventsForwarded();
      await this.stack.queue.waitUntilEmpty();
      if (this.awsEvents === emitted) return;
    }
  }

  /** Writes received since the stack started. */
  writes(): WriteCounts {
    const { ssm, securityHub } = this.stack;
    return {
      itsm: this.target.countWrites(),
      updateOpsItem: ssm.calls.filter((call) => call.operation === 'UpdateOpsItem' && call.status === 200).length,
      batchUpdateFindings: securityHub.calls.filter((call) => call.operation.startsWith('BatchUpdateFindings') && call.status === 200).length,
      sendAutomationSignal: ssm.calls.filter((call) => call.operation === 'SendAutomationSignal' && call.status === 200).length,
    };
  }
}

/** Subtracts two counts, which gives the writes made between them. */
export function writesBetween(before: WriteCounts, after: WriteCounts): WriteCounts {
  return {
    itsm: after.itsm - before.itsm,
    updateOpsItem: after.updateOpsItem - before.updateOpsItem,
    batchUpdateFindings: after.batchUpdateFindings - before.batchUpdateFindings,
    sendAutomationSignal: after.sendAutomationSignal - before.sendAutomationSignal,
  };
}
