/**
 * The EventBridge events that Security Hub sends after a finding changes: `Security Hub Findings -
 * Imported` with the ASFF finding (Security Hub CSPM) and `Findings Imported V2` with the OCSF
 * finding (the new Security Hub). Each event carries one finding, in a one-element array, as the
 * Security Hub event format pages document.
 */
import { randomUUID } from 'node:crypto';

import type { EventBridgeEvent } from '../../core/types.js';
import type { AsffFinding } from './asff-findings.js';
import type { OcsfFinding } from './ocsf-findings.js';

/** Account and region used when a finding does not name its own. */
export interface EventDefaults {
  account: string;
  region: string;
}

/**
 * Builds the `Security Hub Findings - Imported` event for an ASFF finding. As in real events,
 * `resources` contains the finding's ProductArn and Id joined by a slash.
 */
export function asffImportedEvent(finding: AsffFinding, defaults: EventDefaults, now: Date): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: stringOr(finding.AwsAccountId, defaults.account),
    time: envelopeTime(now),
    region: stringOr(finding.Region, defaults.region),
    resources: [`${finding.ProductArn}/${finding.Id}`],
    detail: { findings: [finding] },
  };
}

/** Builds the `Findings Imported V2` event for an OCSF finding; `resources` contains its `metadata.uid`. */
export function ocsfImportedEvent(finding: OcsfFinding, defaults: EventDefaults, now: Date): EventBridgeEvent {
  const cloud = (finding.cloud ?? {}) as { account?: { uid?: unknown }; region?: unknown };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Findings Imported V2',
    source: 'aws.securityhub',
    account: stringOr(cloud.account?.uid, defaults.account),
    time: envelopeTime(now),
    region: stringOr(cloud.region, defaults.region),
    resources: [finding.metadata.uid],
    detail: { findings: [finding] },
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** EventBridge envelope times have whole seconds: `2025-03-10T14:02:11Z`. */
function envelopeTime(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
