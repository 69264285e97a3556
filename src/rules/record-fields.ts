import type { SourceKind } from '../core/types.js';
import type { ChangeRequestView } from '../sources/change-request/change-request-view.js';
import type { ConfigComplianceView } from '../sources/config/config-compliance-view.js';
import type { ConfigurationItemView } from '../sources/config/configuration-item-view.js';
import type { OpsItemView } from '../sources/opsitem/opsitem-view.js';
import type { FindingView } from '../sources/securityhub/finding-view.js';

// Written as a Record over `keyof FindingView` so that the compiler reports a field added to or
// removed from the view until this list follows.
const FINDING_VIEW_FIELDS: Record<keyof FindingView, true> = {
  id: true,
  format: true,
  account: true,
  region: true,
  productArn: true,
  productName: true,
  companyName: true,
  generatorId: true,
  title: true,
  description: true,
  severity: true,
  workflowStatus: true,
  recordState: true,
  complianceStatus: true,
  controlId: true,
  types: true,
  resources: true,
  remediationText: true,
  remediationUrl: true,
  firstObservedAt: true,
  lastObservedAt: true,
  createdAt: true,
  updatedAt: true,
  consoleUrl: true,
  raw: true,
};

const OPSITEM_VIEW_FIELDS: Record<keyof OpsItemView, true> = {
  id: true,
  account: true,
  region: true,
  arn: true,
  title: true,
  description: true,
  status: true,
  priority: true,
  severity: true,
  category: true,
  source: true,
  opsItemType: true,
  createdBy: true,
  createdTime: true,
  lastModifiedBy: true,
  lastModifiedTime: true,
  relatedResources: true,
  operationalData: true,
  consoleUrl: true,
  raw: true,
};

const CHANGE_REQUEST_VIEW_FIELDS: Record<keyof ChangeRequestView, true> = {
  id: true,
  opsItemId: true,
  kind: true,
  title: true,
  status: true,
  waitingForApproval: true,
  calendarOverride: true,
  templateName: true,
  templateVersion: true,
  documentName: true,
  runbooks: true,
  parameters: true,
  targets: true,
  scheduledTime: true,
  scheduledEndTime: true,
  requester: true,
  approvers: true,
  changeDetails: true,
  steps: true,
  failedStep: true,
  outcome: true,
  executionStartTime: true,
  executionEndTime: true,
  account: true,
  region: true,
  consoleUrl: true,
  raw: true,
};

const CONFIGURATION_ITEM_VIEW_FIELDS: Record<keyof ConfigurationItemView, true> = {
  resourceType: true,
  resourceId: true,
  resourceName: true,
  arn: true,
  account: true,
  region: true,
  availabilityZone: true,
  status: true,
  changeType: true,
  deleted: true,
  captureTime: true,
  resourceCreationTime: true,
  tags: true,
  relationships: true,
  configuration: true,
  supplementaryConfiguration: true,
  consoleUrl: true,
  raw: true,
};

const CONFIG_COMPLIANCE_VIEW_FIELDS: Record<keyof ConfigComplianceView, true> = {
  ruleName: true,
  ruleArn: true,
  resourceType: true,
  resourceId: true,
  complianceType: true,
  previousComplianceType: true,
  annotation: true,
  evaluationMode: true,
  recordedAt: true,
  invokedAt: true,
  account: true,
  region: true,
  consoleUrl: true,
  resourceConsoleUrl: true,
  raw: true,
};

/**
 * Top-level field names of the record view of each source kind, used to reject expressions that
 * read a field the view does not have.
 */
const RECORD_FIELDS: Record<SourceKind, ReadonlySet<string>> = {
  finding: new Set(Object.keys(FINDING_VIEW_FIELDS)),
  opsitem: new Set(Object.keys(OPSITEM_VIEW_FIELDS)),
  'configuration-item': new Set(Object.keys(CONFIGURATION_ITEM_VIEW_FIELDS)),
  'change-request': new Set(Object.keys(CHANGE_REQUEST_VIEW_FIELDS)),
  'config-compliance': new Set(Object.keys(CONFIG_COMPLIANCE_VIEW_FIELDS)),
};

/** Returns the field names of a kind's record view, or undefined when the view is not known here. */
export function recordFieldsOf(kind: SourceKind): ReadonlySet<string> | undefined {
  return RECORD_FIELDS[kind];
}
