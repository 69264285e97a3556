/**
 * AWS write-back for OpsCenter OpsItems: the ticket's status, a reference to the ticket and notes
 * go back to the OpsItem through one UpdateOpsItem call.
 */
import {
  GetOpsItemCommand,
  UpdateOpsItemCommand,
  type OpsItemDataValue,
  type SSMClient,
  type UpdateOpsItemCommandInput,
} from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';

import type { AwsWriteback, TicketRef, WritebackAction, WritebackRecord } from '../core/types.js';
import { NOTES_DATA_KEY, TICKET_DATA_KEY } from '../sources/opsitem/operational-data-keys.js';
import { AWS_REGION_PATTERN } from './aws-client.js';
import { appendNote, NOTES_MAX_BYTES, utf8Bytes } from './opsitem-notes.js';
import {
  OPSITEM_LOCAL_ERROR_CODES,
  OpsItemWritebackError,
  ssmCallError,
  type OpsItemCallContext,
} from './opsitem-writeback-error.js';
import type { SsmClientProvider } from './ssm-client.js';

export { createSsmClient, createSsmClientProvider, DEFAULT_SSM_MAX_ATTEMPTS, type SsmClientOptions, type SsmClientProvider } from './ssm-client.js';
export { OpsItemWritebackError, type OpsItemWritebackErrorDetails, type OpsItemWritebackOperation } from './opsitem-writeback-error.js';
export { NOTES_DATA_KEY, TICKET_DATA_KEY } from '../sources/opsitem/operational-data-keys.js';

/**
 * Statuses the write-back sends in UpdateOpsItem `Status`. The OpsItemStatus enum has more, but
 * those belong to change requests and Automation runs, which set them themselves. An issue moves
 * between these three (the OpsCenter guide "Editing OpsItem details").
 */
export const OPSITEM_WRITEBACK_STATUSES = ['Open', 'InProgress', 'Resolved'] as const;
export type OpsItemWritebackStatus = (typeof OPSITEM_WRITEBACK_STATUSES)[number];

// The same "20 KB" OperationalData value limit as the notes (see NOTES_MAX_BYTES).
const DATA_VALUE_MAX_BYTES = NOTES_MAX_BYTES;

const OPSITEM_ID_PATTERN = /^oi-[0-9a-f]{12}$/;

/** Options of {@link OpsItemWriteback}. */
export interface OpsItemWritebackOptions {
  /**
   * The SSM client, or a provider that returns the client for a record's Region and account (see
   * `createSsmClientProvider`); the provider owns retries and the endpoint.
   */
  client: SSMClient | SsmClientProvider;
  logger: Logger;
  /** Time source for the time line of each note. Default: the system clock. */
  clock?: () => Date;
}

/** The write-back key of an OpsItem record, as the OpsItem source sets it. */
interface OpsItemKey {
  opsItemId: string;
  region: string;
  account: string;
}

/**
 * Writes ITSM-side results back to OpsCenter OpsItems, with one UpdateOpsItem call per `apply`:
 *
 * - `action.status` becomes `Status`: one of {@link OPSITEM_WRITEBACK_STATUSES}.
 * - `action.ticket` becomes the OperationalData key `itsm-sync:ticket`, JSON
 *   `{"system", "number", "url"}` of type SearchableString, so the ticket can be searched in
 *   OpsCenter.
 * - `action.note` is appended to the OperationalData key `itsm-sync:notes` (type String) under a
 *   line with its time. The current notes are read with GetOpsItem first; the oldest notes are
 *   dropped to stay within the 20 KB value limit.
 *
 * An empty note is treated as no note. Every failure is an {@link OpsItemWritebackError} that
 * reports whether a retry can help. Throttling is retried inside the SDK client.
 *
 * SSM emits an `OpsItem Update` event for every UpdateOpsItem call, this one included, so the
 * caller should write back only what changed.
 *
 * NOTE: appending a note reads and then writes the whole value, so a note that someone else
 * appends between the two calls is lost. UpdateOpsItem has no condition to prevent this.
 *
 * @example
 * const writeback = new OpsItemWriteback({ client: createSsmClientProvider({ logger }), logger });
 * await writeback.apply(record, { status: 'InProgress', ticket, note: 'Tracked in INC0010043' });
 */
export class OpsItemWriteback implements AwsWriteback {
  readonly kind = 'opsitem' as const;
  private readonly clientFor: SsmClientProvider;
  private readonly logger: Logger;
  private readonly clock: () => Date;

  constructor(options: OpsItemWritebackOptions) {
    const client = options.client;
    this.clientFor = typeof client === 'function' ? client : () => client;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Applies `action` to the OpsItem that `record` describes.
   *
   * @throws OpsItemWritebackError when the record or the action is invalid, or when SSM rejects
   *   the GetOpsItem or UpdateOpsItem call.
   */
  async apply(record: WritebackRecord, action: WritebackAction): Promise<void> {
    const key = readKey(record);
    const status = validateStatus(key, action.status);
    const ticket = ticketData(action.ticket);
    const note = action.note !== undefined && action.note.trim() !== '' ? action.note : undefined;

    if (status === undefined && ticket === undefined && note === undefined) {
      this.logger.debug({ opsItemId: key.opsItemId, region: key.region }, 'Nothing to write back to OpsItem: the action has no status, ticket or note');
      return;
    }

    const client = this.clientFor(key.region, key.account);
    const input: UpdateOpsItemCommandInput = { OpsItemId: key.opsItemId };
    const operationalData: Record<string, OpsItemDataValue> = {};
    if (status !== undefined) {
      input.Status = status;
    }
    if (ticket !== undefined) {
      operationalData[TICKET_DATA_KEY] = { Value: ticket, Type: 'SearchableString' };
    }

    let notes: ReturnType<typeof appendNote> | undefined;
    if (note !== undefined) {
      notes = appendNote(await this.readNotes(client, key), note, this.clock());
      operationalData[NOTES_DATA_KEY] = { Value: notes.value, Type: 'String' };
    }
    if (Object.keys(operationalData).length > 0) {
      input.OperationalData = operationalData;
    }

    const context: OpsItemCallContext = { opsItemId: key.opsItemId, region: key.region, operation: 'UpdateOpsItem' };
    try {
      await client.send(new UpdateOpsItemCommand(input));
    } catch (error) {
      throw ssmCallError(context, error);
    }

    this.logger.debug(
      {
        opsItemId: key.opsItemId,
        region: key.region,
        operation: 'UpdateOpsItem',
        status: status ?? null,
        ticket: action.ticket?.number ?? null,
        noteBytes: notes === undefined ? null : utf8Bytes(notes.value),
        droppedNotes: notes?.droppedNotes ?? 0,
        noteTruncated: notes?.truncated ?? false,
      },
      'Wrote back to OpsItem',
    );
  }

  /** Reads the current notes value of the OpsItem, so the new note can be appended to it. */
  private async readNotes(client: SSMClient, key: OpsItemKey): Promise<string | undefined> {
    const context: OpsItemCallContext = { opsItemId: key.opsItemId, region: key.region, operation: 'GetOpsItem' };
    try {
      const output = await client.send(new GetOpsItemCommand({ OpsItemId: key.opsItemId }));
      return output.OpsItem?.OperationalData?.[NOTES_DATA_KEY]?.Value;
    } catch (error) {
      throw ssmCallError(context, error);
    }
  }
}

function readKey(record: WritebackRecord): OpsItemKey {
  const opsItemId = record.writebackKey.opsItemId ?? '';
  const region = record.writebackKey.region ?? '';
  const account = record.writebackKey.account ?? '';

  if (record.kind !== 'opsitem' || record.format !== 'opsitem') {
    throw invalidRecord(
      record,
      `the OpsItem write-back handles records of kind and format "opsitem", got kind "${record.kind}" and format "${record.format}". Register this write-back for OpsItems only`,
    );
  }
  if (!OPSITEM_ID_PATTERN.test(opsItemId)) {
    throw invalidRecord(record, `writebackKey.opsItemId "${opsItemId}" is not an OpsItem id (oi- and 12 hexadecimal digits). The source adapter that built the record must set it`);
  }
  if (!AWS_REGION_PATTERN.test(region)) {
    throw invalidRecord(record, `writebackKey.region "${region}" is not a region code such as us-east-1. The source adapter that built the record must set it`);
  }
  return { opsItemId, region, account };
}

function validateStatus(key: OpsItemKey, status: string | undefined): OpsItemWritebackStatus | undefined {
  if (status === undefined) {
    return undefined;
  }
  if (!(OPSITEM_WRITEBACK_STATUSES as readonly string[]).includes(status)) {
    throw new OpsItemWritebackError(
      `Invalid write-back status "${status}" for OpsItem ${key.opsItemId}: expected one of ${OPSITEM_WRITEBACK_STATUSES.join(', ')} (the spelling is exact: InProgress, not "In Progress"). Fix the status expression or value map of the sync rule.`,
      { opsItemId: key.opsItemId, region: key.region, errorCode: OPSITEM_LOCAL_ERROR_CODES.invalidStatus, retryable: false },
    );
  }
  return status as OpsItemWritebackStatus;
}

/** Serializes the ticket reference as JSON, or returns undefined without a ticket number. A URL that would not fit is left out. */
function ticketData(ticket: TicketRef | undefined): string | undefined {
  if (ticket === undefined || ticket.number === '') {
    return undefined;
  }
  const withUrl = JSON.stringify({ system: ticket.system, number: ticket.number, url: ticket.url });
  if (utf8Bytes(withUrl) <= DATA_VALUE_MAX_BYTES) {
    return withUrl;
  }
  return JSON.stringify({ system: ticket.system, number: ticket.number.slice(0, 1_000) });
}

function invalidRecord(record: WritebackRecord, problem: string): OpsItemWritebackError {
  return new OpsItemWritebackError(`Cannot write back to ${record.kind} ${record.displayId}: ${problem}.`, {
    opsItemId: record.writebackKey.opsItemId ?? record.displayId,
    region: record.writebackKey.region,
    errorCode: OPSITEM_LOCAL_ERROR_CODES.invalidRecord,
    retryable: false,
  });
}
