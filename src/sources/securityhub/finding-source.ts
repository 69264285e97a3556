import type { EventBridgeEvent, SourceRecord } from '../../core/types.js';
import { InvalidEventError, type SourceAdapter } from '../source-adapter.js';
import { asffToRecord } from './asff.js';
import type { FindingView } from './finding-view.js';
import { ocsfToRecord } from './ocsf.js';

/** Detail-types whose `detail.findings` are ASFF findings. */
const ASFF_DETAIL_TYPES = new Set(['Security Hub Findings - Imported', 'Security Hub Findings - Custom Action']);

/** The detail-type of the new Security Hub, whose findings are OCSF. */
const OCSF_DETAIL_TYPE = 'Findings Imported V2';

/**
 * Source adapter for Security Hub findings in both formats. The event carries the whole finding,
 * so no API read is needed.
 */
export class FindingSource implements SourceAdapter {
  readonly kind = 'finding' as const;

  handles(event: EventBridgeEvent): boolean {
    if (event.source !== 'aws.securityhub') return false;
    return ASFF_DETAIL_TYPES.has(event['detail-type']) || event['detail-type'] === OCSF_DETAIL_TYPE;
  }

  async toRecords(event: EventBridgeEvent): Promise<SourceRecord<FindingView>[]> {
    const detail = event.detail as { findings?: unknown } | null;
    if (typeof detail !== 'object' || detail === null || !Array.isArray(detail.findings)) {
      throw new InvalidEventError(event.id, event['detail-type'], 'detail.findings must be an array of findings');
    }

    // Errors name each field by its full path in the event, so a bad finding is easy to find
    // even in an event that carries several.
    const toRecord = event['detail-type'] === OCSF_DETAIL_TYPE ? ocsfToRecord : asffToRecord;
    return detail.findings.map((finding, index) =>
      toRecord(finding, { eventId: event.id, detailType: event['detail-type'], findingPath: `detail.findings[${index}]` }),
    );
  }
}
