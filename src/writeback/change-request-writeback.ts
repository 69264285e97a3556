/**
 * AWS write-back for change requests: the approval decision goes to the Automation execution with
 * SendAutomationSignal, and for a Change Manager change request the ticket reference and notes go
 * to its OpsItem through the OpsItem write-back.
 */
import { SendAutomationSignalCommand, type SendAutomationSignalCommandInput, type SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';

import { truncateText } from '../core/text.js';
import type { AwsWriteback, WritebackAction, WritebackRecord } from '../core/types.js';
import { AWS_REGION_PATTERN } from './aws-client.js';
import {
  automationSignalError,
  CHANGE_REQUEST_LOCAL_ERROR_CODES,
  ChangeRequestWritebackError,
  type ApprovalSignalType,
} from './change-request-writeback-error.js';
import { OpsItemWriteback } from './opsitem-writeback.js';
import type { SsmClientProvider } from './ssm-client.js';

export {
  AutomationSignalError,
  ChangeRequestWritebackError,
  SIGNAL_FAILURE_REASONS,
  type ApprovalSignalType,
  type AutomationSignalErrorDetails,
  type ChangeRequestWritebackErrorDetails,
} from './change-request-writeback-error.js';

/**
 * Maximum length of the signal's comment. The SSM API model limits each value of the `Payload` map
 * (`AutomationParameterValue`) to 512 characters.
 */
export const SIGNAL_COMMENT_MAX_LENGTH = 512;

/** The record formats the change request source sets. */
const CHANGE_REQUEST_FORMATS = new Set(['change-manager', 'automation']);

const EXECUTION_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const OPSITEM_ID_PATTERN = /^oi-[0-9a-f]{12}$/;

/** Options of {@link ChangeRequestWriteback}. */
export interface ChangeRequestWritebackOptions {
  /**
   * The SSM client, or a provider that returns the client for a record's Region and account (see
   * `createSsmClientProvider`); the provider owns retries and the endpoint.
   */
  client: SSMClient | SsmClientProvider;
  logger: Logger;
  /** Time source for the time line of each OpsItem note. Default: the system clock. */
  clock?: () => Date;
}

/** The write-back key of a change request record, as the change request source sets it. */
interface ChangeRequestKey {
  executionId: string;
  region: string;
  account: string;
  opsItemId?: string;
  format: 'change-manager' | 'automation';
}

/**
 * Writes ITSM-side results back to change requests:
 *
 * - `action.signal` becomes one SendAutomationSignal call: `SignalType` Approve or Reject and
 *   `Payload` `{"Comment": [comment]}`, the comment cut to {@link SIGNAL_COMMENT_MAX_LENGTH}
 *   characters (an empty comment sends no payload). The connector's IAM role must be one of the
 *   approvers of the change template or `aws:approve` step.
 * - `action.ticket` and `action.note` go to the OpsItem of a Change Manager change request, as the
 *   OpsItem write-back writes them (OperationalData `itsm-sync:ticket` and `itsm-sync:notes`). A
 *   plain Automation execution has no place for them, so they are left out there.
 * - `action.status` is rejected: AWS sets an execution's status itself, and a decision is a signal.
 *
 * The signal is sent first. A failed signal throws {@link AutomationSignalError}, whose `reason`
 * suits a work note and whose `retryable` is true when trying again can help. The OpsItem is then
 * not written. When the OpsItem write that follows a sent signal fails, the OpsItem write-back's
 * `OpsItemWritebackError` is thrown: the signal reached AWS and must not be sent again. An invalid
 * record or action throws {@link ChangeRequestWritebackError} before any call.
 *
 * This write-back does not make a signal idempotent: AWS refuses a second one once the execution no
 * longer waits. The caller records each decision in the state store (`claimDecision`) first.
 *
 * @example
 * const writeback = new ChangeRequestWriteback({ client: createSsmClientProvider({ logger }), logger });
 * await writeback.apply(record, { signal: { type: 'Approve', comment: 'Approved in ServiceNow CHG0030012 by CAB' } });
 */
export class ChangeRequestWriteback implements AwsWriteback {
  readonly kind = 'change-request' as const;
  private readonly clientFor: SsmClientProvider;
  private readonly logger: Logger;
  private readonly opsItems: OpsItemWriteback;

  constructor(options: ChangeRequestWritebackOptions) {
    const client = options.client;
    this.clientFor = typeof client === 'function' ? client : () => client;
    this.logger = options.logger;
    this.opsItems = new OpsItemWriteback({ client: this.clientFor, logger: options.logger, clock: options.clock });
  }

  /**
   * Applies `action` to the change request that `record` describes.
   *
   * @throws ChangeRequestWritebackError when the record or the action is invalid.
   * @throws AutomationSignalError when SSM does not take the signal.
   * @throws OpsItemWritebackError when the change request's OpsItem cannot be written.
   */
  async apply(record: WritebackRecord, action: WritebackAction): Promise<void> {
    const key = readKey(record);
    rejectStatus(key, action.status);
    const signal = readSignal(key, action.signal);
    const note = action.note !== undefined && action.note.trim() !== '' ? action.note : undefined;
    const ticket = action.ticket;

    if (signal !== undefined) {
      await this.sendSignal(key, signal);
    }

    if (ticket === undefined && note === undefined) {
      return;
    }
    if (key.format !== 'change-manager' || key.opsItemId === undefined) {
      this.logger.debug(
        { executionId: key.executionId, region: key.region, format: key.format },
        'Ticket and note not written back: a plain Automation execution has no OpsItem to hold them',
      );
      return;
    }

    await this.opsItems.apply(
      { kind: 'opsitem', format: 'opsitem', displayId: key.opsItemId, writebackKey: { opsItemId: key.opsItemId, region: key.region, account: key.account } },
      { ticket, note },
    );
  }

  private async sendSignal(key: ChangeRequestKey, signal: { type: ApprovalSignalType; comment: string }): Promise<void> {
    const comment = truncateText(signal.comment, SIGNAL_COMMENT_MAX_LENGTH);
    const input: SendAutomationSignalCommandInput = { AutomationExecutionId: key.executionId, SignalType: signal.type };
    // Each payload value must be 1 to 512 characters, so an empty comment sends no payload.
    if (comment.trim() !== '') {
      input.Payload = { Comment: [comment] };
    }

    const client = this.clientFor(key.region, key.account);
    try {
      await client.send(new SendAutomationSignalCommand(input));
    } catch (error) {
      throw automationSignalError({ executionId: key.executionId, region: key.region, signalType: signal.type }, error);
    }

    this.logger.info(
      {
        executionId: key.executionId,
        opsItemId: key.opsItemId ?? null,
        region: key.region,
        operation: 'SendAutomationSignal',
        signal: signal.type,
        commentLength: comment.length,
        commentTruncated: comment !== signal.comment,
      },
      `Sent ${signal.type} to Automation execution ${key.executionId}`,
    );
  }
}

function readKey(record: WritebackRecord): ChangeRequestKey {
  const executionId = record.writebackKey.executionId ?? '';
  const region = record.writebackKey.region ?? '';
  const account = record.writebackKey.account ?? '';
  const opsItemId = record.writebackKey.opsItemId;

  if (record.kind !== 'change-request' || !CHANGE_REQUEST_FORMATS.has(record.format)) {
    throw invalidRecord(
      record,
      `the change request write-back handles records of kind "change-request" and format "change-manager" or "automation", got kind "${record.kind}" and format "${record.format}". Register this write-back for change requests only`,
    );
  }
  if (!EXECUTION_ID_PATTERN.test(executionId)) {
    throw invalidRecord(record, `writebackKey.executionId "${executionId}" is not an Automation execution id (a UUID). The source adapter that built the record must set it`);
  }
  if (!AWS_REGION_PATTERN.test(region)) {
    throw invalidRecord(record, `writebackKey.region "${region}" is not a region code such as us-east-1. The source adapter that built the record must set it`);
  }
  if (opsItemId !== undefined && !OPSITEM_ID_PATTERN.test(opsItemId)) {
    throw invalidRecord(record, `writebackKey.opsItemId "${opsItemId}" is not an OpsItem id (oi- and 12 hexadecimal digits)`);
  }

  const key: ChangeRequestKey = { executionId, region, account, format: record.format as ChangeRequestKey['format'] };
  if (opsItemId !== undefined) {
    key.opsItemId = opsItemId;
  }
  return key;
}

function rejectStatus(key: ChangeRequestKey, status: string | undefined): void {
  if (status === undefined) {
    return;
  }
  throw new ChangeRequestWritebackError(
    `Cannot write status "${status}" back to Automation execution ${key.executionId}: AWS sets the status of an execution itself, ` +
      'and an approval decision is sent as a signal. Remove the status write-back from the change request sync rule and use its decision instead.',
    { executionId: key.executionId, region: key.region, errorCode: CHANGE_REQUEST_LOCAL_ERROR_CODES.statusNotSupported, retryable: false },
  );
}

/** Checks the signal at run time, because it comes from a mapping's expressions. */
function readSignal(key: ChangeRequestKey, signal: WritebackAction['signal']): { type: ApprovalSignalType; comment: string } | undefined {
  if (signal === undefined) {
    return undefined;
  }

  const type: unknown = signal.type;
  if (type !== 'Approve' && type !== 'Reject') {
    throw new ChangeRequestWritebackError(
      `Invalid signal type ${JSON.stringify(type)} for Automation execution ${key.executionId}: expected Approve or Reject (the spelling is exact). Fix the decision of the sync rule.`,
      { executionId: key.executionId, region: key.region, errorCode: CHANGE_REQUEST_LOCAL_ERROR_CODES.invalidSignal, retryable: false },
    );
  }
  const comment: unknown = signal.comment;
  if (typeof comment !== 'string') {
    throw new ChangeRequestWritebackError(
      `Invalid signal comment for Automation execution ${key.executionId}: expected text, got ${comment === null ? 'null' : typeof comment}. Fix the comment expression of the sync rule.`,
      { executionId: key.executionId, region: key.region, errorCode: CHANGE_REQUEST_LOCAL_ERROR_CODES.invalidSignal, retryable: false },
    );
  }
  return { type, comment };
}

function invalidRecord(record: WritebackRecord, problem: string): ChangeRequestWritebackError {
  return new ChangeRequestWritebackError(`Cannot write back to ${record.kind} ${record.displayId}: ${problem}.`, {
    executionId: record.writebackKey.executionId ?? record.displayId,
    region: record.writebackKey.region,
    errorCode: CHANGE_REQUEST_LOCAL_ERROR_CODES.invalidRecord,
    retryable: false,
  });
}
