/**
 * The Jira side of `itsm-sync preview`: the real JiraTarget, with a stand-in client that records
 * each write instead of sending it, and a recording target for JSM Assets object types.
 */
import type { ItsmTarget, LinkedTicket, TicketFields, TicketRef, TicketSnapshot, WriteOptions, WrittenTicket } from '../core/types.js';
import type { SyncRule } from '../rules/sync-rule.js';
import { buildFieldDefinitions, DEFAULT_CUSTOM_FIELDS } from '../simulators/jira/catalog.js';
import { DEFAULT_CORRELATION_ATTRIBUTE, parseAssetsTable } from '../targets/jira/assets/index.js';
import type { JiraClient, JiraDeployment, JiraField, JiraIssue, JiraRequest, JiraTransition } from '../targets/jira/client.js';
import { JiraTarget } from '../targets/jira/jira-target.js';
import type { PreviewSystem, RecordedCall } from './preview.js';

/** Site URL of the previewed tickets; `.invalid` never resolves, so nothing can reach it. */
const PREVIEW_SITE_URL = 'https://preview.invalid';

/** Mapping fields that are steps rather than Jira fields: the JiraTarget adds a comment for `comment`. */
const STEP_FIELDS = new Set(['comment']);

/**
 * Builds the Jira preview for a rule whose target is a Jira project or an Assets object type.
 * Issue fields are converted with the Jira simulator's default field catalog: Jira's system fields
 * and a few custom fields. A field of the rule that the catalog lacks is passed as given.
 */
export function jiraPreviewSystem(rule: SyncRule, deployment: JiraDeployment, calls: RecordedCall[]): PreviewSystem {
  if (rule.target.table.startsWith('assets/')) {
    const { schemaKey } = parseAssetsTable(rule.target.table);
    return {
      target: new JiraTarget(new PreviewJiraClient(deployment, [], calls) as unknown as JiraClient, {
        siteUrl: PREVIEW_SITE_URL,
        assets: new PreviewAssetsTarget(calls),
      }),
      openTicket: (table) => ({ system: 'jira', table, id: '0', number: `${schemaKey}-0`, url: `${PREVIEW_SITE_URL}/jira/servicedesk/assets/object/0` }),
      details: {
        deployment,
        assets:
          'Attributes by name, with the values the rule produced. The connector writes each attribute by its id, as text, ' +
          `and keeps the correlation value in the attribute "${DEFAULT_CORRELATION_ATTRIBUTE}" (JIRA_ASSETS_CORRELATION_ATTRIBUTE).`,
      },
    };
  }

  const catalog = defaultFieldCatalog();
  const missing = fieldNamesOf(rule).filter((name) => !catalog.some((field) => field.id === name) && !STEP_FIELDS.has(name));
  // Fields the catalog lacks get no schema, so the conversion passes their values as given.
  const fields = [...catalog, ...missing.map((id) => ({ id, name: id, custom: id.startsWith('customfield_') }))];
  const client = new PreviewJiraClient(deployment, fields, calls);

  return {
    target: new StatusAwareTarget(new JiraTarget(client as unknown as JiraClient, { siteUrl: PREVIEW_SITE_URL }), client),
    openTicket: (table) => {
      const ticket: TicketRef = { system: 'jira', table, id: '10000', number: `${table}-0`, url: `${PREVIEW_SITE_URL}/browse/${table}-0` };
      client.rememberKey(ticket.id, ticket.number);
      return ticket;
    },
    details: {
      deployment,
      fieldCatalog:
        "The Jira simulator's default fields: Jira's system fields, the JSM request type customfield_10010 and " +
        `${DEFAULT_CUSTOM_FIELDS.map((field) => `${field.id} (${field.name}, ${field.type})`).join(', ')}. ` +
        `Your site's custom field ids may differ: GET ${client.apiPath}/field lists them.`,
      ...(missing.length > 0 ? { fieldsNotInCatalog: missing } : {}),
      status:
        'A status change is shown as the status the connector moves the issue to. It takes as many workflow transitions as ' +
        'your workflow needs, and sends screenFields on the transition screens that show them.',
    },
  };
}

/** Returns the fields of the Jira simulator's default site, as `GET /field` lists them. */
function defaultFieldCatalog(): JiraField[] {
  return buildFieldDefinitions(DEFAULT_CUSTOM_FIELDS).map((field) => ({ id: field.id, name: field.name, custom: field.custom, schema: field.schema }));
}

/** Lists every target field a rule writes: its fields, the lifecycle steps' fields and the runbook start's. */
function fieldNamesOf(rule: SyncRule): string[] {
  const { lifecycle } = rule;
  const fieldRules = [...rule.fields, ...lifecycle.resolveSteps.flat(), ...lifecycle.reopenFields, ...lifecycle.recurFields, ...(rule.start?.write ?? [])];
  return [...new Set(fieldRules.map((field) => field.name))];
}

/**
 * A JiraClient stand-in for the methods the JiraTarget calls in a preview. Writes are recorded as
 * the REST API would receive them; reads return an issue in the status the last write moved it
 * to. A status change is one recorded step: the stand-in offers a single transition straight to the
 * status the target requests, with every field on its screen, so the recorded screen fields are
 * exactly those the target offers.
 *
 * NOTE: it has only the methods JiraTarget calls for issues today; a new call there fails the
 * preview tests with "is not a function" until it is added here.
 */
class PreviewJiraClient {
  readonly apiPath: string;
  /** The status the next write moves the issue to; set by StatusAwareTarget. */
  targetStatus: string | undefined;
  /** Statuses the preview moved issues to, by issue id; other issues are in a status the preview does not know. */
  private readonly statuses = new Map<string, string>();
  private readonly keys = new Map<string, string>();
  private created = 0;

  constructor(
    readonly deployment: JiraDeployment,
    private readonly fields: JiraField[],
    private readonly recorded: RecordedCall[],
  ) {
    this.apiPath = deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  }

  /** Names an issue the preview did not create, so recorded steps show its key. */
  rememberKey(id: string, key: string): void {
    this.keys.set(id, key);
  }

  async listFields(): Promise<JiraField[]> {
    return this.fields;
  }

  async createIssue(fields: Record<string, unknown>): Promise<{ id: string; key: string; self: string }> {
    this.recorded.push({ call: `POST ${this.apiPath}/issue`, body: { fields } });
    this.created += 1;
    const project = (fields.project as { key?: string } | undefined)?.key ?? 'PREVIEW';
    const id = String(10000 + this.created);
    const key = `${project}-${this.created}`;
    this.keys.set(id, key);
    return { id, key, self: `${PREVIEW_SITE_URL}${this.apiPath}/issue/${id}` };
  }

  async send(request: JiraRequest): Promise<undefined> {
    this.recorded.push({ call: `${request.method} ${request.path}`, body: request.body });
    return undefined;
  }

  async getIssue(idOrKey: string): Promise<JiraIssue> {
    return {
      id: idOrKey,
      key: this.keys.get(idOrKey) ?? idOrKey,
      fields: {
        status: { name: this.statusOf(idOrKey), statusCategory: { key: 'indeterminate' } },
        issuetype: { name: '(the issue type)' },
        labels: [],
        resolution: null,
        updated: '2025-01-01T00:00:00.000+0000',
      },
    };
  }

  async getTransitions(idOrKey: string): Promise<JiraTransition[]> {
    const to = this.targetStatus ?? this.statusOf(idOrKey);
    const screen = Object.fromEntries(this.fields.map((field) => [field.id, { required: false, name: field.name }]));
    return [{ id: 'preview', name: `to ${to}`, to: { id: 'preview', name: to }, fields: screen }];
  }

  async transitionIssue(idOrKey: string, _transitionId: string, fields?: Record<string, unknown>): Promise<void> {
    const to = this.targetStatus ?? this.statusOf(idOrKey);
    this.recorded.push({ call: `move ${this.keys.get(idOrKey) ?? idOrKey} to status "${to}"`, status: to, ...(fields === undefined ? {} : { screenFields: fields }) });
    this.statuses.set(idOrKey, to);
  }

  async listApprovals(): Promise<[]> {
    return [];
  }

  async *searchIssues(): AsyncIterable<JiraIssue> {
    // A preview has no issues to find.
  }

  private statusOf(idOrKey: string): string {
    return this.statuses.get(idOrKey) ?? '(the status the issue is in)';
  }
}

/** Tells the stand-in client which status a write requests, then lets the real JiraTarget write. */
class StatusAwareTarget implements ItsmTarget {
  readonly system = 'jira' as const;
  readonly journalFields: readonly string[];

  constructor(
    private readonly inner: JiraTarget,
    private readonly client: PreviewJiraClient,
  ) {
    this.journalFields = inner.journalFields;
  }

  create(table: string, fields: TicketFields, correlation: string, options?: WriteOptions): Promise<WrittenTicket> {
    this.client.targetStatus = statusOf(fields);
    return this.inner.create(table, fields, correlation, options);
  }

  update(ref: TicketRef, fields: TicketFields, options?: WriteOptions): Promise<TicketSnapshot | undefined> {
    this.client.targetStatus = statusOf(fields);
    return this.inner.update(ref, fields, options);
  }

  attach(ref: TicketRef, correlation: string, fields: TicketFields, options?: WriteOptions): Promise<TicketSnapshot | undefined> {
    this.client.targetStatus = statusOf(fields);
    return this.inner.attach(ref, correlation, fields, options);
  }

  findUnlinked(table: string, field: string, value: string): Promise<TicketRef | undefined> {
    return this.inner.findUnlinked(table, field, value);
  }

  findByCorrelation(table: string, correlation: string): Promise<TicketRef | undefined> {
    return this.inner.findByCorrelation(table, correlation);
  }

  listLinked(table: string, prefix: string, fields: string[]): AsyncIterable<LinkedTicket> {
    return this.inner.listLinked(table, prefix, fields);
  }
}

function statusOf(fields: TicketFields): string | undefined {
  const status = fields.status;
  return status === undefined || status === null || status === '' ? undefined : String(status);
}

/**
 * Records Assets writes as attribute names and values. The AssetsTarget resolves names to ids
 * against the workspace's schema, which a preview does not read.
 */
class PreviewAssetsTarget implements ItsmTarget {
  readonly system = 'jira' as const;
  readonly journalFields = [] as const;
  private created = 0;

  constructor(private readonly recorded: RecordedCall[]) {}

  async create(table: string, fields: TicketFields, correlation: string): Promise<WrittenTicket> {
    const { schemaKey, typeName } = parseAssetsTable(table);
    this.recorded.push({
      call: `create object of type "${typeName}" in schema ${schemaKey}`,
      attributes: { ...definedValues(fields), [DEFAULT_CORRELATION_ATTRIBUTE]: correlation },
    });
    this.created += 1;
    return { system: 'jira', table, id: String(this.created), number: `${schemaKey}-${this.created}`, url: `${PREVIEW_SITE_URL}/jira/servicedesk/assets/object/${this.created}` };
  }

  async update(ref: TicketRef, fields: TicketFields): Promise<undefined> {
    const attributes = definedValues(fields);
    // The AssetsTarget sends nothing for an update without attributes.
    if (Object.keys(attributes).length > 0) this.recorded.push({ call: `update object ${ref.number}`, attributes });
    return undefined;
  }

  async attach(ref: TicketRef, correlation: string, fields: TicketFields): Promise<undefined> {
    return this.update(ref, { ...fields, [DEFAULT_CORRELATION_ATTRIBUTE]: correlation });
  }

  async findUnlinked(): Promise<undefined> {
    return undefined;
  }

  async findByCorrelation(): Promise<undefined> {
    return undefined;
  }

  async *listLinked(): AsyncIterable<LinkedTicket> {
    // A preview has no objects to list.
  }
}

function definedValues(fields: TicketFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
