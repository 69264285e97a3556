import type { EventBridgeEvent, SourceKind, SourceRecord } from '../core/types.js';

/**
 * Turns the events of one kind of AWS record into normalized source records. Adapters that need
 * the current state from the AWS API (OpsItems, change requests) read it here, because the event
 * is only a trigger.
 */
export interface SourceAdapter {
  readonly kind: SourceKind;

  /** True when this adapter understands the event's source and detail-type. */
  handles(event: EventBridgeEvent): boolean;

  /** Normalize the event into one record per AWS record it carries. Throws `InvalidEventError`. */
  toRecords(event: EventBridgeEvent): Promise<SourceRecord[]>;
}

/** An event of a known type whose content cannot be synced: retrying it cannot help. */
export class InvalidEventError extends Error {
  /** The same event fails the same way on every delivery, so the queue does not delay its retry. */
  readonly retryable = false;

  constructor(
    readonly eventId: string,
    readonly detailType: string,
    readonly reason: string,
  ) {
    super(`Invalid "${detailType}" event ${eventId}: ${reason}`);
    this.name = 'InvalidEventError';
  }
}
