import type { SourceRecord } from '../../core/types.js';
import { InvalidEventError } from '../source-adapter.js';
import { findingConsoleUrl, findingIdentity } from './finding-identity.js';
import type { FindingResource, FindingView } from './finding-view.js';
import { asRecord, optionalString, requiredString, type FieldReader } from './read-fields.js';

const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/**
 * Normalize one finding in the AWS Security Finding Format (ASFF), as carried by
 * `Security Hub Findings - Imported` and `- Custom Action` events.
 */
export function asffToRecord(finding: unknown, read: FieldReader): SourceRecord<FindingView> {
  const raw = asRecord(finding, read, 'finding');

  const id = requiredString(raw, 'Id', read);
  const productArn = requiredString(raw, 'ProductArn', read);
  const account = requiredString(raw, 'AwsAccountId', read);
  const region = optionalString(raw, 'Region') ?? regionFromArn(productArn) ?? '';

  const severity = asRecord(raw.Severity ?? {}, read, 'Severity');
  const workflow = asRecord(raw.Workflow ?? {}, read, 'Workflow');
  const compliance = raw.Compliance === undefined ? undefined : asRecord(raw.Compliance, read, 'Compliance');
  const remediation = asRecord(asRecord(raw.Remediation ?? {}, read, 'Remediation').Recommendation ?? {}, read, 'Remediation.Recommendation');

  const view: FindingView = {
    id,
    format: 'asff',
    account,
    region,
    productArn,
    productName: optionalString(raw, 'ProductName') ?? '',
    companyName: optionalString(raw, 'CompanyName') ?? '',
    generatorId: optionalString(raw, 'GeneratorId') ?? '',
    title: requiredString(raw, 'Title', read),
    description: optionalString(raw, 'Description') ?? '',
    severity: severityLabel(severity, read),
    // `WorkflowState` is the retired field; findings from old integrations may carry only it.
    workflowStatus: optionalString(workflow, 'Status') ?? optionalString(raw, 'WorkflowState') ?? 'NEW',
    recordState: optionalString(raw, 'RecordState') ?? 'ACTIVE',
    complianceStatus: compliance ? (optionalString(compliance, 'Status') ?? null) : null,
    controlId: compliance ? (optionalString(compliance, 'SecurityControlId') ?? null) : null,
    types: stringArray(raw.Types),
    resources: resources(raw.Resources),
    remediationText: optionalString(remediation, 'Text') ?? null,
    remediationUrl: optionalString(remediation, 'Url') ?? null,
    firstObservedAt: optionalString(raw, 'FirstObservedAt') ?? null,
    lastObservedAt: optionalString(raw, 'LastObservedAt') ?? null,
    createdAt: optionalString(raw, 'CreatedAt') ?? null,
    updatedAt: optionalString(raw, 'UpdatedAt') ?? null,
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

/** Return the ASFF label, or derive one from `Normalized` (0-100) for findings that carry only that. */
function severityLabel(severity: Record<string, unknown>, read: FieldReader): string {
  const label = optionalString(severity, 'Label');
  if (label !== undefined) {
    if (!(SEVERITY_LABELS as readonly string[]).includes(label)) {
      throw new InvalidEventError(read.eventId, read.detailType, `Severity.Label "${label}" is not one of ${SEVERITY_LABELS.join(', ')}`);
    }
    return label;
  }

  // The thresholds of the ASFF documentation for Normalized scores.
  const normalized = severity.Normalized;
  if (typeof normalized !== 'number') {
    throw new InvalidEventError(read.eventId, read.detailType, 'the finding has neither Severity.Label nor Severity.Normalized');
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
