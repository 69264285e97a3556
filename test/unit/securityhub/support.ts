/** Shared helpers for the Security Hub finding source tests. */
import { expect } from 'vitest';

import type { EventBridgeEvent, SourceRecord } from '../../../src/core/types.js';
import { FindingSource } from '../../../src/sources/securityhub/finding-source.js';
import type { FindingView } from '../../../src/sources/securityhub/finding-view.js';
import { InvalidEventError } from '../../../src/sources/source-adapter.js';
import { rejectionOf } from '../../support/capture.js';
import { fixture } from '../../support/fixtures.js';

/** A `Findings Imported V2` event rebuilt from published OCSF 1.6 samples: a failed CIS control, severity Critical. */
export const OCSF_CONFIG_CONTROL = 'aws-events/securityhub/findings-imported-v2-ocsf-compliance.json';

/** An ASFF `Security Hub Findings - Imported` event: the failed S3.8 control, severity HIGH. */
export const ASFF_S3_CONTROL = 'aws-events/securityhub/imported-cspm-s3-bucket-control-failed.json';

export type Finding = Record<string, any>;

/** Read an event fixture and change its first finding with `change`. */
export function eventWith(path: string, change: (finding: Finding) => void = () => {}): EventBridgeEvent {
  const event = fixture<EventBridgeEvent & { detail: { findings: Finding[] } }>(path);
  change(event.detail.findings[0]!);
  return event;
}

/** Normalize an event with the real finding source and return the view of its one finding. */
export async function viewOf(event: EventBridgeEvent): Promise<FindingView> {
  const records = (await new FindingSource().toRecords(event)) as SourceRecord<FindingView>[];
  expect(records).toHaveLength(1);
  return records[0]!.view;
}

/** Normalize an event that must be rejected, and return the reason of the `InvalidEventError`. */
export async function rejectionReason(event: EventBridgeEvent): Promise<string> {
  const error = await rejectionOf(new FindingSource().toRecords(event));
  expect(error).toBeInstanceOf(InvalidEventError);
  expect((error as InvalidEventError).eventId).toBe(event.id);
  return (error as InvalidEventError).reason;
}
