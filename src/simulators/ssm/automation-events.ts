/**
 * The EventBridge events that Systems Manager sends about Automation executions and Change Manager
 * change requests (source `aws.ssm`):
 *
 * - `EC2 Automation Execution Status-change Notification` when an execution changes status,
 * - `EC2 Automation Step Status-change Notification` when a step changes status,
 * - `Change Request Status Update` when a change request's OpsItem changes status.
 *
 * The detail keys follow the Automation and Change Manager examples of the Systems Manager user
 * guide page "Amazon EventBridge event examples for Systems Manager". The Automation events write
 * `StartTime`/`EndTime` in a US English format without a time zone (`Mar 10, 2025 3:00:00 PM`);
 * the simulator writes them in UTC.
 */
import { randomUUID } from 'node:crypto';

import type { EventBridgeEvent } from '../../core/types.js';
import { detailTime } from './opsitem-events.js';
import type { OpsItemLocation, SimulatedOpsItem } from './opsitem-store.js';

/** The `detail` of an `EC2 Automation Execution Status-change Notification`. */
export interface AutomationExecutionEventDetail {
  ExecutionId: string;
  Definition: string;
  /** A float in the real events (`1.0`); JSON from JavaScript writes it as `1`. */
  DefinitionVersion: number;
  Status: string;
  StartTime: string;
  EndTime: string;
  /** Milliseconds from StartTime to EndTime. */
  Time: number;
  ExecutedBy: string;
}

/** The `detail` of an `EC2 Automation Step Status-change Notification`. */
export interface AutomationStepEventDetail {
  ExecutionId: string;
  Definition: string;
  DefinitionVersion: number;
  Status: string;
  EndTime: string;
  StartTime: string;
  Time: number;
  StepName: string;
  Action: string;
}

/** The `detail` of a `Change Request Status Update`. */
export interface ChangeRequestEventDetail {
  /** The AutomationExecutionId of the change request. */
  'change-request-id': string;
  'change-request-title': string;
  'ops-item-id': string;
  'ops-item-created-by': string;
  'ops-item-created-time': string;
  'ops-item-modified-by': string;
  'ops-item-modified-time': string;
  'ops-item-status': string;
  'change-template-document-name': string;
  'runbook-document-arn': string;
  'runbook-document-version': string;
  'auto-approve': boolean;
  approvers: string[];
}

/** The fields of an execution that its execution and step events carry. */
export interface ExecutionEventSource {
  executionId: string;
  documentName: string;
  documentVersion: string;
  executedBy: string;
}

/** The fields of a change request that its status events carry, besides those of its OpsItem. */
export interface ChangeRequestEventSource {
  executionId: string;
  templateName: string;
  runbookArn: string;
  runbookVersion: string;
  autoApprove: boolean;
  approvers: string[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Builds the event for an execution that changed to `status` at `changedAt`. While the execution
 * runs, EndTime is the time of the change, as in the documented `PendingApproval` example where
 * both times are equal.
 */
export function automationExecutionEvent(
  source: ExecutionEventSource,
  status: string,
  startedAt: Date,
  changedAt: Date,
  location: OpsItemLocation,
): EventBridgeEvent {
  const detail: AutomationExecutionEventDetail = {
    ExecutionId: source.executionId,
    Definition: source.documentName,
    DefinitionVersion: Number(source.documentVersion),
    Status: status,
    StartTime: automationEventTime(startedAt),
    EndTime: automationEventTime(changedAt),
    Time: changedAt.getTime() - startedAt.getTime(),
    ExecutedBy: source.executedBy,
  };
  return envelope('EC2 Automation Execution Status-change Notification', changedAt, automationResources(source, location), location, detail);
}

/** Builds the event for a step that changed to `status` at `changedAt`. */
export function automationStepEvent(
  source: ExecutionEventSource,
  step: { name: string; action: string; status: string },
  startedAt: Date,
  changedAt: Date,
  location: OpsItemLocation,
): EventBridgeEvent {
  const detail: AutomationStepEventDetail = {
    ExecutionId: source.executionId,
    Definition: source.documentName,
    DefinitionVersion: Number(source.documentVersion),
    Status: step.status,
    EndTime: automationEventTime(changedAt),
    StartTime: automationEventTime(startedAt),
    Time: changedAt.getTime() - startedAt.getTime(),
    StepName: step.name,
    Action: step.action,
  };
  return envelope('EC2 Automation Step Status-change Notification', changedAt, automationResources(source, location), location, detail);
}

/** Builds the `Change Request Status Update` for the change request's OpsItem as it is now. */
export function changeRequestEvent(source: ChangeRequestEventSource, item: SimulatedOpsItem, location: OpsItemLocation): EventBridgeEvent {
  const detail: ChangeRequestEventDetail = {
    'change-request-id': source.executionId,
    'change-request-title': item.Title,
    'ops-item-id': item.OpsItemId,
    'ops-item-created-by': item.CreatedBy,
    'ops-item-created-time': detailTime(item.CreatedTime),
    'ops-item-modified-by': item.LastModifiedBy,
    'ops-item-modified-time': detailTime(item.LastModifiedTime),
    'ops-item-status': item.Status,
    'change-template-document-name': source.templateName,
    'runbook-document-arn': source.runbookArn,
    'runbook-document-version': source.runbookVersion,
    'auto-approve': source.autoApprove,
    approvers: [...source.approvers],
  };
  const changedAt = new Date(Math.round(item.LastModifiedTime * 1000));
  return envelope('Change Request Status Update', changedAt, [item.OpsItemArn, source.runbookArn], location, detail);
}

/** Formats a time as the Automation events do, such as `Mar 10, 2025 3:00:00 PM` (UTC here). */
export function automationEventTime(date: Date): string {
  const hours = date.getUTCHours();
  const hour12 = hours % 12 === 0 ? 12 : hours % 12;
  const minutes = String(date.getUTCMinutes()).padStart(2, '0');
  const seconds = String(date.getUTCSeconds()).padStart(2, '0');
  const meridiem = hours < 12 ? 'AM' : 'PM';
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} ${hour12}:${minutes}:${seconds} ${meridiem}`;
}

function automationResources(source: ExecutionEventSource, location: OpsItemLocation): string[] {
  const prefix = `arn:${location.partition}:ssm:${location.region}:${location.account}`;
  return [`${prefix}:automation-execution/${source.executionId}`, `${prefix}:automation-definition/${source.documentName}:${source.documentVersion}`];
}

function envelope(detailType: string, changedAt: Date, resources: string[], location: OpsItemLocation, detail: unknown): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.ssm',
    account: location.account,
    // The envelope time has whole seconds, as EventBridge writes it.
    time: new Date(Math.floor(changedAt.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: location.region,
    resources,
    detail,
  };
}
