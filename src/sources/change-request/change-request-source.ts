import {
  DescribeAutomationExecutionsCommand,
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  GetOpsItemCommand,
  type AutomationExecution,
  type OpsItem,
  type SSMClient,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';

import type { EventBridgeEvent, SourceRecord } from '../../core/types.js';
import { describeAwsSdkError } from '../../writeback/aws-sdk-errors.js';
import type { SsmClientProvider } from '../../writeback/ssm-client.js';
import { InvalidEventError, type SourceAdapter } from '../source-adapter.js';
import { changeRequestToRecord } from './change-request-record.js';
import type { ChangeRequestView } from './change-request-view.js';

/** The `aws.ssm` detail-type that Change Manager sends when a change request changes status. */
export const CHANGE_REQUEST_STATUS_UPDATE = 'Change Request Status Update';

/** The `aws.ssm` detail-type of an Automation execution's status change. */
export const AUTOMATION_EXECUTION_STATUS_CHANGE = 'EC2 Automation Execution Status-change Notification';

/** The `aws.ssm` detail-type of an Automation step's status change. */
export const AUTOMATION_STEP_STATUS_CHANGE = 'EC2 Automation Step Status-change Notification';

const DETAIL_TYPES = new Set([CHANGE_REQUEST_STATUS_UPDATE, AUTOMATION_EXECUTION_STATUS_CHANGE, AUTOMATION_STEP_STATUS_CHANGE]);

/** AutomationExecutionId: a UUID (the SSM API model fixes its length at 36). */
const EXECUTION_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const OPSITEM_ID_PATTERN = /^oi-[0-9a-f]{12}$/;

/** Pages of DescribeAutomationStepExecutions read for one execution, at 50 steps a page. */
const MAX_STEP_PAGES = 20;

/** The SSM operations the change request source calls. */
export type ChangeRequestReadOperation =
  | 'GetAutomationExecution'
  | 'DescribeAutomationStepExecutions'
  | 'DescribeAutomationExecutions'
  | 'GetOpsItem';

/** Options of {@link ChangeRequestSource}. */
export interface ChangeRequestSourceOptions {
  /**
   * The SSM client, or a provider that returns the client for an event's Region and account (see
   * `createSsmClientProvider`). A single client serves only the Region it was created for.
   */
  client: SSMClient | SsmClientProvider;
  logger: Logger;
}

/**
 * Reading a change request from SSM failed for a reason other than the execution being gone:
 * throttling after the SDK's retries, missing permission, a network failure. The event stays on
 * the queue and is retried.
 */
export class ChangeRequestReadError extends Error {
  override readonly name = 'ChangeRequestReadError';

  constructor(
    /** The execution the event names, or the OpsItem id when the event names no execution. */
    readonly executionId: string,
    readonly region: string,
    readonly operation: ChangeRequestReadOperation,
    /** AWS error code such as `ThrottlingException` or `AccessDeniedException`. */
    readonly errorCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The ids and approvers an event names. */
interface EventDetail {
  executionId?: string;
  opsItemId?: string;
  approvers: string[];
}

/**
 * Source adapter for change requests: Change Manager change requests (`Change Request Status
 * Update`) and Automation executions (`EC2 Automation Execution Status-change Notification`,
 * `EC2 Automation Step Status-change Notification`), all from `aws.ssm`.
 *
 * The event is only a trigger: the adapter reads the execution with GetAutomationExecution (and
 * DescribeAutomationStepExecutions when the step list is truncated), and the change request's
 * OpsItem with GetOpsItem, and returns one record of kind `change-request` with format
 * `change-manager` or `automation`.
 *
 * Every execution gives a record, including runbooks that never wait for an approval (such as
 * those a change request starts, each its own execution). The sync rule's create condition decides
 * which become tickets, for example `view.waitingForApproval or view.kind = 'change-manager'`.
 *
 * An execution that no longer exists gives no record and a warning; other read failures throw
 * {@link ChangeRequestReadError}, so the message is retried.
 *
 * @example
 * const source = new ChangeRequestSource({ client: createSsmClientProvider({ logger }), logger });
 * const records = await source.toRecords(event);
 */
export class ChangeRequestSource implements SourceAdapter {
  readonly kind = 'change-request' as const;
  private readonly clientFor: SsmClientProvider;
  private readonly logger: Logger;

  constructor(options: ChangeRequestSourceOptions) {
    const client = options.client;
    this.clientFor = typeof client === 'function' ? client : () => client;
    this.logger = options.logger;
  }

  handles(event: EventBridgeEvent): boolean {
    return event.source === 'aws.ssm' && DETAIL_TYPES.has(event['detail-type']);
  }

  async toRecords(event: EventBridgeEvent): Promise<SourceRecord<ChangeRequestView>[]> {
    const detail = readDetail(event);
    const client = this.clientForEvent(event);
    const reader = new ExecutionReader(client, event, this.logger);

    const executionId = detail.executionId ?? (await reader.findExecutionOf(detail.opsItemId!));
    if (executionId === undefined) {
      return [];
    }

    const execution = await reader.readExecution(executionId);
    if (execution === undefined) {
      return [];
    }

    // A change request names its OpsItem; a plain execution usually has none.
    const steps = execution.StepExecutionsTruncated === true ? await reader.readAllSteps(executionId) : undefined;
    const opsItemId = execution.OpsItemId ?? detail.opsItemId;
    const opsItem = opsItemId === undefined ? undefined : await reader.readOpsItem(executionId, opsItemId);

    const { record, problems } = changeRequestToRecord(execution, {
      executionId,
      account: event.account,
      region: event.region,
      opsItem,
      steps,
      eventApprovers: detail.approvers,
    });
    for (const problem of problems) {
      this.logger.warn({ eventId: event.id, executionId, region: event.region }, `Automation execution ${executionId}: ${problem}`);
    }
    return [record];
  }

  private clientForEvent(event: EventBridgeEvent): SSMClient {
    try {
      return this.clientFor(event.region, event.account);
    } catch (error) {
      // The provider rejects a Region it cannot serve; no retry can change the event's Region.
      throw new InvalidEventError(event.id, event['detail-type'], `no SSM client for region "${event.region}": ${(error as Error).message}`);
    }
  }
}

/** The SSM reads of one event, each with the error handling the source promises. */
class ExecutionReader {
  constructor(
    private readonly client: SSMClient,
    private readonly event: EventBridgeEvent,
    private readonly logger: Logger,
  ) {}

  /**
   * Finds the execution of a change request from its OpsItem, for a status update that names no
   * `change-request-id`. Returns undefined, with a warning, when SSM lists none.
   */
  async findExecutionOf(opsItemId: string): Promise<string | undefined> {
    const output = await this.call(opsItemId, 'DescribeAutomationExecutions', () =>
      this.client.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'OpsItemId', Values: [opsItemId] }] })),
    );

    const executionId = output.AutomationExecutionMetadataList?.[0]?.AutomationExecutionId;
    if (executionId === undefined) {
      this.logger.warn(
        { eventId: this.event.id, opsItemId, region: this.event.region },
        `No Automation execution found for change request OpsItem ${opsItemId} in ${this.event.region}; its "${this.event['detail-type']}" event is skipped`,
      );
    }
    return executionId;
  }

  /** Reads the execution; undefined, with a warning, when it no longer exists. */
  async readExecution(executionId: string): Promise<AutomationExecution | undefined> {
    try {
      const output = await this.client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: executionId }));
      if (output.AutomationExecution === undefined) {
        throw new ChangeRequestReadError(
          executionId,
          this.event.region,
          'GetAutomationExecution',
          'EmptyResponse',
          `GetAutomationExecution returned no execution for ${executionId} in ${this.event.region}; the message will be retried`,
        );
      }
      return output.AutomationExecution;
    } catch (error) {
      if (error instanceof ChangeRequestReadError) {
        throw error;
      }
      const { errorCode } = describeAwsSdkError(error);
      if (errorCode === 'AutomationExecutionNotFoundException') {
        // Executions expire from Automation's history, and an event may come from another Region.
        this.logger.warn(
          { eventId: this.event.id, executionId, region: this.event.region, errorCode },
          `Automation execution ${executionId} no longer exists in ${this.event.region}; its "${this.event['detail-type']}" event is skipped`,
        );
        return undefined;
      }
      throw this.readError(executionId, 'GetAutomationExecution', error);
    }
  }

  /** Reads every step of an execution whose GetAutomationExecution output was truncated. */
  async readAllSteps(executionId: string): Promise<StepExecution[]> {
    const steps: StepExecution[] = [];
    let nextToken: string | undefined;

    for (let page = 0; page < MAX_STEP_PAGES; page += 1) {
      const output = await this.call(executionId, 'DescribeAutomationStepExecutions', () =>
        this.client.send(new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: executionId, NextToken: nextToken, MaxResults: 50 })),
      );
      steps.push(...(output.StepExecutions ?? []));

      // SSM marks the last page with a missing or empty token.
      nextToken = output.NextToken || undefined;
      if (nextToken === undefined) {
        return steps;
      }
    }

    this.logger.warn(
      { eventId: this.event.id, executionId, region: this.event.region, steps: steps.length },
      `Automation execution ${executionId} has more than ${steps.length} steps; the record carries the first ${steps.length}`,
    );
    return steps;
  }

  /** Reads the change request's OpsItem; undefined, with a warning, when it no longer exists. */
  async readOpsItem(executionId: string, opsItemId: string): Promise<OpsItem | undefined> {
    try {
      const output = await this.client.send(new GetOpsItemCommand({ OpsItemId: opsItemId }));
      return output.OpsItem;
    } catch (error) {
      const { errorCode } = describeAwsSdkError(error);
      if (errorCode === 'OpsItemNotFoundException') {
        // The execution is the record; without its OpsItem the view lacks only the OpsItem's fields.
        this.logger.warn(
          { eventId: this.event.id, executionId, opsItemId, region: this.event.region, errorCode },
          `OpsItem ${opsItemId} of Automation execution ${executionId} no longer exists in ${this.event.region}; the record is built without it`,
        );
        return undefined;
      }
      throw this.readError(executionId, 'GetOpsItem', error);
    }
  }

  private async call<Output>(id: string, operation: ChangeRequestReadOperation, send: () => Promise<Output>): Promise<Output> {
    try {
      return await send();
    } catch (error) {
      throw this.readError(id, operation, error);
    }
  }

  private readError(id: string, operation: ChangeRequestReadOperation, error: unknown): ChangeRequestReadError {
    const { errorCode, awsMessage } = describeAwsSdkError(error);
    return new ChangeRequestReadError(
      id,
      this.event.region,
      operation,
      errorCode,
      `${operation} failed for ${id} in ${this.event.region}: ${errorCode}: ${awsMessage}. ${adviceFor(errorCode, operation)}`,
      { cause: error },
    );
  }
}

/** Reads and checks the ids an event names; throws InvalidEventError when they are missing or malformed. */
function readDetail(event: EventBridgeEvent): EventDetail {
  const detailType = event['detail-type'];
  const detail = event.detail as Record<string, unknown> | null;
  if (typeof detail !== 'object' || detail === null) {
    throw new InvalidEventError(event.id, detailType, 'detail must be an object that names the Automation execution');
  }
  if (typeof event.region !== 'string' || event.region === '') {
    throw new InvalidEventError(event.id, detailType, 'the event has no region, so the Automation execution cannot be read');
  }

  if (detailType !== CHANGE_REQUEST_STATUS_UPDATE) {
    return { executionId: readExecutionId(event, detail, 'ExecutionId', true), approvers: [] };
  }

  // A change request's execution id is its change-request-id; the OpsItem leads to it as well.
  const executionId = readExecutionId(event, detail, 'change-request-id', false);
  const opsItemId = readOpsItemId(event, detail);
  if (executionId === undefined && opsItemId === undefined) {
    throw new InvalidEventError(event.id, detailType, 'detail has neither "change-request-id" nor "ops-item-id"; a change request event must name one');
  }
  return { executionId, opsItemId, approvers: readApprovers(detail) };
}

function readExecutionId(event: EventBridgeEvent, detail: Record<string, unknown>, key: string, required: true): string;
function readExecutionId(event: EventBridgeEvent, detail: Record<string, unknown>, key: string, required: false): string | undefined;
function readExecutionId(event: EventBridgeEvent, detail: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const value = detail[key];
  if (value === undefined || value === null || value === '') {
    if (required) {
      throw new InvalidEventError(event.id, event['detail-type'], `detail["${key}"] is missing; the event must name its Automation execution`);
    }
    return undefined;
  }
  if (typeof value !== 'string' || !EXECUTION_ID_PATTERN.test(value)) {
    throw new InvalidEventError(
      event.id,
      event['detail-type'],
      `detail["${key}"] ${JSON.stringify(value)} is not an Automation execution id (expected a UUID such as 9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e)`,
    );
  }
  return value;
}

function readOpsItemId(event: EventBridgeEvent, detail: Record<string, unknown>): string | undefined {
  const value = detail['ops-item-id'];
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value !== 'string' || !OPSITEM_ID_PATTERN.test(value)) {
    throw new InvalidEventError(event.id, event['detail-type'], `detail["ops-item-id"] ${JSON.stringify(value)} is not an OpsItem id (expected oi- and 12 hexadecimal digits)`);
  }
  return value;
}

/** Returns the event's approver ARNs. Entries that are not ARNs are left out, because the view promises ARNs. */
function readApprovers(detail: Record<string, unknown>): string[] {
  const approvers = detail.approvers;
  if (!Array.isArray(approvers)) {
    return [];
  }
  return approvers.filter((approver): approver is string => typeof approver === 'string' && approver.startsWith('arn:'));
}

function adviceFor(code: string, operation: ChangeRequestReadOperation): string {
  if (code === 'AccessDeniedException' || code === 'OpsItemAccessDeniedException') {
    return `The task role needs ssm:${operation} in this account and Region; the message will be retried.`;
  }
  if (code === 'ThrottlingException') {
    return "SSM throttled the request after the SDK's retries; the message will be retried.";
  }
  return 'The message will be retried.';
}
