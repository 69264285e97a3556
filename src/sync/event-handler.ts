import type { EventBridgeEvent } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { SyncMetrics } from '../ops/metrics.js';
import type { SourceAdapter } from '../sources/source-adapter.js';
import type { SyncEngine } from './engine.js';

/**
 * Routes each event to the source adapter of its type and syncs the records it carries.
 * Returns `ignored` for event types that no adapter handles: they are acknowledged and counted,
 * because retrying them can never help. Any other failure throws, so the message stays on the
 * queue for redelivery and, after the queue's maximum receive count, the dead-letter queue.
 */
export function createEventHandler(options: {
  adapters: SourceAdapter[];
  engine: SyncEngine;
  logger: Logger;
  metrics?: SyncMetrics;
}): (event: EventBridgeEvent) => Promise<'processed' | 'ignored'> {
  const announcedTypes = new Set<string>();

  return async (event) => {
    const adapter = options.adapters.find((candidate) => candidate.handles(event));

    if (!adapter) {
      const type = `${event.source} / ${event['detail-type']}`;
      options.metrics?.ignoredEvents.inc({ source: event.source, detail_type: event['detail-type'] });
      // Log each unknown type once at info, then at debug, so a misrouted rule cannot flood the log.
      const level = announcedTypes.has(type) ? 'debug' : 'info';
      announcedTypes.add(type);
      options.logger[level]({ eventId: event.id, source: event.source, detailType: event['detail-type'] }, `Ignoring event of unhandled type ${type}`);
      return 'ignored';
    }

    // Records of one event are synced in order; a retry repeats the ones already done, which
    // the link store turns into no-ops.
    for (const record of await adapter.toRecords(event)) {
      await options.engine.sync(record);
    }
    return 'processed';
  };
}
