import type { EventBridgeEvent, SourceRecord } from '../../core/types.js';
import type { SourceAdapter } from '../source-adapter.js';
import { complianceEventToRecord } from './config-compliance-record.js';
import type { ConfigComplianceView } from './config-compliance-view.js';

/** The `aws.config` detail-type of a change in a rule's evaluation of a resource. */
export const RULES_COMPLIANCE_CHANGE = 'Config Rules Compliance Change';

/**
 * Source adapter for AWS Config rule evaluations (`aws.config` events `Config Rules Compliance
 * Change`): one record per rule and resource. The event carries the whole evaluation, so no API is
 * called. AWS Config sends the event only when the result changes, which is why a missed event is
 * not repaired by a later one of the same result.
 *
 * @example
 * const source = new ConfigComplianceSource();
 * if (source.handles(event)) await engine.sync((await source.toRecords(event))[0]!);
 */
export class ConfigComplianceSource implements SourceAdapter {
  readonly kind = 'config-compliance' as const;

  handles(event: EventBridgeEvent): boolean {
    return event.source === 'aws.config' && event['detail-type'] === RULES_COMPLIANCE_CHANGE;
  }

  async toRecords(event: EventBridgeEvent): Promise<SourceRecord<ConfigComplianceView>[]> {
    return [complianceEventToRecord(event)];
  }
}
