import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The connector's Prometheus metrics, on a registry of their own so that tests and several
 * engines in one process do not share counters.
 */
export class SyncMetrics {
  readonly registry = new Registry();

  /** One count per sync action, by record kind, rule and outcome (created, updated, unchanged…). */
  readonly syncActions = new Counter({
    name: 'itsm_sync_actions_total',
    help: 'Sync actions by record kind, sync rule and outcome',
    labelNames: ['kind', 'rule', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Events acknowledged without syncing, because no adapter handles their type. */
  readonly ignoredEvents = new Counter({
    name: 'itsm_sync_ignored_events_total',
    help: 'Events of types that no source adapter handles, acknowledged and dropped',
    labelNames: ['source', 'detail_type'] as const,
    registers: [this.registry],
  });

  /** Messages left on the queue for redelivery or the dead-letter queue, by reason. */
  readonly failedMessages = new Counter({
    name: 'itsm_sync_failed_messages_total',
    help: 'Messages that could not be processed and were left for redelivery',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** One count per ticket change the way back handled, by ITSM system, rule and outcome. */
  readonly reverseActions = new Counter({
    name: 'itsm_sync_reverse_actions_total',
    help: 'Ticket changes read from the ITSM system, by system, sync rule and outcome',
    labelNames: ['system', 'rule', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Change polls, by ITSM system, table and result (ok, failed). */
  readonly changePolls = new Counter({
    name: 'itsm_sync_change_polls_total',
    help: 'Change poller queries per table, by result',
    labelNames: ['system', 'table', 'result'] as const,
    registers: [this.registry],
  });

  /** Read from the consumer each time the metrics are collected. */
  private inFlightSource: () => number = () => 0;

  readonly inFlightMessages: Gauge = new Gauge({
    name: 'itsm_sync_in_flight_messages',
    help: 'Messages being processed now',
    registers: [this.registry],
    collect: (): void => this.inFlightMessages.set(this.inFlightSource()),
  });

  /** Report the number of in-flight messages from `source` when the metrics are collected. */
  observeInFlight(source: () => number): void {
    this.inFlightSource = source;
  }

  /** Also collect the process metrics (memory, event loop lag) that Prometheus users expect. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }
}
