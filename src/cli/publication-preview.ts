/**
 * The publication side of `itsm-sync preview`: the AWS Config request that one saved CMDB record
 * would produce, computed with the publisher's own functions and sent nowhere.
 */
import { readFileSync } from 'node:fs';

import { desiredResource, putResourceConfigInput } from '../cmdb/config-publisher.js';
import type { CmdbPublication } from '../rules/publication.js';
import type { PreviewOptions } from './preview.js';

/** The query parameters that make the Table API return each field as plain text, as the publisher reads it. */
const PLAIN_VALUES_QUERY = 'sysparm_display_value=false&sysparm_exclude_reference_link=true';

/** Maximum number of field names a message lists before "…". */
const LISTED_FIELDS_MAX = 5;

/** Readable reasons for the file system errors a user can fix. */
const FILE_ERROR_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
};

/** A CMDB record file that preview cannot use. The message names the file and how to save a usable one. */
export class RecordFileError extends Error {
  /** The path given with `--record`. */
  readonly file: string;

  constructor(file: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecordFileError';
    this.file = file;
  }
}

/**
 * Prints the AWS Config request a publication would send for one CMDB record (a JSON object of
 * field values, or a Table API response with `result`): PutResourceConfig with the configuration
 * laid out, or DeleteResourceConfig for a retired record. Fields of `from.fields` that the record
 * lacks are read as empty text, as the Table API returns an empty field, and listed as a warning.
 * Returns the exit code. Throws `RecordFileError` for a record file it cannot use.
 */
export async function previewPublication(publication: CmdbPublication, options: PreviewOptions): Promise<number> {
  const table = publication.from.table;
  if (options.record === undefined || options.event !== undefined) {
    process.stderr.write(
      `${options.mapping} is a publication: give the CMDB record with --record FILE (the JSON of one record, as ` +
        `GET /api/now/table/${table}/<sys_id>?sysparm_exclude_reference_link=true returns it), and no --event.\n`,
    );
    return 1;
  }

  const file = options.record;
  const values = recordValues(readJsonFile(file), file, table);
  checkPlainValues(values, ['sys_id', ...publication.from.fields], file, table);

  const missing = publication.from.fields.filter((field) => !(field in values));
  if (missing.length === publication.from.fields.length) {
    throw new RecordFileError(
      file,
      `${file} does not look like a record of ${table}: it has none of the fields that from.fields lists (${listFields(missing)}); ` +
        `save one record with GET /api/now/table/${table}/<sys_id>?sysparm_exclude_reference_link=true`,
    );
  }
  if (missing.length > 0) {
    process.stderr.write(`warning: ${file} lacks ${missing.join(', ')} of from.fields; the preview reads them as empty text ("").\n`);
  }

  const id = typeof values.sys_id === 'string' && values.sys_id !== '' ? values.sys_id : '<sys_id>';
  const recordFields = Object.fromEntries(publication.from.fields.map((field) => [field, values[field] ?? '']));
  const desired = await desiredResource(publication, { id, values: recordFields });

  const output = desired.retired
    ? { publication: publication.name, request: { call: 'DeleteResourceConfig', body: { ResourceType: publication.to.resourceType, ResourceId: id } }, missingFields: missing }
    : {
        publication: publication.name,
        request: { call: 'PutResourceConfig', body: { ...putResourceConfigInput(publication, id, desired), Configuration: desired.configuration } },
        note: 'Configuration is sent as JSON text; it is shown as an object here. A record whose configuration equals what AWS Config holds is not written.',
        missingFields: missing,
      };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}

/** Reads and parses a JSON file, or throws `RecordFileError` naming the file and the reason. */
function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new RecordFileError(file, `cannot read ${file}: ${FILE_ERROR_REASONS[code] ?? (error as Error).message}`, { cause: error });
  }

  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RecordFileError(file, `cannot read ${file} as JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Returns the field values of the one record a file contains, bare or in the Table API's `result`. */
function recordValues(parsed: unknown, file: string, table: string): Record<string, unknown> {
  const record = typeof parsed === 'object' && parsed !== null && 'result' in parsed ? (parsed as { result: unknown }).result : parsed;

  if (Array.isArray(record)) {
    throw new RecordFileError(
      file,
      `${file} holds a list of ${record.length} records; save one record with GET /api/now/table/${table}/<sys_id>?sysparm_exclude_reference_link=true`,
    );
  }
  if (typeof record !== 'object' || record === null) {
    throw new RecordFileError(file, `${file} must contain one CMDB record: a JSON object of field values, such as {"sys_id": "…", "name": "lnx-web-01"}`);
  }
  return record as Record<string, unknown>;
}

/**
 * Rejects a record whose fields are objects rather than text. The Table API returns
 * `{ "display_value": …, "value": … }` for every field with `sysparm_display_value=all`, a
 * reference as `{ "display_value": …, "link": … }` with `sysparm_display_value=true`, and as
 * `{ "link": …, "value": … }` unless `sysparm_exclude_reference_link=true`. The publisher reads
 * plain values, so a preview of any of these shapes would show the wrong configuration.
 */
function checkPlainValues(values: Record<string, unknown>, fields: readonly string[], file: string, table: string): void {
  const objectFields = fields.filter((field) => typeof values[field] === 'object' && values[field] !== null);
  if (objectFields.length === 0) return;

  const withDisplayValue = objectFields.some((field) => Object.hasOwn(values[field] as object, 'display_value'));
  const cause = withDisplayValue ? 'saved with display values (sysparm_display_value=all or true)' : 'saved with reference links';
  throw new RecordFileError(
    file,
    `${file} holds objects instead of text in ${listFields(objectFields)}: the record was ${cause}. ` +
      `Save the record with plain values: GET /api/now/table/${table}/<sys_id>?${PLAIN_VALUES_QUERY}`,
  );
}

function listFields(fields: readonly string[]): string {
  const listed = fields.slice(0, LISTED_FIELDS_MAX).join(', ');
  return fields.length > LISTED_FIELDS_MAX ? `${listed}, …` : listed;
}
