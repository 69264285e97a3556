/**
 * Builds the source record of an OpsItem from the GetOpsItem output.
 */
import type { OpsItem } from '@aws-sdk/client-ssm';

import { isoTime, partitionOf, toJson } from '../../core/aws-values.js';
import type { SourceRecord } from '../../core/types.js';
import { ITSM_SYNC_KEY_PREFIX, RELATED_RESOURCES_DATA_KEY } from './operational-data-keys.js';
import type { OpsItemDataEntry, OpsItemView } from './opsitem-view.js';

/** Values from the event, for the ones GetOpsItem may leave out. */
export interface OpsItemRecordContext {
  /** The OpsItemId that GetOpsItem was called with. */
  opsItemId: string;
  /** The event's account, used when the OpsItem has no ARN. */
  account: string;
  /** The event's Region, where GetOpsItem was called. */
  region: string;
}

/** A record and the problems found in the OpsItem while building it, for the caller to log. */
export interface OpsItemRecordResult {
  record: SourceRecord<OpsItemView>;
  /** Data that could not be read and was left out, such as an `/aws/resources` value that is not JSON. */
  problems: string[];
}

const OPSITEM_ARN_PATTERN = /^arn:([^:]+):ssm:([^:]*):(\d{12}):opsitem\/(.+)$/;

/**
 * Builds the record of an OpsItem from `GetOpsItem` output (as the AWS SDK returns it, with `Date`
 * timestamps).
 *
 * @example
 * const { OpsItem } = await client.send(new GetOpsItemCommand({ OpsItemId: id }));
 * const { record, problems } = opsItemToRecord(OpsItem!, { opsItemId: id, account: event.account, region: event.region });
 */
export function opsItemToRecord(opsItem: OpsItem, context: OpsItemRecordContext): OpsItemRecordResult {
  const problems: string[] = [];
  const id = opsItem.OpsItemId ?? context.opsItemId;

  // The ARN names the owning account, which differs from the event's account when OpsCenter
  // manages OpsItems across accounts.
  const arnParts = OPSITEM_ARN_PATTERN.exec(opsItem.OpsItemArn ?? '');
  const account = arnParts?.[3] ?? context.account;
  const region = arnParts?.[2] || context.region;
  const arn = opsItem.OpsItemArn ?? `arn:${partitionOf(region)}:ssm:${region}:${account}:opsitem/${id}`;

  const data = opsItem.OperationalData ?? {};
  const relatedResources = readRelatedResources(data[RELATED_RESOURCES_DATA_KEY]?.Value, problems);
  const lastModifiedTime = isoTime(opsItem.LastModifiedTime);

  const view: OpsItemView = {
    id,
    account,
    region,
    arn,
    title: opsItem.Title ?? '',
    description: opsItem.Description ?? '',
    status: opsItem.Status ?? '',
    priority: typeof opsItem.Priority === 'number' ? opsItem.Priority : null,
    severity: opsItem.Severity ?? null,
    category: opsItem.Category ?? null,
    source: opsItem.Source ?? '',
    opsItemType: opsItem.OpsItemType ?? null,
    createdBy: opsItem.CreatedBy ?? null,
    createdTime: isoTime(opsItem.CreatedTime),
    lastModifiedBy: opsItem.LastModifiedBy ?? null,
    lastModifiedTime,
    relatedResources,
    operationalData: viewOperationalData(data),
    consoleUrl: opsItemConsoleUrl(region, id),
    raw: toJson(opsItem) as Record<string, unknown>,
  };

  const record: SourceRecord<OpsItemView> = {
    kind: 'opsitem',
    format: 'opsitem',
    identity: opsItemIdentity(account, region, id),
    displayId: id,
    view,
    writebackKey: { opsItemId: id, region, account },
    status: view.status || undefined,
  };
  if (lastModifiedTime !== null) {
    record.updatedAt = lastModifiedTime;
  }
  return { record, problems };
}

/**
 * Builds the identity of an OpsItem. OpsItem ids are unique only within an account and Region, so
 * both are part of it.
 */
export function opsItemIdentity(account: string, region: string, opsItemId: string): string {
  return `opsitem|${account}|${region}|${opsItemId}`;
}

/**
 * Builds a link that opens the OpsItem in the OpsCenter console of its Region. The form
 * `…/systems-manager/opsitems/<id>/workbench?region=<region>` is the one the Incident Manager API
 * reference uses in its related-item example.
 */
export function opsItemConsoleUrl(region: string, opsItemId: string): string {
  const host = region ? `${region}.console.aws.amazon.com` : 'console.aws.amazon.com';
  return `https://${host}/systems-manager/opsitems/${encodeURIComponent(opsItemId)}/workbench?region=${encodeURIComponent(region)}`;
}

/**
 * Reads `/aws/resources`: JSON text of the form `[{"arn": "…"}, …]`. Returns the ARNs, or an
 * empty list and a problem when the value is not in that form.
 */
function readRelatedResources(value: string | undefined, problems: string[]): string[] {
  if (value === undefined) {
    return [];
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    problems.push(`OperationalData ${RELATED_RESOURCES_DATA_KEY} is not JSON, so relatedResources is empty`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push(`OperationalData ${RELATED_RESOURCES_DATA_KEY} is not a JSON list, so relatedResources is empty`);
    return [];
  }

  const arns: string[] = [];
  for (const entry of parsed) {
    const arn = typeof entry === 'object' && entry !== null ? (entry as { arn?: unknown }).arn : undefined;
    if (typeof arn === 'string' && arn !== '') {
      arns.push(arn);
    } else {
      problems.push(`OperationalData ${RELATED_RESOURCES_DATA_KEY} has an entry without an "arn" text, which was left out`);
    }
  }
  return arns;
}

/** Sorts the OperationalData entries by key and leaves out the connector's own keys and `/aws/resources`. */
function viewOperationalData(data: NonNullable<OpsItem['OperationalData']>): OpsItemDataEntry[] {
  return Object.entries(data)
    .filter(([key]) => !key.startsWith(ITSM_SYNC_KEY_PREFIX) && key !== RELATED_RESOURCES_DATA_KEY)
    .map(([key, entry]) => ({ key, value: entry.Value ?? '', type: entry.Type ?? null }))
    // Code-unit order, so the result does not depend on the locale of the host.
    .sort(compareKeys);
}

function compareKeys(left: OpsItemDataEntry, right: OpsItemDataEntry): number {
  if (left.key < right.key) {
    return -1;
  }
  return left.key > right.key ? 1 : 0;
}
