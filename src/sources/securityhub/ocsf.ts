import type { SourceRecord } from '../../core/types.js';
import { findingConsoleUrl, findingIdentity } from './finding-identity.js';
import type { FindingResource, FindingView } from './finding-view.js';
import { ocsfComplianceStatus, ocsfSeverity, ocsfWorkflowStatus } from './ocsf-enums.js';
import { findingObject, optionalObject, optionalString, requiredString, valueAt, type FieldReader } from './read-fields.js';

/** OCSF `activity_id` 3 (Close) marks a finding that is no longer active, like ASFF ARCHIVED. */
const ACTIVITY_CLOSE = 3;

/**
 * Normalize one OCSF finding, as carried by `Findings Imported V2` events.
 *
 * @throws InvalidEventError when a field the sync needs is missing or invalid: `metadata.uid`,
 *   `finding_info.uid`, `finding_info.title`, `cloud.account.uid`, `severity_id` or `status_id`.
 */
export function ocsfToRecord(finding: unknown, read: FieldReader): SourceRecord<FindingView> {
  const raw = findingObject(finding, read);

  const metadataUid = requiredString(raw, 'metadata.uid', read, 'the id Security Hub gives this finding');
  const id = requiredString(raw, 'finding_info.uid', read, 'the id of the finding within its product');
  const account = requiredString(raw, 'cloud.account.uid', read, 'the id of the AWS account that owns the finding');
  const region = optionalString(raw, 'cloud.region', read) ?? '';

  const compliance = optionalObject(raw, 'compliance', read);
  const references = valueAt(raw, 'remediation.references', read);
  const firstReference = Array.isArray(references) ? references[0] : undefined;
  const types = valueAt(raw, 'finding_info.types', read);

  const view: FindingView = {
    id,
    format: 'ocsf',
    account,
    region,
    productArn: optionalString(raw, 'metadata.product.uid', read) ?? '',
    productName: optionalString(raw, 'metadata.product.name', read) ?? '',
    companyName: optionalString(raw, 'metadata.product.vendor_name', read) ?? '',
    generatorId: optionalString(raw, 'compliance.control', read) ?? '',
    title: requiredString(raw, 'finding_info.title', read, 'the title of the finding'),
    description: optionalString(raw, 'finding_info.desc', read) ?? '',
    severity: ocsfSeverity(raw, read),
    workflowStatus: ocsfWorkflowStatus(raw, read),
    // NOTE: published samples show a Close activity whose status is still New, so the activity,
    // not the status, decides whether the finding is archived.
    recordState: raw.activity_id === ACTIVITY_CLOSE ? 'ARCHIVED' : 'ACTIVE',
    complianceStatus: compliance ? ocsfComplianceStatus(raw, read) : null,
    controlId: optionalString(raw, 'compliance.control', read) ?? null,
    types: Array.isArray(types) ? types.filter((type): type is string => typeof type === 'string') : [],
    resources: resources(raw.resources),
    remediationText: optionalString(raw, 'remediation.desc', read) ?? null,
    remediationUrl: typeof firstReference === 'string' ? firstReference : null,
    firstObservedAt: optionalString(raw, 'finding_info.first_seen_time_dt', read) ?? null,
    lastObservedAt: optionalString(raw, 'finding_info.last_seen_time_dt', read) ?? null,
    createdAt: optionalString(raw, 'finding_info.created_time_dt', read) ?? null,
    updatedAt: optionalString(raw, 'finding_info.modified_time_dt', read) ?? optionalString(raw, 'time_dt', read) ?? null,
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
