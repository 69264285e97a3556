import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import { pino, type Logger } from 'pino';

import { closeServer, readRequestBody, startSimulatorServer, writeResponse } from '../simulator-http.js';
import {
  type ActingUser,
  buildNewRecord,
  buildUpdatedRecord,
  formatTimestamp,
  type JournalEntry,
  toStoredValues,
  type WriteContext,
  type WriteResult,
} from './business-rules.js';
import {
  ACL_DENIED,
  errorBody,
  INTERNAL_ERROR,
  invalidJson,
  JSON_HEADERS,
  invalidTable,
  negativeOffset,
  NO_RECORD,
  NOT_AUTHENTICATED,
  OAUTH_ACCESS_DENIED,
  RATE_LIMITED,
  unknownResource,
  WWW_AUTHENTICATE,
} from './canned-responses.js';
import { APPROVAL_TABLE, ChangeApprovalRules } from './change-approvals.js';
import { CHANGE_STATE } from './change-model.js';
import { awsConnectorCiValues, CMDB_BASE_TABLE, RELATIONSHIP_TABLE, seedRelationshipTypeRows } from './cmdb.js';
import { ChangeApprovalError, InvalidConnectorCiError, InvalidSimulatorOptionError, ReadOnlyTableError, UnknownRecordError } from './errors.js';
import {
  type Answer,
  hibernatingAnswer,
  methodNotSupported,
  parseJsonOrText,
  parseRecordBody,
  rejectedWriteAnswer,
} from './http-answers.js';
import { project } from './projection.js';
import { dropUnknownFields, matchesQuery, parseEncodedQuery, type ParsedQuery, sortRecords } from './query-engine.js';
import { resolveQueryValues } from './query-values.js';
import { INDEXED_FIELDS, SimulatedTable, type StoredRecord } from './record-store.js';
import type {
  ChangeDecision,
  InjectedFault,
  RecordedRequest,
  ServiceNowSimulator,
  ServiceNowSimulatorOptions,
} from './simulator-types.js';
import { type LocatedRecord, TableFamilies } from './table-families.js';
import { BUILT_IN_TABLES, seedChoiceRows } from './tables.js';
import { buildUsers, DEFAULT_USER, type SimulatedUser, sysPropertyRows, sysUserRow, userSysId } from './users.js';
import { WebhookNotifier } from './webhooks.js';

export type {
  AwsConnectorCi,
  ChangeCancellation,
  ChangeDecision,
  DirectWriteOptions,
  InjectedFault,
  RecordedRequest,
  ServiceNowSimulator,
  ServiceNowSimulatorOptions,
  SimulatorSnapshot,
} from './simulator-types.js';

/** A write asked for by a person, the Table API or a business rule. */
interface WriteRequest {
  table: SimulatedTable;
  /** The stored record to update, or undefined to insert a new one. */
  existing?: StoredRecord;
  values: StoredRecord;
  user: ActingUser;
  madeByBusinessRule?: boolean;
}

/** A write whose record is built and checked, ready to be stored. */
interface BuiltWrite extends WriteResult {
  table: SimulatedTable;
  context: WriteContext;
  operation: 'insert' | 'update';
}

const MAX_REQUEST_LOG = 100_000;
/** The user that seeds rows and whose flows add and close approval rows. */
const SYSTEM_USER: ActingUser = { username: 'system', sysId: userSysId('system') };
/** The Table API's default `sysparm_limit`. */
const DEFAULT_LIMIT = 10_000;
const TABLE_PATH = /^\/api\/now(?:\/v[12])?\/table\/([^/]+)(?:\/([^/]+))?\/?$/;

/**
 * Start a ServiceNow Table API simulator on 127.0.0.1: basic and OAuth authentication, records with
 * the defaults and business rules of incident, problem and change_request (with the change state
 * model and approvals), encoded queries, dot-walked `sysparm_fields`, paging headers, data
 * policies, and scripted faults (rate limits, 5xx, hibernation). The CMDB has CI class tables that
 * extend `cmdb_ci`, and relationships in `cmdb_rel_ci`.
 *
 * @example
 * ```ts
 * const simulator = await startServiceNowSimulator({ latencyMs: 50 });
 * const client = new ServiceNowClient({
 *   instanceUrl: simulator.url,
 *   auth: { type: 'basic', username: 'itsm.sync', password: 'demo-password' },
 * });
 * simulator.injectFaults([{ status: 429, headers: { 'Retry-After': '1' } }]);
 * // ... drive the client, then:
 * console.log(simulator.tableCalls(), simulator.records('incident').length);
 * await simulator.stop();
 * ```
 */
export async function startServiceNowSimulator(options: ServiceNowSimulatorOptions = {}): Promise<ServiceNowSimulator> {
  const logger = options.logger ?? pino({ level: 'warn' }, pino.destination(2));
  const simulator = new SimulatorState(options, logger);
  const { server, url } = await startSimulatorServer({
    port: options.port,
    name: 'ServiceNow simulator',
    logger,
    handle: (request, response) => simulator.handle(request, response),
    sendInternalError: (response) => writeResponse(response, { status: 500, body: INTERNAL_ERROR }, JSON_HEADERS),
  });

  simulator.baseUrl = url;
  return simulator.handleFor(server);
}

/** The state behind one simulator: tables, users, tokens, faults and the request log. */
class SimulatorState {
  baseUrl = '';
  readonly requests: RecordedRequest[] = [];
  private readonly tables = new Map<string, SimulatedTable>();
  private readonly tableLookup = (name: string): SimulatedTable | undefined => this.tables.get(name);
  /** Table inheritance, such as the CI class tables that extend cmdb_ci. */
  private readonly families: TableFamilies;
  private readonly users: SimulatedUser[];
  private readonly oauthClients: Array<{ clientId: string; clientSecret: string; username: string }>;
  private readonly tokens = new Map<string, { username: string; expiresAt: number }>();
  private readonly tokenTtlSeconds: number;
  private readonly latencyMs: number;
  private readonly mandatoryFields: Record<string, string[]>;
  private readonly systemTimeZone: string;
  private readonly clock: () => Date;
  private readonly webhooks: WebhookNotifier;
  private readonly changeApprovals: ChangeApprovalRules;
  /** The approvers the options give, which reset() restores. */
  private readonly initialChangeApprovers: readonly ActingUser[];
  private faults: InjectedFault[] = [];
  private hibernating = false;
  private tableCallCount = 0;

  constructor(
    options: ServiceNowSimulatorOptions,
    private readonly logger: Logger,
  ) {
    this.systemTimeZone = options.systemTimeZone ?? 'UTC';
    this.users = buildUsers(options.users ?? [DEFAULT_USER], this.systemTimeZone);
    this.clock = options.clock ?? (() => new Date());
    const firstUser = this.users[0]?.username ?? DEFAULT_USER.username;
    this.oauthClients = (options.oauthClients ?? []).map((client) => ({
      ...client,
      username: client.username ?? firstUser,
    }));
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 1799;
    this.latencyMs = options.latencyMs ?? 0;
    this.mandatoryFields = options.mandatoryFields ?? {};

    for (const definition of BUILT_IN_TABLES) {
      this.tables.set(definition.name, new SimulatedTable(definition));
    }
    for (const name of options.tables ?? []) {
      if (!/^[a-z0-9_]+$/.test(name)) {
        throw new InvalidSimulatorOptionError('tables', `Invalid table name ${JSON.stringify(name)} for the ServiceNow simulator.`);
      }
      if (!this.tables.has(name)) {
        this.tables.set(name, new SimulatedTable({ name, defaults: {} }));
      }
    }

    this.families = new TableFamilies(this.tables.values());
    this.webhooks = new WebhookNotifier(options.webhooks ?? [], logger, this.clock, (table) => this.tables.has(table));
    this.initialChangeApprovers = this.approversNamed(options.changeApprovers ?? []);
    this.changeApprovals = new ChangeApprovalRules(
      (name) => this.requireTable(name),
      SYSTEM_USER,
      this.initialChangeApprovers,
    );
    this.seed();
  }

  /** Build the public handle around the running server. */
  handleFor(server: Server): ServiceNowSimulator {
    return {
      url: this.baseUrl,
      requests: this.requests,
      stop: async () => {
        await closeServer(server);
        // Wait for webhook deliveries in flight, so none outlives the simulator.
        await this.webhooks.settled();
      },
      records: (table) => this.families.records(this.requireTable(table)).map((record) => ({ ...record })),
      count: (table) => this.families.records(this.requireTable(table)).length,
      tableCalls: () => this.tableCallCount,
      injectFaults: (faults) => {
        this.faults.push(...faults);
      },
      setHibernating: (on) => {
        this.hibernating = on;
      },
      expireTokens: () => {
        for (const token of this.tokens.values()) {
          token.expiresAt = 0;
        }
      },
      reset: () => this.reset(),
      snapshot: () => ({
        tables: Object.fromEntries(
          [...this.tables.values()].map((table) => [table.name, table.all().map((record) => ({ ...record }))]),
        ),
      }),
      restore: (snapshot) => {
        const entries = Object.entries(snapshot?.tables ?? {});
        // Check every table before changing any, so a bad snapshot leaves the simulator as it was.
        const tables = entries.map(([name, records]) => {
          if (!Array.isArray(records)) {
            throw new Error(`Invalid ServiceNow simulator snapshot: table ${JSON.stringify(name)} is not a list of records.`);
          }
          return [this.requireTable(name), records] as const;
        });
        for (const [table, records] of tables) {
          if (!table.definition.readOnly) {
            table.restore(records);
          }
        }
      },
      insertRecord: (table, fields, options) => {
        const target = this.requireWritableTable(table);
        const user = this.userNamed(options?.user);
        return { ...this.commit({ table: target, values: toStoredValues(fields), user }) };
      },
      updateRecord: (table, sysId, fields, options) => {
        const target = this.requireWritableTable(table);
        const located = this.families.locate(target, sysId);
        if (located === undefined) {
          throw new UnknownRecordError(target.name, sysId);
        }
        const values = this.valuesThrough(target, located.owner, toStoredValues(fields));
        const user = this.userNamed(options?.user);
        return { ...this.commit({ table: located.owner, existing: located.record, values, user }) };
      },
      seedAwsConnectorCi: (ci) => {
        const target = this.requireTable(ci?.className ?? '');
        if (!this.families.isWithin(target, CMDB_BASE_TABLE)) {
          throw new InvalidConnectorCiError(
            ci,
            `${JSON.stringify(ci.className)} is not a CI class table. Use cmdb_ci or a table that extends it, ` +
              'such as cmdb_ci_vm_instance.',
          );
        }
        if (typeof ci.resourceId !== 'string' || ci.resourceId.trim() === '') {
          throw new InvalidConnectorCiError(
            ci,
            `the resourceId of a ${ci.className} CI is empty. Give the AWS resource id, such as "i-0a1b2c3d4e5f60718".`,
          );
        }
        const values = toStoredValues(awsConnectorCiValues(ci));
        return { ...this.commit({ table: target, values, user: SYSTEM_USER }) };
      },
      setChangeApprovers: (usernames) => {
        this.changeApprovals.setApprovers(this.approversNamed(usernames));
      },
      approveChange: (changeSysId, decision) => this.decideChange(changeSysId, 'approved', decision),
      rejectChange: (changeSysId, decision) => this.decideChange(changeSysId, 'rejected', decision),
      cancelChange: (changeSysId, cancellation) => {
        const changes = this.requireTable('change_request');
        const change = this.requireRecord(changes, changeSysId);
        const values = { state: CHANGE_STATE.canceled, work_notes: cancellation.reason };
        return { ...this.commit({ table: changes, existing: change, values, user: this.userNamed(cancellation.user) }) };
      },
      webhookDeliveries: () => this.webhooks.deliveries(),
      webhooksSettled: () => this.webhooks.settled(),
    };
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator.invalid');
    const method = (request.method ?? 'GET').toUpperCase();
    const tableMatch = TABLE_PATH.exec(url.pathname);
    const body = await readRequestBody(request);

    let answer: Answer;
    if (tableMatch) {
      this.tableCallCount += 1;
      if (this.latencyMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      }
      answer = this.answerTableRequest(request, method, url, body, tableMatch[1] ?? '', tableMatch[2]);
    } else if (this.hibernating) {
      answer = hibernatingAnswer();
    } else if (url.pathname === '/oauth_token.do') {
      answer = this.answerTokenRequest(method, body);
    } else {
      answer = { status: 400, body: unknownResource(url.pathname) };
    }

    this.log({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: answer.status,
      body: tableMatch && body !== '' ? parseJsonOrText(body) : undefined,
    });
    writeResponse(response, answer, JSON_HEADERS);
  }

  private answerTableRequest(
    request: IncomingMessage,
    method: string,
    url: URL,
    body: string,
    tableName: string,
    sysId: string | undefined,
  ): Answer {
    if (this.hibernating) {
      return hibernatingAnswer();
    }

    const fault = this.takeFault(method, tableName);
    if (fault !== undefined && !fault.processRequest) {
      return faultAnswer(fault);
    }

    const answer = this.answerAuthenticated(request, method, url, body, tableName, sysId);
    return fault === undefined ? answer : faultAnswer(fault);
  }

  private answerAuthenticated(
    request: IncomingMessage,
    method: string,
    url: URL,
    body: string,
    tableName: string,
    sysId: string | undefined,
  ): Answer {
    const user = this.authenticate(request.headers.authorization);
    if (user === undefined) {
      return { status: 401, body: NOT_AUTHENTICATED, headers: { 'WWW-Authenticate': WWW_AUTHENTICATE } };
    }

    const table = this.tables.get(tableName);
    if (table === undefined) {
      return { status: 400, body: invalidTable(tableName) };
    }

    const params = url.searchParams;

    // Only the simulator's options fill these tables; an integration user lacks the write ACLs.
    if (table.definition.readOnly && method !== 'GET') {
      return { status: 403, body: ACL_DENIED };
    }

    if (sysId === undefined) {
      if (method === 'GET') {
        return this.answerList(table, url, user);
      }
      if (method === 'POST') {
        return this.answerCreate(table, body, params, user);
      }
      return methodNotSupported(method);
    }

    // A record of a class that extends this table (a VM instance read through cmdb_ci) counts too.
    const located = this.families.locate(table, sysId);
    if (located === undefined) {
      return ['GET', 'PATCH', 'PUT', 'DELETE'].includes(method) ? { status: 404, body: NO_RECORD } : methodNotSupported(method);
    }

    if (method === 'GET') {
      return { status: 200, body: { result: this.present(table, located.record, params) } };
    }
    if (method === 'PATCH' || method === 'PUT') {
      return this.answerUpdate(table, located, body, params, user);
    }
    if (method === 'DELETE') {
      this.deleteRecord(located.owner, sysId);
      return { status: 204 };
    }
    return methodNotSupported(method);
  }

  private answerList(table: SimulatedTable, url: URL, user: SimulatedUser): Answer {
    const params = url.searchParams;
    const rawOffset = params.get('sysparm_offset') ?? '0';
    const offset = Number.parseInt(rawOffset, 10);

    if (Number.isNaN(offset) || offset < 0) {
      return { status: 400, body: negativeOffset(rawOffset) };
    }

    const parsedLimit = Number.parseInt(params.get('sysparm_limit') ?? '', 10);
    const limit = Number.isNaN(parsedLimit) || parsedLimit <= 0 ? DEFAULT_LIMIT : parsedLimit;

    const query = dropUnknownFields(this.resolveQuery(table, params.get('sysparm_query') ?? '', user), (field) =>
      table.hasField(field),
    );
    const matching = sortRecords(
      candidates(this.families, table, query).filter((record) => matchesQuery(record, query)),
      query.orderings,
    );
    const page = matching.slice(offset, offset + limit).map((record) => this.present(table, record, params));

    return {
      status: 200,
      body: { result: page },
      headers: {
        'X-Total-Count': String(matching.length),
        Link: this.linkHeader(url, matching.length, offset, limit),
      },
    };
  }

  private answerCreate(table: SimulatedTable, body: string, params: URLSearchParams, user: SimulatedUser): Answer {
    const values = parseRecordBody(body);
    if (values === undefined) {
      return { status: 400, body: invalidJson() };
    }

    try {
      const record = this.commit({ table, values, user });
      return {
        status: 201,
        body: { result: this.present(table, record, params) },
        headers: { Location: `${this.baseUrl}/api/now/table/${table.name}/${record.sys_id}` },
      };
    } catch (error) {
      return rejectedWriteAnswer(error);
    }
  }

  private answerUpdate(
    table: SimulatedTable,
    { owner, record: existing }: LocatedRecord,
    body: string,
    params: URLSearchParams,
    user: SimulatedUser,
  ): Answer {
    const requested = parseRecordBody(body);
    if (requested === undefined) {
      return { status: 400, body: invalidJson() };
    }

    try {
      const values = this.valuesThrough(table, owner, requested);
      const record = this.commit({ table: owner, existing, values, user });
      return { status: 200, body: { result: this.present(table, record, params) } };
    } catch (error) {
      return rejectedWriteAnswer(error);
    }
  }

  /** `/oauth_token.do` with the client credentials grant. */
  private answerTokenRequest(method: string, body: string): Answer {
    if (method !== 'POST') {
      return methodNotSupported(method);
    }

    const form = new URLSearchParams(body);
    const client = this.oauthClients.find(
      (candidate) => candidate.clientId === form.get('client_id') && candidate.clientSecret === form.get('client_secret'),
    );

    if (form.get('grant_type') !== 'client_credentials' || client === undefined) {
      return { status: 401, body: OAUTH_ACCESS_DENIED };
    }

    const now = Date.now();
    for (const [issued, { expiresAt }] of this.tokens) {
      if (expiresAt <= now) {
        this.tokens.delete(issued);
      }
    }

    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, { username: client.username, expiresAt: now + this.tokenTtlSeconds * 1000 });

    return {
      status: 200,
      body: { access_token: token, scope: 'useraccount', token_type: 'Bearer', expires_in: this.tokenTtlSeconds },
    };
  }

  private authenticate(header: string | undefined): SimulatedUser | undefined {
    if (header === undefined) {
      return undefined;
    }

    const [scheme = '', credentials = ''] = header.split(' ', 2);

    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      const username = decoded.slice(0, separator);
      const password = decoded.slice(separator + 1);
      return this.users.find(
        (user) => separator > 0 && user.password !== undefined && user.username === username && user.password === password,
      );
    }

    if (scheme.toLowerCase() === 'bearer') {
      const token = this.tokens.get(credentials);
      if (token === undefined || token.expiresAt <= Date.now()) {
        return undefined;
      }
      return this.users.find((user) => user.username === token.username) ?? unlistedUser(token.username);
    }

    return undefined;
  }

  /**
   * Carry out a write together with the writes that business rules add to it (the approvals of
   * change requests), then send the webhooks. Nothing is stored when a data policy or a business
   * rule rejects any of them. Returns the stored record of the requested write.
   */
  private commit(request: WriteRequest): StoredRecord {
    const now = formatTimestamp(this.clock());

    // sys_ids are unique across a table family, so a requested sys_id that another class table uses is not taken.
    const requestedSysId = request.values.sys_id;
    if (request.existing === undefined && requestedSysId !== undefined) {
      if (this.families.locate(this.familyRoot(request.table), requestedSysId) !== undefined) {
        request = { ...request, values: { ...request.values } };
        delete request.values.sys_id;
      }
    }

    const requested = this.build(request, now);

    const followUps = this.changeApprovals
      .followUps({ table: request.table, previous: request.existing, record: requested.record, user: request.user, now })
      .map((followUp) => this.build({ ...followUp, madeByBusinessRule: true }, now));
    const writes = [requested, ...followUps];

    for (const write of writes) {
      write.table.save(write.record);
      this.writeJournal(write.table, write.record, write.journal, write.context);
      if (write.ignoredFields.length > 0) {
        // An instance ignores these silently; the warning points a test author at the typo or missing column.
        this.logger.warn(
          { table: write.table.name, sysId: write.record.sys_id, fields: write.ignoredFields },
          'ServiceNow simulator ignored fields that the table has no column for',
        );
      }
    }
    for (const write of writes) {
      this.webhooks.notify(write.table.name, write.record, write.operation, write.context.user.username);
    }

    return requested.record;
  }

  /** Apply defaults, business rules and data policies to a write, without storing it. */
  private build(request: WriteRequest, now: string): BuiltWrite {
    const context: WriteContext = {
      table: request.table,
      user: request.user,
      now,
      mandatoryFields: this.mandatoryFields[request.table.name] ?? [],
      madeByBusinessRule: request.madeByBusinessRule ?? false,
    };

    if (request.existing === undefined) {
      return { ...buildNewRecord(context, request.values), table: request.table, context, operation: 'insert' };
    }
    return { ...buildUpdatedRecord(context, request.existing, request.values), table: request.table, context, operation: 'update' };
  }

  /**
   * Delete a record. Deleting a CI also deletes the cmdb_rel_ci rows that name it as parent or
   * child, because those reference columns cascade deletes.
   *
   * NOTE: the cascade is taken from the base system's dictionary as remembered, not from a record
   * of an instance.
   */
  private deleteRecord(owner: SimulatedTable, sysId: string): void {
    owner.delete(sysId);

    if (!this.families.isWithin(owner, CMDB_BASE_TABLE)) {
      return;
    }

    const relationships = this.requireTable(RELATIONSHIP_TABLE);
    for (const relationship of relationships.all()) {
      if (relationship.parent === sysId || relationship.child === sysId) {
        relationships.delete(relationship.sys_id ?? '');
      }
    }
  }

  /** Project a record as a read through `table` returns it: its columns, then `sysparm_fields`. */
  private present(table: SimulatedTable, record: StoredRecord, params: URLSearchParams): StoredRecord {
    return project(this.tableLookup, table, this.families.view(table, record), params);
  }

  /**
   * Keep the values that a write through `table` can set on a record of class `owner`: the columns
   * of `table`. Writing through cmdb_ci sets base columns only, even on a VM instance.
   *
   * NOTE: that an instance ignores class columns written through a base table is unverified.
   */
  private valuesThrough(table: SimulatedTable, owner: SimulatedTable, values: StoredRecord): StoredRecord {
    if (owner === table) {
      return values;
    }

    const kept: StoredRecord = {};
    const ignored: string[] = [];
    for (const [field, value] of Object.entries(values)) {
      if (table.hasField(field)) {
        kept[field] = value;
      } else {
        ignored.push(field);
      }
    }

    if (ignored.length > 0) {
      this.logger.warn(
        { table: table.name, recordClass: owner.name, fields: ignored },
        'ServiceNow simulator ignored fields of a CI class written through its base table; write to the class table instead',
      );
    }
    return kept;
  }

  /** Return the table at the top of a table's family, such as cmdb_ci for cmdb_ci_aws_datacenter. */
  private familyRoot(table: SimulatedTable): SimulatedTable {
    let root = table;
    for (let parent = root.definition.extends; parent !== undefined; parent = root.definition.extends) {
      const next = this.tables.get(parent);
      if (next === undefined) {
        break;
      }
      root = next;
    }
    return root;
  }

  /** Store a row that the simulator starts with, without business rules or webhooks. */
  private insertSeedRow(table: SimulatedTable, values: StoredRecord): void {
    const { record } = this.build({ table, values, user: SYSTEM_USER }, formatTimestamp(this.clock()));
    table.save(record);
  }

  /**
   * Record an approver's decision: their requested approval row gets the decision and the comment,
   * and the approval rules update the change in the same transaction.
   */
  private decideChange(changeSysId: string, decision: 'approved' | 'rejected', { user, comment }: ChangeDecision): StoredRecord {
    const changes = this.requireTable('change_request');
    const change = this.requireRecord(changes, changeSysId);
    const approver = this.userNamed(user);
    const row = this.changeApprovals.requestedApproval(changeSysId, approver.sysId);

    if (row === undefined) {
      throw new ChangeApprovalError(change, user, this.changeApprovals.approverList().map((candidate) => candidate.username));
    }

    const values: StoredRecord = { state: decision, ...(comment === undefined ? {} : { comments: comment }) };
    this.commit({ table: this.requireTable(APPROVAL_TABLE), existing: row, values, user: approver });
    return { ...this.requireRecord(changes, changeSysId) };
  }

  /** Store work notes and comments as `sys_journal_field` rows, as the instance does. */
  private writeJournal(table: SimulatedTable, record: StoredRecord, entries: JournalEntry[], context: WriteContext): void {
    const journalTable = this.requireTable('sys_journal_field');

    for (const entry of entries) {
      const { record: row } = buildNewRecord(
        { ...context, table: journalTable, mandatoryFields: [] },
        { name: table.name, element: entry.element, element_id: record.sys_id ?? '', value: entry.value },
      );
      journalTable.save(row);
    }
  }

  private takeFault(method: string, table: string): InjectedFault | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.table === undefined || fault.table === table),
    );
    if (index === -1) {
      return undefined;
    }
    return this.faults.splice(index, 1)[0];
  }

  /** Build the Link header: first, prev, next and last pages, as absolute URLs with the same parameters. */
  private linkHeader(url: URL, total: number, offset: number, limit: number): string {
    const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
    const link = (pageOffset: number, rel: string): string => {
      const params = new URLSearchParams(url.searchParams);
      params.set('sysparm_limit', String(limit));
      params.set('sysparm_offset', String(pageOffset));
      return `<${this.baseUrl}${url.pathname}?${params.toString()}>;rel="${rel}"`;
    };

    const links = [link(0, 'first')];
    if (offset > 0) {
      links.push(link(Math.max(0, offset - limit), 'prev'));
    }
    if (offset + limit < total) {
      links.push(link(offset + limit, 'next'));
    }
    links.push(link(lastOffset, 'last'));
    return links.join(',');
  }

  private log(entry: RecordedRequest): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_REQUEST_LOG) {
      this.requests.splice(0, this.requests.length - MAX_REQUEST_LOG);
    }
  }

  private reset(): void {
    for (const table of this.tables.values()) {
      table.clear();
    }
    this.requests.length = 0;
    this.faults = [];
    this.hibernating = false;
    this.tableCallCount = 0;
    this.webhooks.reset();
    this.changeApprovals.setApprovers(this.initialChangeApprovers);
    this.seed();
  }

  /** Seed the choice lists, one sys_user row per user and the system properties. */
  private seed(): void {
    for (const row of seedChoiceRows()) {
      this.insertSeedRow(this.requireTable('sys_choice'), row);
    }
    for (const user of this.users) {
      this.insertSeedRow(this.requireTable('sys_user'), sysUserRow(user));
    }
    for (const row of sysPropertyRows(this.systemTimeZone)) {
      this.insertSeedRow(this.requireTable('sys_properties'), row);
    }
    for (const row of seedRelationshipTypeRows()) {
      this.insertSeedRow(this.requireTable('cmdb_rel_type'), row);
    }
  }

  /**
   * Parse an encoded query and resolve its `javascript:` values and date-time literals for the
   * acting user. Conditions whose script the simulator cannot evaluate are dropped and logged.
   */
  private resolveQuery(table: SimulatedTable, encodedQuery: string, user: SimulatedUser): ParsedQuery {
    const { query, unsupportedScripts } = resolveQueryValues(parseEncodedQuery(encodedQuery), {
      sysId: user.sysId,
      username: user.username,
      timeZone: user.timeZone || this.systemTimeZone,
    });

    if (unsupportedScripts.length > 0) {
      this.logger.warn(
        { table: table.name, scripts: unsupportedScripts },
        'ServiceNow simulator dropped query conditions whose javascript: value it cannot evaluate',
      );
    }
    return query;
  }

  private requireTable(name: string): SimulatedTable {
    const table = this.tables.get(name);
    if (table === undefined) {
      throw new Error(
        `The ServiceNow simulator has no table ${JSON.stringify(name)}. Known tables: ${[...this.tables.keys()].join(', ')}; ` +
          'add others with the tables option.',
      );
    }
    return table;
  }

  private requireRecord(table: SimulatedTable, sysId: string): StoredRecord {
    const record = table.get(sysId);
    if (record === undefined) {
      throw new UnknownRecordError(table.name, sysId);
    }
    return record;
  }

  /** Check that each user name is one of the users, so that its approval rows reference a sys_user row. */
  private approversNamed(usernames: readonly string[]): ActingUser[] {
    return usernames.map((username) => {
      const user = this.users.find((candidate) => candidate.username === username);
      if (user === undefined) {
        throw new InvalidSimulatorOptionError(
          'changeApprovers',
          `Unknown change approver ${JSON.stringify(username)} for the ServiceNow simulator: add a user with that ` +
            `username to the users option. Users: ${this.users.map((candidate) => candidate.username).join(', ')}.`,
        );
      }
      return user;
    });
  }

  private requireWritableTable(name: string): SimulatedTable {
    const table = this.requireTable(name);
    if (table.definition.readOnly) {
      throw new ReadOnlyTableError(name);
    }
    return table;
  }

  private userNamed(username: string | undefined): ActingUser {
    const user = username === undefined ? this.users[0] : this.users.find((candidate) => candidate.username === username);
    return user ?? unlistedUser(username ?? 'system');
  }
}

/** Build a user that is not in the users option, such as an OAuth client's user: no login, no time zone. */
function unlistedUser(username: string): SimulatedUser {
  return { username, sysId: userSysId(username), timeZone: '', name: username, email: '' };
}

/**
 * Records that can match the query, from the table and the tables that extend it. An equality on
 * sys_id or an indexed field (correlation_id, object_id, parent, child) in a single-segment query
 * is looked up in an index. Any other query scans the tables.
 */
function candidates(families: TableFamilies, table: SimulatedTable, query: ParsedQuery): StoredRecord[] {
  const [segment, ...otherSegments] = query.segments;

  if (segment !== undefined && otherSegments.length === 0) {
    for (const group of segment) {
      const [condition, ...alternatives] = group;
      if (condition === undefined || alternatives.length > 0 || condition.operator !== '=') {
        continue;
      }
      if (condition.field === 'sys_id') {
        const located = families.locate(table, condition.value.toLowerCase());
        return located ? [located.record] : [];
      }
      if (INDEXED_FIELDS.has(condition.field)) {
        return families.findByField(table, condition.field, condition.value);
      }
    }
  }

  return families.records(table);
}

/** Fill in a typical ServiceNow body for a fault that has none. */
function faultAnswer(fault: InjectedFault): Answer {
  if (fault.body !== undefined) {
    return { status: fault.status, body: fault.body, headers: fault.headers };
  }

  let body: unknown;
  if (fault.status === 429) {
    body = RATE_LIMITED;
  } else if (fault.status >= 500) {
    body = INTERNAL_ERROR;
  } else if (fault.status === 401) {
    body = NOT_AUTHENTICATED;
  } else if (fault.status === 403) {
    body = ACL_DENIED;
  } else if (fault.status === 404) {
    body = NO_RECORD;
  } else if (fault.status >= 200 && fault.status < 300) {
    body = {};
  } else {
    body = errorBody('Injected fault', null);
  }

  return { status: fault.status, body, headers: fault.headers };
}
