/**
 * The EventBridge events that Systems Manager sends after an OpsItem is created or updated
 * (`OpsItem Create` and `OpsItem Update`, source `aws.ssm`), built from a simulated OpsItem.
 * The detail keys follow the OpsCenter examples of the Systems Manager user guide page "Amazon
 * EventBridge event examples for Systems Manager".
 */
import { randomUUID } from 'node:crypto';

import type { EventBridgeEvent } from '../../core/types.js';
import type { OpsItemLocation, SimulatedOpsItem } from './opsitem-store.js';

export type OpsItemEventType = 'OpsItem Create' | 'OpsItem Update';

/** The `detail` of an OpsItem event. Update events also carry `modified-by` and `modified-time`. */
export interface OpsItemEventDetail {
  'created-by': string;
  'created-time': string;
  'modified-by'?: string;
  'modified-time'?: string;
  source: string;
  status: string;
  'ops-item-id': string;
  title: string;
  'ops-item-type': string;
  description: string;
}

/**
 * Builds the event for an OpsItem right after it was created or updated. `time` is the time of the
 * change, so events of quick successive updates keep their order.
 */
export function opsItemEvent(type: OpsItemEventType, item: SimulatedOpsItem, location: OpsItemLocation): EventBridgeEvent {
  // Key order as in the documented examples: the modified-* keys sit between created-* and source.
  const modified: Pick<OpsItemEventDetail, 'modified-by' | 'modified-time'> =
    type === 'OpsItem Update' ? { 'modified-by': item.LastModifiedBy, 'modified-time': detailTime(item.LastModifiedTime) } : {};
  const detail: OpsItemEventDetail = {
    'created-by': item.CreatedBy,
    'created-time': detailTime(item.CreatedTime),
    ...modified,
    source: item.Source,
    status: item.Status,
    'ops-item-id': item.OpsItemId,
    title: item.Title,
    'ops-item-type': item.OpsItemType,
    description: item.Description,
  };

  return {
    version: '0',
    id: randomUUID(),
    'detail-type': type,
    source: 'aws.ssm',
    account: location.account,
    // The envelope time has whole seconds, as EventBridge writes it.
    time: new Date(Math.floor(item.LastModifiedTime) * 1000).toISOString().replace('.000Z', 'Z'),
    region: location.region,
    resources: [item.OpsItemArn],
    detail,
  };
}

/**
 * Formats an epoch-seconds time as the OpsCenter and Change Manager event details write it. Those
 * times carry microseconds (`2025-03-11T08:15:40.118204Z`), but JavaScript dates have milliseconds.
 */
export function detailTime(epochSeconds: number): string {
  return new Date(Math.round(epochSeconds * 1000)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
