import type { SourceRecord } from '../../core/types.js';
import { findingConsoleUrl, findingIdentity } from './finding-identity.js';
import type { FindingResource, FindingView } from './finding-view.js';
import { asRecord, optionalString, requiredString, type FieldReader } from './read-fields.js';

/** OCSF `severity_id` to the ASFF label. 6 (Fatal) has no ASFF label and counts as CRITICAL. */
const SEVERITY_BY_ID: Record<number, string> = {
  0: 'INFORMATIONAL',
  1: 'INFORMATIONAL',
  2: 'LOW',
  3: 'MEDIUM',
  4: 'HIGH',
  5: 'CRITICAL',
  6: 'CRITICAL',
};

/** OCSF finding `status_id` to the ASFF workflow status (2 is "In Progress"). */
const WORKFLOW_BY_STATUS_ID: Record<number, string> = {
  1: 'NEW',
  2: 'NOTIFIED',
  3: 'SUPPRESSED',
  4: 'RESOLVED',
  5: 'RESOLVED',
};

/** OCSF `compliance.status_id` to the ASFF compliance status; any other id is NOT_AVAILABLE. */
const COMPLIANCE_BY_STATUS_ID: Record<number, string> = {
  1: 'PASSED',
  2: 'WARNING',
  3: 'FAILED',
};

/** OCSF `activity_id` 3 (Close) marks a finding that is no longer active, like ASFF ARCHIVED. */
const ACTIVITY_CLOSE = 3;

/** Normalize one OCSF finding, as carried by `Findings Imported V2` events. */
export function ocsfToRecord(finding: unknown, read: FieldReader): SourceRecord<FindingView> {
  const raw = asRecord(finding, read, 'finding');

  const metadata = asRecord(raw.metadata, read, 'metadata');
  const product = asRecord(metadata.product ?? {}, read, 'metadata.product');
  const info = asRecord(raw.finding_info, read, 'finding_info');
  const cloud = asRecord(raw.cloud ?? {}, read, 'cloud');
  const cloudAccount = asRecord(cloud.account ?? {}, read, 'cloud.account');
  const compliance = raw.compliance === undefined ? undefined : asRecord(raw.compliance, read, 'compliance');
  const remediation = raw.remediation === undefined ? undefined : asRecord(raw.remediation, read, 'remediation');

  const metadataUid = requiredString(metadata, 'uid', read);
  const id = requiredString(info, 'uid', read);
  const account = requiredString(cloudAccount, 'uid', read);
  const region = optionalString(cloud, 'region') ?? '';
  const references = remediation && Array.isArray(remediation.references) ? remediation.references : [];

  const view: FindingView = {
    id,
    format: 'ocsf',
    account,
    region,
    productArn: optionalString(product, 'uid') ?? '',
    productName: optionalString(product, 'name') ?? '',
    companyName: optionalString(product, 'vendor_name') ?? '',
    generatorId: compliance ? (optionalString(compliance, 'control') ?? '') : '',
    title: requiredString(info, 'title', read),
    description: optionalString(info, 'desc') ?? '',
    severity: SEVERITY_BY_ID[numberOr(raw.severity_id, 0)] ?? 'INFORMATIONAL',
    workflowStatus: WORKFLOW_BY_STATUS_ID[numberOr(raw.status_id, 1)] ?? 'NEW',
    // NOTE: published samples show a Close activity whose status is still New, so the activity,
    // not the status, decides whether the finding is archived.
    recordState: raw.activity_id === ACTIVITY_CLOSE ? 'ARCHIVED' : 'ACTIVE',
    complianceStatus: compliance ? (COMPLIANCE_BY_STATUS_ID[numberOr(compliance.status_id, 0)] ?? 'NOT_AVAILABLE') : null,
    controlId: compliance ? (optionalString(compliance, 'control') ?? null) : null,
    types: Array.isArray(info.types) ? info.types.filter((type): type is string => typeof type === 'string') : [],
    resources: resources(raw.resources),
    remediationText: remediation ? (optionalString(remediation, 'desc') ?? null) : null,
    remediationUrl: typeof references[0] === 'string' ? references[0] : null,
    firstObservedAt: optionalString(info, 'first_seen_time_dt') ?? null,
    lastObservedAt: optionalString(info, 'last_seen_time_dt') ?? null,
    createdAt: optionalString(info, 'created_time_dt') ?? null,
    updatedAt: optionalString(info, 'modified_time_dt') ?? optionalString(raw, 'time_dt') ?? null,
    consoleUrl: findingConsoleUrl(region, id),
    raw,
  };

  return {
    kind: 'finding',
    format: 'ocsf',
    identity: findingIdentity(account, id),
    displayId: id,
    updatedAt: view.updatedAt ?? undefined,
    view,
    writebackKey: {
      metadataUid,
      findingInfoUid: id,
      productUid: view.productArn,
      accountUid: account,
    },
    status: view.workflowStatus,
  };
}

function resources(value: unknown): FindingResource[] {
  if (!Array.isArray(value)) return [];

  return value
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => ({
      type: typeof item.type === 'string' ? item.type : '',
      id: typeof item.uid === 'string' ? item.uid : '',
      region: typeof item.region === 'string' ? item.region : null,
      tags: tagsFromOcsf(item.tags),
    }));
}

/** OCSF tags are a list of `{ name, value }` pairs. */
function tagsFromOcsf(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) return {};

  const tags: Record<string, string> = {};
  for (const tag of value) {
    if (typeof tag?.name === 'string' && typeof tag?.value === 'string') tags[tag.name] = tag.value;
  }
  return tags;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
