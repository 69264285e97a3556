import type { AxiosInstance, AxiosResponse } from 'axios';
import { pino, type Logger } from 'pino';

import type { RetryPolicy } from '../http/backoff.js';
import { sendWithFreshToken } from '../http/credentials.js';
import { createRestHttpClient } from '../http/http-client.js';
import { sendWithRetries } from '../http/retry.js';
import type { RequestSettings } from '../http/settings.js';
import { type AuthProvider, createAuthProvider, OAuthTokenProvider, type ServiceNowAuthConfig } from './auth.js';
import { normalizeInstanceUrl, readServiceNowRequestSettings } from './client-config.js';
import { EncodedQuery, validateFieldName } from './encoded-query.js';
import {
  ServiceNowError,
  ServiceNowInputError,
  ServiceNowNetworkError,
  ServiceNowNotFoundError,
  ServiceNowUnavailableError,
} from './errors.js';
import { classifyErrorResponse, describeNetworkError, readResult, type ResponseContext } from './responses.js';

export type { ServiceNowAuthConfig } from './auth.js';

/** Settings of a ServiceNowClient, with the timeout and retry settings of every REST client. */
export interface ServiceNowClientConfig extends RequestSettings {
  /** Base URL of the instance, such as `https://acme.service-now.com`. */
  instanceUrl: string;
  auth: ServiceNowAuthConfig;
  logger?: Logger;
}

/** One Table API record as returned with `sysparm_display_value=false` and no reference links. */
export type ServiceNowRecord = Record<string, string>;

/** Options of `queryRecords`. */
export interface QueryOptions {
  /** Columns to return (`sysparm_fields`). `sys_id` is always added, because paging needs it. */
  fields?: readonly string[];
  /** Records per request (`sysparm_limit`), 1 to 10,000. Default 100. */
  pageSize?: number;
}

/** Options of `queryPage`. */
export interface QueryPageOptions {
  fields?: readonly string[];
  /** `sysparm_limit`, 1 to 10,000. */
  limit: number;
  /** `sysparm_offset`. Default 0. */
  offset?: number;
}

/** One page of a Table API query. */
export interface QueryPage {
  records: ServiceNowRecord[];
  /** `X-Total-Count`: how many records match the whole query. */
  totalCount?: number;
}

/** Options of `createRecord`. */
export interface CreateRecordOptions {
  /** Columns to return (`sysparm_fields`). Default: all. */
  fields?: readonly string[];
  /**
   * Looks for the record that an earlier attempt of this create may have made. It is called before
   * every retry, because a POST that timed out or got a 5xx may still have created the record.
   * When it returns a record, that record is the result and no further POST is sent.
   */
  findExisting?: () => Promise<ServiceNowRecord | undefined>;
}

/** Largest `sysparm_limit` sent; 10,000 is also the Table API's default limit. */
const MAX_PAGE_SIZE = 10_000;
const DEFAULT_PAGE_SIZE = 100;
const TABLE_NAME = /^[a-z0-9_]+$/;
const SYS_ID = /^[0-9a-f]{32}$/;

/** One Table API request, described for the retry loop. */
interface TableRequest {
  operation: string;
  table: string;
  sysId?: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  params: Record<string, string>;
  body?: Record<string, string>;
  /** Called before each retry; a value it returns ends the operation (see CreateRecordOptions). */
  recover?: () => Promise<TableResult | undefined>;
}

interface TableResult {
  result: unknown;
  totalCount?: number;
}

/**
 * A client for the ServiceNow Table API (`/api/now/table/{table}`).
 *
 * It authenticates with basic auth or OAuth client credentials (refreshing the token once on a
 * 401), retries network errors, timeouts, 5xx, 429 and non-JSON responses with exponential backoff
 * and jitter (honouring `Retry-After` and `X-RateLimit-Reset`), and turns every failure into a
 * ServiceNowError subclass that names the operation and record. It always sends
 * `sysparm_display_value=false` and `sysparm_exclude_reference_link=true`, so every value comes
 * back as a plain string and dates are UTC `YYYY-MM-DD HH:mm:ss`.
 *
 * @example
 * ```ts
 * const client = new ServiceNowClient({
 *   instanceUrl: 'https://acme.service-now.com',
 *   auth: { type: 'basic', username: 'itsm.sync', password: process.env.SERVICENOW_PASSWORD! },
 * });
 * const incident = await client.createRecord('incident', { short_description: 'S3 bucket is public' });
 * for await (const record of client.queryRecords('incident', new EncodedQuery().equals('active', true))) {
 *   console.log(record.number);
 * }
 * ```
 */
export class ServiceNowClient {
  /** Number of HTTP requests sent to the Table API, retries included and token requests excluded. */
  calls = 0;

  readonly instanceUrl: string;
  private readonly http: AxiosInstance;
  private readonly auth: AuthProvider;
  private readonly logger: Logger;
  private readonly retryPolicy: RetryPolicy;

  constructor(config: ServiceNowClientConfig) {
    this.instanceUrl = normalizeInstanceUrl(config.instanceUrl);
    const { timeoutMs, retryPolicy } = readServiceNowRequestSettings(config);
    this.retryPolicy = retryPolicy;
    this.logger = config.logger ?? pino({ level: 'silent' });
    this.http = createRestHttpClient({ baseURL: this.instanceUrl, timeoutMs });

    this.auth = createAuthProvider(config.auth, this.http);
  }

  /** Number of OAuth token requests made so far (0 with basic auth). */
  get tokenRequests(): number {
    return this.auth instanceof OAuthTokenProvider ? this.auth.tokenRequests : 0;
  }

  /**
   * Create a record (POST, expects 201) and return it as stored, with `sys_id` and, on task
   * tables, `number`.
   */
  async createRecord(
    table: string,
    fields: Record<string, string>,
    options: CreateRecordOptions = {},
  ): Promise<ServiceNowRecord> {
    validateTable(table);
    const findExisting = options.findExisting;

    const { result } = await this.send({
      operation: `create ${table}`,
      table,
      method: 'POST',
      path: tablePath(table),
      params: readParams(options.fields),
      body: fields,
      recover: findExisting
        ? async () => {
            const existing = await findExisting();
            if (existing === undefined) {
              return undefined;
            }

            this.logger.info(
              { operation: `create ${table}`, table, sysId: existing.sys_id },
              'ServiceNow create: found the record made by an earlier attempt; not creating another',
            );
            return { result: existing };
          }
        : undefined,
    });

    return expectRecord(result, { operation: `create ${table}`, table });
  }

  /** Write the given fields to one record (PATCH) and return the record as stored. */
  async updateRecord(
    table: string,
    sysId: string,
    fields: Record<string, string>,
    options: { fields?: readonly string[] } = {},
  ): Promise<ServiceNowRecord> {
    validateTable(table);
    validateSysId(sysId);
    const operation = `update ${table} ${sysId}`;

    const { result } = await this.send({
      operation,
      table,
      sysId,
      method: 'PATCH',
      path: `${tablePath(table)}/${sysId}`,
      params: readParams(options.fields),
      body: fields,
    });

    return expectRecord(result, { operation, table, sysId });
  }

  /** Delete one record (DELETE, expects 204). A record that is already gone (404) counts as deleted. */
  async deleteRecord(table: string, sysId: string): Promise<void> {
    validateTable(table);
    validateSysId(sysId);
    const operation = `delete ${table} ${sysId}`;
    try {
      await this.send({ operation, table, sysId, method: 'DELETE', path: `${tablePath(table)}/${sysId}`, params: {} });
    } catch (error) {
      if (!(error instanceof ServiceNowNotFoundError)) throw error;
    }
  }

  /** Read one record, or undefined when the instance responds 404 (deleted, or hidden by an ACL). */
  async getRecord(table: string, sysId: string, fields?: readonly string[]): Promise<ServiceNowRecord | undefined> {
    validateTable(table);
    validateSysId(sysId);
    const operation = `get ${table} ${sysId}`;

    try {
      const { result } = await this.send({
        operation,
        table,
        sysId,
        method: 'GET',
        path: `${tablePath(table)}/${sysId}`,
        params: readParams(fields),
      });
      return expectRecord(result, { operation, table, sysId });
    } catch (error) {
      if (error instanceof ServiceNowNotFoundError) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Read one page of records matching an encoded query, in the query's own order. Most callers want
   * `queryRecords`, which pages in a stable order.
   */
  async queryPage(table: string, query: EncodedQuery | string, options: QueryPageOptions): Promise<QueryPage> {
    validateTable(table);
    const limit = readPageSize('limit', options.limit);
    const offset = options.offset ?? 0;

    if (!Number.isInteger(offset) || offset < 0) {
      throw new ServiceNowInputError('offset', `Invalid offset ${offset}: it must be an integer of 0 or more.`);
    }

    const operation = `query ${table}`;
    const { result, totalCount } = await this.send({
      operation,
      table,
      method: 'GET',
      path: tablePath(table),
      params: {
        ...readParams(options.fields),
        sysparm_query: query.toString(),
        sysparm_limit: String(limit),
        sysparm_offset: String(offset),
      },
    });

    if (!Array.isArray(result)) {
      throw unexpectedResult({ operation, table }, 'a list');
    }

    return { records: result.map((item) => expectRecord(item, { operation, table })), totalCount };
  }

  /**
   * Iterate over every record matching an encoded query, one page (`sysparm_limit`) at a time.
   *
   * `ORDERBYsys_id` is appended to the query so that offsets address the same order on every page
   * (after any order of the caller's). Iteration stops at the first short or empty page. A record
   * that moves between pages while iterating is yielded once only.
   *
   * NOTE: offset paging cannot see records that are inserted before the current offset while it
   * runs, and may then skip one record per such insert. Reconciliation passes tolerate this
   * because the next pass sees them.
   */
  async *queryRecords(
    table: string,
    query: EncodedQuery | string,
    options: QueryOptions = {},
  ): AsyncIterable<ServiceNowRecord> {
    const pageSize = readPageSize('pageSize', options.pageSize ?? DEFAULT_PAGE_SIZE);
    const fields = options.fields && !options.fields.includes('sys_id') ? [...options.fields, 'sys_id'] : options.fields;
    const orderedQuery = withStableOrder(query);
    const seen = new Set<string>();

    for (let offset = 0; ; offset += pageSize) {
      const page = await this.queryPage(table, orderedQuery, { fields, limit: pageSize, offset });

      for (const record of page.records) {
        const sysId = record.sys_id;
        if (sysId !== undefined && seen.has(sysId)) {
          continue;
        }
        if (sysId !== undefined) {
          seen.add(sysId);
        }
        yield record;
      }

      if (page.records.length < pageSize) {
        return;
      }
    }
  }

  /** Send one Table API request with retries, and return its `result`. */
  private async send(request: TableRequest): Promise<TableResult> {
    return sendWithRetries(() => this.sendOnce(request), {
      service: 'ServiceNow',
      policy: this.retryPolicy,
      logger: this.logger,
      logContext: { operation: request.operation, table: request.table, sysId: request.sysId },
      isFailure: (error): error is ServiceNowError => error instanceof ServiceNowError,
      recover: request.recover,
    });
  }

  /** Send the request once; on a 401 with OAuth, fetch a new token and send it once more. */
  private async sendOnce(request: TableRequest): Promise<TableResult> {
    const context: ResponseContext = {
      operation: request.operation,
      table: request.table,
      sysId: request.sysId,
      advice: this.auth.advice,
    };

    const response = await sendWithFreshToken(
      this.auth,
      (authorization) => this.request(request, authorization),
      () =>
        this.logger.info(
          { operation: request.operation, table: request.table, sysId: request.sysId, status: 401 },
          'ServiceNow rejected the OAuth token; fetching a new one',
        ),
    );

    // A DELETE responds with 204 and no body.
    if (request.method === 'DELETE' && response.status === 204) {
      return { result: null };
    }
    if (response.status >= 200 && response.status < 300) {
      return { result: readResult(response, context), totalCount: readTotalCount(response) };
    }

    throw classifyErrorResponse(response, context);
  }

  private async request(request: TableRequest, authorization: string): Promise<AxiosResponse> {
    this.calls += 1;

    try {
      return await this.http.request({
        method: request.method,
        url: request.path,
        params: {
          sysparm_display_value: 'false',
          sysparm_exclude_reference_link: 'true',
          ...request.params,
        },
        data: request.body,
        headers: { Authorization: authorization },
      });
    } catch (error) {
      throw new ServiceNowNetworkError({
        kind: 'network',
        operation: request.operation,
        table: request.table,
        sysId: request.sysId,
        retryable: true,
        ...describeNetworkError(error),
      });
    }
  }
}

function readPageSize(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new ServiceNowInputError(option, `Invalid ${option} ${value}: it must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return value;
}

function validateTable(table: string): void {
  if (!TABLE_NAME.test(table)) {
    throw new ServiceNowInputError(
      'table',
      `Invalid ServiceNow table name ${JSON.stringify(table)}: table names contain only lower-case letters, digits and "_", such as "incident".`,
    );
  }
}

function validateSysId(sysId: string): void {
  if (!SYS_ID.test(sysId)) {
    throw new ServiceNowInputError(
      'sys_id',
      `Invalid sys_id ${JSON.stringify(sysId)}: a sys_id is 32 lower-case hexadecimal characters.`,
    );
  }
}

function tablePath(table: string): string {
  return `/api/now/table/${table}`;
}

function readParams(fields: readonly string[] | undefined): Record<string, string> {
  if (fields === undefined || fields.length === 0) {
    return {};
  }

  for (const field of fields) {
    validateFieldName(field);
  }

  return { sysparm_fields: fields.join(',') };
}

/** Append `ORDERBYsys_id` so that paging by offset reads one fixed order. */
function withStableOrder(query: EncodedQuery | string): string {
  const text = query.toString();
  return text === '' ? 'ORDERBYsys_id' : `${text}^ORDERBYsys_id`;
}

function readTotalCount(response: AxiosResponse): number | undefined {
  const value: unknown = (response.headers as Record<string, unknown>)['x-total-count'];
  const count = Number(value);
  return value === undefined || !Number.isInteger(count) ? undefined : count;
}

function expectRecord(value: unknown, context: Omit<ResponseContext, 'advice'>): ServiceNowRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw unexpectedResult(context, 'a record');
  }
  return value as ServiceNowRecord;
}

function unexpectedResult(context: Omit<ResponseContext, 'advice'>, expected: string): ServiceNowUnavailableError {
  return new ServiceNowUnavailableError({
    kind: 'unavailable',
    operation: context.operation,
    table: context.table,
    sysId: context.sysId,
    detail: `"result" is not ${expected}`,
    retryable: false,
    advice: 'Check that SERVICENOW_INSTANCE_URL points at the instance itself and not at a proxy that rewrites answers.',
  });
}
