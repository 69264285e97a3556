/**
 * AWS write-back for Security Hub findings: the ticket's workflow status and a note go back to the
 * finding through BatchUpdateFindings (ASFF, Security Hub CSPM) or BatchUpdateFindingsV2 (OCSF,
 * the new Security Hub).
 */
import {
  BatchUpdateFindingsCommand,
  BatchUpdateFindingsV2Command,
  type BatchUpdateFindingsCommandInput,
  type BatchUpdateFindingsV2CommandInput,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { Logger } from 'pino';
import type { AwsWriteback, TicketRef, WritebackAction, WritebackRecord } from '../core/types.js';
import {
  FindingWritebackError,
  LOCAL_ERROR_CODES,
  sdkCallError,
  unprocessedFindingError,
  type FindingWritebackOperation,
  type WritebackContext,
} from './finding-writeback-error.js';
import { truncateText } from '../core/text.js';

/**
 * Maximum length of ASFF `Note.Text` (BatchUpdateFindings) and OCSF `Comment`
 * (BatchUpdateFindingsV2), from the Security Hub API reference. NOTE: the reference does not say
 * whether it counts code points or UTF-16 code units; `truncateText` counts code units, the stricter.
 */
export const FINDING_NOTE_MAX_LENGTH = 512;

export { createSecurityHubClient, DEFAULT_SECURITYHUB_MAX_ATTEMPTS, type SecurityHubClientOptions } from './securityhub-client.js';
export { FindingWritebackError, type FindingWritebackErrorDetails, type FindingWritebackOperation } from './finding-writeback-error.js';
export { truncateText } from '../core/text.js';

/** ASFF workflow statuses that BatchUpdateFindings accepts in `Workflow.Status`. */
export const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/**
 * OCSF `status_id` for each workflow status: 1 New, 2 In Progress, 3 Suppressed, 4 Resolved
 * (OCSF 1.x finding status enum, as BatchUpdateFindingsV2 takes it in `StatusId`).
 */
export const OCSF_STATUS_IDS: Readonly<Record<WorkflowStatus, number>> = {
  NEW: 1,
  NOTIFIED: 2,
  SUPPRESSED: 3,
  RESOLVED: 4,
};

/** Value of `Note.UpdatedBy` unless the caller sets another. */
export const DEFAULT_UPDATED_BY = 'itsm-sync';

// Note.UpdatedBy is limited to 128 characters (BatchUpdateFindings API reference).
const UPDATED_BY_MAX_LENGTH = 128;

/**
 * Keys under which the linked ticket is stored in ASFF `UserDefinedFields`, so an analyst who
 * opens the finding finds the ticket. Values are limited to 1024 characters, so a longer URL is left out.
 */
export const TICKET_FIELD_KEYS = { number: 'ItsmSyncTicket', url: 'ItsmSyncTicketUrl' } as const;
const USER_DEFINED_VALUE_MAX_LENGTH = 1024;

/** Options of {@link SecurityHubWriteback}. */
export interface SecurityHubWritebackOptions {
  /** Client from {@link createSecurityHubClient}; it owns retries and the endpoint. */
  client: SecurityHubClient;
  logger: Logger;
  /** Written to ASFF `Note.UpdatedBy` (1 to 128 characters). Default `itsm-sync`. */
  updatedBy?: string;
}

/** The ASFF key: Security Hub identifies an ASFF finding by its Id together with its ProductArn. */
interface AsffKey {
  id: string;
  productArn: string;
}

/**
 * The OCSF key. `metadata.uid` alone addresses the finding; the other three form the alternative
 * `FindingIdentifiers` key, used only when `metadata.uid` is missing.
 */
interface OcsfKey {
  metadataUid?: string;
  findingInfoUid?: string;
  productUid?: string;
  accountUid?: string;
}

/**
 * Writes ITSM-side results back to Security Hub findings, one finding per call.
 *
 * - ASFF (`format: 'asff'`): BatchUpdateFindings with `Workflow.Status` from `action.status`,
 *   `Note` from `action.note` and, when `action.ticket` is set, the ticket number and URL in
 *   `UserDefinedFields`.
 * - OCSF (`format: 'ocsf'`): BatchUpdateFindingsV2 with `Comment` from `action.note` and `StatusId`
 *   from `action.status` (see {@link OCSF_STATUS_IDS}). OCSF findings have no field for a ticket.
 *
 * A note longer than 512 characters is cut and ends with "…". An empty note is treated as no note.
 * Every failure is a {@link FindingWritebackError} that reports whether a retry can help. Throttling is
 * retried inside the SDK client (see `maxAttempts` of {@link createSecurityHubClient}), not here.
 *
 * Security Hub emits a new `Findings Imported` event for every BatchUpdateFindings call, so callers
 * should write back only what changed.
 *
 * @example
 * const writeback = new SecurityHubWriteback({ client: createSecurityHubClient({ region: 'us-east-1' }), logger });
 * await writeback.apply(record, { status: 'NOTIFIED', note: 'Tracked in INC0010001' });
 */
export class SecurityHubWriteback implements AwsWriteback {
  readonly kind = 'finding' as const;
  private readonly client: SecurityHubClient;
  private readonly logger: Logger;
  private readonly updatedBy: string;

  constructor(options: SecurityHubWritebackOptions) {
    const updatedBy = options.updatedBy ?? DEFAULT_UPDATED_BY;
    if (updatedBy.length < 1 || updatedBy.length > UPDATED_BY_MAX_LENGTH) {
      throw new RangeError(`updatedBy must be 1 to ${UPDATED_BY_MAX_LENGTH} characters long (Security Hub Note.UpdatedBy), got ${updatedBy.length}`);
    }
    this.client = options.client;
    this.logger = options.logger;
    this.updatedBy = updatedBy;
  }

  /**
   * Applies `action` to the finding that `record` describes.
   *
   * @throws FindingWritebackError when the record or the action is invalid, when Security Hub
   *   rejects the call, or when it returns the finding in `UnprocessedFindings`.
   */
  async apply(record: WritebackRecord, action: WritebackAction): Promise<void> {
    if (record.kind !== 'finding') {
      throw invalidRecord(record, `the Security Hub write-back handles records of kind "finding", got kind "${record.kind}". Register this write-back for findings only`);
    }

    if (record.format === 'asff') {
      await this.applyAsff(record, readAsffKey(record), action);
    } else if (record.format === 'ocsf') {
      await this.applyOcsf(record, readOcsfKey(record), action);
    } else {
      throw invalidRecord(record, `finding format "${record.format}" is not supported; expected "asff" or "ocsf". The source adapter that built the record must set one of them`);
    }
  }

  private async applyAsff(record: WritebackRecord, key: AsffKey, action: WritebackAction): Promise<void> {
    const status = validateStatus(key.id, record.format, action.status);
    const note = noteText(action.note);
    const ticketFields = ticketUserDefinedFields(action.ticket);

    const input: BatchUpdateFindingsCommandInput = {
      FindingIdentifiers: [{ Id: key.id, ProductArn: key.productArn }],
    };
    if (status !== undefined) {
      input.Workflow = { Status: status };
    }
    if (note !== undefined) {
      input.Note = { Text: note.text, UpdatedBy: this.updatedBy };
    }
    if (ticketFields !== undefined) {
      input.UserDefinedFields = ticketFields;
    }

    const context: WritebackContext = { findingId: key.id, format: 'asff', operation: 'BatchUpdateFindings' };
    if (status === undefined && note === undefined && ticketFields === undefined) {
      this.logNothingToWrite(context);
      return;
    }

    let output;
    try {
      output = await this.client.send(new BatchUpdateFindingsCommand(input));
    } catch (error) {
      throw sdkCallError(context, error);
    }

    // One finding per call, so any unprocessed entry is this finding.
    const unprocessed = output.UnprocessedFindings?.[0];
    if (unprocessed !== undefined) {
      throw unprocessedFindingError(context, unprocessed.ErrorCode, unprocessed.ErrorMessage);
    }

    this.logWritten(context, status, note, ticketFields !== undefined);
  }

  private async applyOcsf(record: WritebackRecord, key: OcsfKey, action: WritebackAction): Promise<void> {
    const findingId = key.metadataUid ?? key.findingInfoUid ?? record.displayId;
    const status = validateStatus(findingId, record.format, action.status);
    const note = noteText(action.note);

    const input: BatchUpdateFindingsV2CommandInput = {};
    // The API rejects MetadataUids together with FindingIdentifiers, so send exactly one of them.
    if (key.metadataUid !== undefined) {
      input.MetadataUids = [key.metadataUid];
    } else {
      input.FindingIdentifiers = [
        { FindingInfoUid: key.findingInfoUid, MetadataProductUid: key.productUid, CloudAccountUid: key.accountUid },
      ];
    }
    if (status !== undefined) {
      input.StatusId = OCSF_STATUS_IDS[status];
    }
    if (note !== undefined) {
      input.Comment = note.text;
    }

    const context: WritebackContext = { findingId, format: 'ocsf', operation: 'BatchUpdateFindingsV2' };
    if (status === undefined && note === undefined) {
      this.logNothingToWrite(context);
      return;
    }

    let output;
    try {
      output = await this.client.send(new BatchUpdateFindingsV2Command(input));
    } catch (error) {
      throw sdkCallError(context, error);
    }

    const unprocessed = output.UnprocessedFindings?.[0];
    if (unprocessed !== undefined) {
      throw unprocessedFindingError(context, unprocessed.ErrorCode, unprocessed.ErrorMessage);
    }

    this.logWritten(context, status, note, false);
  }

  private logWritten(context: WritebackContext, status: WorkflowStatus | undefined, note: NoteText | undefined, ticketFields: boolean): void {
    this.logger.debug(
      {
        findingId: context.findingId,
        format: context.format,
        operation: context.operation,
        status: status ?? null,
        noteLength: note?.text.length ?? null,
        noteTruncated: note?.truncated ?? false,
        ticketFields,
      },
      'Wrote back to Security Hub finding',
    );
  }

  private logNothingToWrite(context: WritebackContext): void {
    this.logger.debug(
      { findingId: context.findingId, format: context.format, operation: context.operation, status: null },
      'Nothing to write back to Security Hub finding: the action has no status or note for this format',
    );
  }
}

interface NoteText {
  text: string;
  truncated: boolean;
}

function noteText(note: string | undefined): NoteText | undefined {
  if (note === undefined || note.trim() === '') {
    return undefined;
  }
  const text = truncateText(note, FINDING_NOTE_MAX_LENGTH);
  return { text, truncated: text !== note };
}

function validateStatus(findingId: string, format: string, status: string | undefined): WorkflowStatus | undefined {
  if (status === undefined) {
    return undefined;
  }
  if (!(WORKFLOW_STATUSES as readonly string[]).includes(status)) {
    throw new FindingWritebackError(
      `Invalid write-back status "${status}" for finding ${findingId}: expected one of ${WORKFLOW_STATUSES.join(', ')}. Fix the status expression or value map of the sync rule.`,
      { findingId, format, errorCode: LOCAL_ERROR_CODES.invalidStatus, retryable: false },
    );
  }
  return status as WorkflowStatus;
}

function ticketUserDefinedFields(ticket: TicketRef | undefined): Record<string, string> | undefined {
  if (ticket === undefined || ticket.number === '') {
    return undefined;
  }
  const fields: Record<string, string> = { [TICKET_FIELD_KEYS.number]: ticket.number.slice(0, USER_DEFINED_VALUE_MAX_LENGTH) };
  if (ticket.url !== '' && ticket.url.length <= USER_DEFINED_VALUE_MAX_LENGTH) {
    fields[TICKET_FIELD_KEYS.url] = ticket.url;
  }
  return fields;
}

function readAsffKey(record: WritebackRecord): AsffKey {
  const id = nonEmpty(record.writebackKey.id);
  const productArn = nonEmpty(record.writebackKey.productArn);
  if (id === undefined || productArn === undefined) {
    throw invalidRecord(record, 'an ASFF finding needs writebackKey.id (the finding Id) and writebackKey.productArn (its ProductArn). The source adapter that built the record must set both');
  }
  return { id, productArn };
}

function readOcsfKey(record: WritebackRecord): OcsfKey {
  const key: OcsfKey = {
    metadataUid: nonEmpty(record.writebackKey.metadataUid),
    findingInfoUid: nonEmpty(record.writebackKey.findingInfoUid),
    productUid: nonEmpty(record.writebackKey.productUid),
    accountUid: nonEmpty(record.writebackKey.accountUid),
  };
  const hasIdentifier = key.findingInfoUid !== undefined && key.productUid !== undefined && key.accountUid !== undefined;
  if (key.metadataUid === undefined && !hasIdentifier) {
    throw invalidRecord(
      record,
      'an OCSF finding needs writebackKey.metadataUid (metadata.uid), or all of findingInfoUid, productUid and accountUid. The source adapter that built the record must set them',
    );
  }
  return key;
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function invalidRecord(record: WritebackRecord, problem: string): FindingWritebackError {
  let operation: FindingWritebackOperation | undefined;
  if (record.format === 'asff') {
    operation = 'BatchUpdateFindings';
  } else if (record.format === 'ocsf') {
    operation = 'BatchUpdateFindingsV2';
  }
  return new FindingWritebackError(
    `Cannot write back to ${record.kind} ${record.displayId}: ${problem}.`,
    { findingId: record.displayId, format: record.format, operation, errorCode: LOCAL_ERROR_CODES.invalidRecord, retryable: false },
  );
}
