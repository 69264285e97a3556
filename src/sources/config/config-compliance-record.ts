/**
 * Builds the source record of an AWS Config rule evaluation from a `Config Rules Compliance Change`
 * event. The event carries the whole evaluation, so no API read is needed.
 */
import { isoTime } from '../../core/aws-values.js';
import type { EventBridgeEvent, SourceRecord } from '../../core/types.js';
import { InvalidEventError } from '../source-adapter.js';
import type { ComplianceType, ConfigComplianceView } from './config-compliance-view.js';
import { configurationItemConsoleUrl, configurationItemIdentity, consoleHost } from './configuration-item-record.js';

/** `messageType` of the detail of a `Config Rules Compliance Change` event. */
export const COMPLIANCE_CHANGE_NOTIFICATION = 'ComplianceChangeNotification';

/** The `complianceType` values that this version of itsm-sync accepts. */
export const COMPLIANCE_TYPES: ReadonlySet<ComplianceType> = new Set(['NON_COMPLIANT', 'COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']);

/**
 * The IAM resource types that AWS Config records with `awsRegion` `global`, in every Region that
 * records global resources. NOTE: global types added to AWS Config after February 2022 are
 * recorded in one home Region only. Their `awsRegion` is not known here, so the CI of such a
 * resource is looked up under the rule's Region.
 */
const GLOBAL_RESOURCE_TYPES: ReadonlySet<string> = new Set(['AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::Role', 'AWS::IAM::Policy']);

/**
 * Builds the identity of one rule's evaluation of one resource. A rule name is unique within an
 * account and Region, and a resource id within its type, so all five are part of it.
 */
export function configComplianceIdentity(account: string, region: string, ruleName: string, resourceType: string, resourceId: string): string {
  return `config-compliance|${account}|${region}|${ruleName}|${resourceType}|${resourceId}`;
}

/** Builds a link that opens a rule's page, with its evaluated resources, in the AWS Config console. */
export function configRuleConsoleUrl(region: string, ruleName: string): string {
  return `https://${consoleHost(region)}/config/home?region=${encodeURIComponent(region)}#/rules/details?configRuleName=${encodeURIComponent(ruleName)}`;
}

/**
 * Builds the record of the evaluation that a `Config Rules Compliance Change` event carries.
 *
 * The resource and the rule are read from the detail (the event's `resources` list is empty), and
 * from the evaluation's qualifier where the detail leaves them out. The first evaluation of a
 * resource by a rule has no `oldEvaluationResult`, so `previousComplianceType` is null.
 *
 * @throws InvalidEventError when the detail is not a compliance change notification, or lacks the
 *   rule name, the resource, the compliance type or the time the result was recorded.
 *
 * @example
 * const record = complianceEventToRecord(event);
 * record.view.complianceType; // 'NON_COMPLIANT'
 */
export function complianceEventToRecord(event: EventBridgeEvent): SourceRecord<ConfigComplianceView> {
  const invalid = (reason: string): InvalidEventError => new InvalidEventError(event.id, event['detail-type'], reason);

  const detail = objectOrUndefined(event.detail);
  if (detail === undefined) {
    throw invalid(`detail must be an object with "messageType" ${COMPLIANCE_CHANGE_NOTIFICATION}`);
  }
  if (detail.messageType !== COMPLIANCE_CHANGE_NOTIFICATION) {
    throw invalid(`detail.messageType ${JSON.stringify(detail.messageType ?? null)} is not ${COMPLIANCE_CHANGE_NOTIFICATION}`);
  }

  const newResult = objectOrUndefined(detail.newEvaluationResult);
  if (newResult === undefined) {
    throw invalid('detail.newEvaluationResult is missing; a compliance change notification carries the new evaluation');
  }
  const qualifier = objectOrUndefined(objectOrUndefined(newResult.evaluationResultIdentifier)?.evaluationResultQualifier) ?? {};

  // The detail names the rule and the resource, and the qualifier repeats them.
  const required = (value: string | undefined, name: string): string => {
    if (value === undefined) throw invalid(`detail.${name} is missing; every compliance change names its rule and resource`);
    return value;
  };
  const ruleName = required(text(detail.configRuleName) ?? text(qualifier.configRuleName), 'configRuleName');
  const resourceType = required(text(detail.resourceType) ?? text(qualifier.resourceType), 'resourceType');
  const resourceId = required(text(detail.resourceId) ?? text(qualifier.resourceId), 'resourceId');
  const account = required(text(detail.awsAccountId) ?? text(event.account), 'awsAccountId');
  const region = required(text(detail.awsRegion) ?? text(event.region), 'awsRegion');

  const complianceType = readComplianceType(newResult.complianceType, 'detail.newEvaluationResult.complianceType', invalid);
  if (complianceType === null) {
    throw invalid(`detail.newEvaluationResult.complianceType is missing for ${ruleName} on ${resourceType} ${resourceId}`);
  }
  // The first evaluation has no old result; AWS Config may also send it as null.
  const oldResult = objectOrUndefined(detail.oldEvaluationResult);
  const previousComplianceType = oldResult === undefined ? null : readComplianceType(oldResult.complianceType, 'detail.oldEvaluationResult.complianceType', invalid);

  const recordedAt = isoTime(newResult.resultRecordedTime);
  if (recordedAt === null) {
    throw invalid(
      `detail.newEvaluationResult.resultRecordedTime ${JSON.stringify(newResult.resultRecordedTime ?? null)} of ${ruleName} on ${resourceType} ${resourceId} is not a timestamp`,
    );
  }

  const view: ConfigComplianceView = {
    ruleName,
    ruleArn: text(detail.configRuleARN) ?? null,
    resourceType,
    resourceId,
    complianceType,
    previousComplianceType,
    annotation: text(newResult.annotation) ?? null,
    evaluationMode: text(qualifier.evaluationMode) ?? null,
    recordedAt,
    invokedAt: isoTime(newResult.configRuleInvokedTime),
    account,
    region,
    consoleUrl: configRuleConsoleUrl(region, ruleName),
    resourceConsoleUrl: configurationItemConsoleUrl(region, resourceType, resourceId),
    raw: detail,
  };

  return {
    kind: 'config-compliance',
    format: 'config',
    identity: configComplianceIdentity(account, region, ruleName, resourceType, resourceId),
    displayId: `${ruleName}: ${resourceType} ${resourceId}`,
    type: ruleName,
    // The time AWS Config recorded the result orders the evaluations of one resource by one rule,
    // so an event that arrives after a newer one is dropped as stale.
    updatedAt: recordedAt,
    view,
    // AWS Config evaluation results are written by the rule itself: there is nothing to write back.
    writebackKey: {},
    status: complianceType,
    configurationItemIdentity: configurationItemIdentity(account, GLOBAL_RESOURCE_TYPES.has(resourceType) ? 'global' : region, resourceType, resourceId),
  };
}

/** Reads a compliance type; null when absent, InvalidEventError when it is not one AWS Config documents. */
function readComplianceType(value: unknown, path: string, invalid: (reason: string) => InvalidEventError): ComplianceType | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value === 'string' && COMPLIANCE_TYPES.has(value as ComplianceType)) {
    return value as ComplianceType;
  }
  throw invalid(`${path} ${JSON.stringify(value)} is not one of ${[...COMPLIANCE_TYPES].join(', ')}; a newer AWS Config compliance type needs a newer itsm-sync`);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
