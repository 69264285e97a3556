import type { SourceRecord } from '../../core/types.js';
import { findingConsoleUrl, findingIdentity } from './finding-identity.js';
import type { FindingResource, FindingView } from './finding-view.js';
import { describeValue, findingObject, invalidField, optionalObject, optionalString, requiredString, valueAt, type FieldReader } from './read-fields.js';

const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/**
 * Normalize one finding in the AWS Security Finding Format (ASFF), as carried by
 * `Security Hub Findings - Imported` and `- Custom Action` events.
 *
 * @throws InvalidEventError when `Id`, `ProductArn`, `AwsAccountId` or `Title` is missing, or the
 *   severity is missing or invalid.
 */
export function asffToRecord(finding: unknown, read: FieldReader): SourceRecord<FindingView> {
  const raw = findingObject(finding, read);

  const id = requiredString(raw, 'Id', read, 'the finding id');
  const productArn = requiredString(raw, 'ProductArn', read, 'the ARN of the product that reported the finding');
  const account = requiredString(raw, 'AwsAccountId', read, 'the id of the AWS account that owns the finding');
  const region = optionalString(raw, 'Region', read) ?? regionFromArn(productArn) ?? '';
  const compliance = optionalObject(raw, 'Compliance', read);

  const view: FindingView = {
    id,
    format: 'asff',
    account,
    region,
    productArn,
    productName: optionalString(raw, 'ProductName', read) ?? '',
    companyName: optionalString(raw, 'CompanyName', read) ?? '',
    generatorId: optionalString(raw, 'GeneratorId', read) ?? '',
    title: requiredString(raw, 'Title', read, 'the title of the finding'),
    description: optionalString(raw, 'Description', read) ?? '',
    severity: severityLabel(raw, read),
    // `WorkflowState` is the retired field; findings from old integrations may carry only it.
    workflowStatus: optionalString(raw, 'Workflow.Status', read) ?? optionalString(raw, 'WorkflowState', read) ?? 'NEW',
    recordState: optionalString(raw, 'RecordState', read) ?? 'ACTIVE',
    complianceStatus: compliance ? (optionalString(raw, 'Compliance.Status', read) ?? null) : null,
    controlId: optionalString(raw, 'Compliance.SecurityControlId', read) ?? null,
    types: stringArray(raw.Types),
    resources: resources(raw.Resources),
    remediationText: optionalString(raw, 'Remediation.Recommendation.Text', read) ?? null,
    remediationUrl: optionalString(raw, 'Remediation.Recommendation.Url', read) ?? null,
    firstObservedAt: optionalString(raw, 'FirstObservedAt', read) ?? null,
    lastObservedAt: optionalString(raw, 'LastObservedAt', read) ?? null,
    createdAt: optionalString(raw, 'CreatedAt', read) ?? null,
    updatedAt: optionalString(raw, 'UpdatedAt', read) ?? null,
    consoleUrl: findingConsoleUrl(region, id),
    raw,
  };

  return {
    kind: 'finding',
    format: 'asff',
    identity: findingIdentity(account, id),
    displayId: id,
    updatedAt: view.updatedAt ?? undefined,
    view,
    writebackKey: { id, productArn },
    status: view.workflowStatus,
  };
}

/**
 * Return `Severity.Label`, or derive the label from `Severity.Normalized` (0 to 100) for findings
 * that carry only that, with the thresholds of the ASFF `Severity` reference.
 */
function severityLabel(finding: Record<string, unknown>, read: FieldReader): string {
  const allowed = SEVERITY_LABELS.join(', ');

  const label = valueAt(finding, 'Severity.Label', read);
  if (label !== undefined && label !== null) {
    if (typeof label !== 'string' || !(SEVERITY_LABELS as readonly string[]).includes(label)) {
      throw invalidField(read, 'Severity.Label', `${describeValue(label)} is not one of ${allowed}`);
    }
    return label;
  }

  const normalized = valueAt(finding, 'Severity.Normalized', read);
  if (normalized === undefined || normalized === null) {
    throw invalidField(read, 'Severity', `has neither Label nor Normalized; set Severity.Label to one of ${allowed}`);
  }
  if (typeof normalized !== 'number' || normalized < 0 || normalized > 100) {
    throw invalidField(read, 'Severity.Normalized', `must be a number from 0 to 100, got ${describeValue(normalized)}`);
  }

  if (normalized >= 90) return 'CRITICAL';
  if (normalized >= 70) return 'HIGH';
  if (normalized >= 40) return 'MEDIUM';
  if (normalized >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

function resources(value: unknown): FindingResource[] {
  if (!Array.isArray(value)) return [];

  return value
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => ({
      type: typeof item.Type === 'string' ? item.Type : '',
      id: typeof item.Id === 'string' ? item.Id : '',
      region: typeof item.Region === 'string' ? item.Region : null,
      tags: stringMap(item.Tags),
    }));
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function regionFromArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}
