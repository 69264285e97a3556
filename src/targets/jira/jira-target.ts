import { pino, type Logger } from 'pino';

import { TicketCreatedError, type ItsmTarget, type LinkedTicket, type TicketFields, type TicketRef, type TicketSnapshot, type WriteOptions, type WrittenTicket } from '../../core/types.js';
import type { JiraClient, JiraIssue } from './client.js';
import { renderText } from './document.js';
import { JiraNotFoundError } from './errors.js';
import { toLabel } from './field-limits.js';
import { JiraFieldCatalog, toJiraFields } from './issue-fields.js';
import { plainValue, readIssueValues } from './issue-values.js';
import { Jql } from './jql.js';
import { JiraMappingError } from './target-errors.js';
import { WorkflowWalker } from './workflow.js';

/** Label on every issue the connector links, so linked issues can be listed with one JQL query. */
export const LINKED_LABEL = 'itsm-sync';

/**
 * How long before a create's first attempt an issue found by its correlation label still counts as
 * made by that create. The margin allows for clock differences between the connector and Jira.
 */
const CREATE_RECOVERY_WINDOW_MS = 60_000;

/** Fields that only a transition screen takes; they are written with the status change. */
const TRANSITION_FIELDS = new Set(['resolution']);

/** Issue property that keeps JSM comments internal (not shown to the customer). */
const INTERNAL_COMMENT = [{ key: 'sd.public.comment', value: { internal: true } }];

/** Settings of a JiraTarget. */
export interface JiraTargetOptions {
  /** Base URL of the site's web pages, for the links in TicketRef.url. */
  siteUrl: string;
  /** The target for tables written `assets/<schema>/<object type>` (JSM Assets). */
  assets?: ItsmTarget;
  logger?: Logger;
}

/**
 * The Jira side of the sync: creates and updates issues through the REST API (v3 on Cloud, v2 on
 * Data Center) and finds them again by their correlation value.
 *
 * The correlation value is stored as a label, next to the label `itsm-sync` that marks every linked
 * issue, so links can be rebuilt with JQL. Links never depend on search while the connector runs
 * (search lags behind creates): the link store answers first.
 *
 * `status` in the fields is a status name, reached through the workflow's transitions (see
 * WorkflowWalker); `resolution` is sent on the transition screen that asks for it. Text fields are
 * rendered as Atlassian Document Format on Cloud and wiki markup on Data Center, and cut to
 * Jira's limits on the rendered value. Notes become internal comments.
 *
 * Versions are the issue's `updated` time in milliseconds: Jira keeps no change counter, so a
 * version says only which of two reads is newer.
 */
export class JiraTarget implements ItsmTarget {
  readonly system = 'jira' as const;
  readonly journalFields = ['comment'] as const;
  private readonly siteUrl: string;
  private readonly logger: Logger;
  private readonly catalog: JiraFieldCatalog;
  private readonly walker: WorkflowWalker;

  constructor(
    private readonly client: JiraClient,
    private readonly options: JiraTargetOptions,
  ) {
    this.siteUrl = options.siteUrl.replace(/\/+$/, '');
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.catalog = new JiraFieldCatalog(client);
    this.walker = new WorkflowWalker(client, this.logger);
  }

  async create(table: string, fields: TicketFields, correlation: string, options: WriteOptions = {}): Promise<WrittenTicket> {
    if (isAssets(table)) return this.assetsTarget(table).create(table, fields, correlation, options);
    validateProjectKey(table);
    checkCorrelation(correlation);

    const { status, comment, transitionFields, rest } = splitFields(fields);
    if (rest.issuetype === undefined || rest.issuetype === null || rest.issuetype === '') {
      throw new JiraMappingError(
        'issuetype',
        `Cannot create an issue in ${table} without an issue type: add an issuetype field to the mapping, for example issuetype: { const: "[System] Incident", owner: create-only }.`,
      );
    }

    const values = await this.convert(rest, options.recordLabel);
    const labels = Array.isArray(values.labels) ? (values.labels as string[]) : [];
    values.project = { key: table };
    values.labels = [...new Set([...labels, LINKED_LABEL, correlation])];

    // A create whose response was lost (a gateway timeout, a 5xx after Jira saved the issue) is
    // looked for before it is sent again, so the retry does not make a second issue.
    const startedAt = Date.now();
    const created = await this.client.createIssue(values, {
      findExisting: () => this.findCreatedSince(table, correlation, startedAt - CREATE_RECOVERY_WINDOW_MS),
    });
    const ref = this.ticketRef(table, created.id, created.key);

    // The issue exists from here on. A failure below is reported with the issue, so the engine links
    // it before the retry, which must not depend on search (it lags behind creates).
    try {
      await this.finishWrite(ref, { status, transitionFields, note: joinNotes(comment, options.note) }, String(rest.issuetype));
      return options.read === undefined ? ref : { ...ref, snapshot: await this.snapshot(ref, options.read) };
    } catch (error) {
      throw new TicketCreatedError(ref, error);
    }
  }

  async update(ref: TicketRef, fields: TicketFields, options: WriteOptions = {}): Promise<TicketSnapshot | undefined> {
    if (isAssets(ref.table)) return this.assetsTarget(ref.table).update(ref, fields, options);
    if (ref.system !== 'jira') {
      throw new JiraMappingError('ticket', `Cannot update ${ref.system} ticket ${ref.number} through the Jira target.`);
    }

    const { status, comment, transitionFields, rest } = splitFields(fields);
    if (Object.keys(rest).length > 0) {
      const { labels, ...values } = await this.convert(rest, options.recordLabel);
      // Labels are only ever added: the issue's labels include the correlation value and the
      // labels people set, which a replacement would remove.
      const update = Array.isArray(labels) ? { labels: labels.map((label) => ({ add: label })) } : undefined;
      await this.client.send<void>({
        operation: `update ${ref.number}`,
        method: 'PUT',
        path: `${this.client.apiPath}/issue/${encodeURIComponent(ref.id)}`,
        body: update === undefined ? { fields: values } : { fields: values, update },
        issue: ref.number,
      });
    }
    await this.finishWrite(ref, { status, transitionFields, note: joinNotes(comment, options.note) });
    return options.read === undefined ? undefined : this.snapshot(ref, options.read);
  }

  async attach(ref: TicketRef, correlation: string, fields: TicketFields, options: WriteOptions = {}): Promise<TicketSnapshot | undefined> {
    if (isAssets(ref.table)) return this.assetsTarget(ref.table).attach(ref, correlation, fields, options);
    checkCorrelation(correlation);

    // Labels are added with an update operation, so the labels people set stay.
    await this.client.send<void>({
      operation: `label ${ref.number}`,
      method: 'PUT',
      path: `${this.client.apiPath}/issue/${encodeURIComponent(ref.id)}`,
      body: { update: { labels: [{ add: LINKED_LABEL }, { add: correlation }] } },
      issue: ref.number,
    });
    return this.update(ref, fields, options);
  }

  async relate(parent: TicketRef, child: TicketRef, typeName: string): Promise<string> {
    const assets = this.assetsTarget(parent.table);
    if (assets.relate === undefined) throw new JiraMappingError('relationships', 'The Assets target cannot relate objects.');
    return assets.relate(parent, child, typeName);
  }

  async unrelate(relationshipId: string): Promise<void> {
    await this.options.assets?.unrelate?.(relationshipId);
  }

  async findUnlinked(table: string, field: string, value: string): Promise<TicketRef | undefined> {
    if (isAssets(table)) return this.assetsTarget(table).findUnlinked(table, field, value);
    validateProjectKey(table);

    const jql = new Jql().equals('project', table).equals(field, value).orderBy('created', 'ASC');
    for await (const issue of this.client.searchIssues(jql, [field, 'labels'], { pageSize: 20 })) {
      const labels = (issue.fields.labels as string[] | undefined) ?? [];
      // Compare again: JQL compares some fields without regard to case, or by words.
      if (!labels.includes(LINKED_LABEL) && this.readValue(field, issue.fields[field]) === value) {
        return this.ticketRef(table, issue.id, issue.key);
      }
    }
    return undefined;
  }

  /**
   * Find the issue that carries the correlation label. When several do, the oldest wins and a
   * warning is logged. Search may lag a few seconds behind a create, so this serves to rebuild
   * lost links and to adopt, never to tell whether the connector created an issue just now.
   */
  async findByCorrelation(table: string, correlation: string): Promise<TicketRef | undefined> {
    if (isAssets(table)) return this.assetsTarget(table).findByCorrelation(table, correlation);
    validateProjectKey(table);
    checkCorrelation(correlation);

    const jql = new Jql().equals('project', table).equals('labels', correlation).orderBy('created', 'ASC');
    const matches: JiraIssue[] = [];
    for await (const issue of this.client.searchIssues(jql, ['labels', 'created'], { pageSize: 2 })) {
      if (((issue.fields.labels as string[] | undefined) ?? []).includes(correlation)) matches.push(issue);
      if (matches.length === 2) break;
    }

    const [oldest, other] = matches;
    if (oldest === undefined) return undefined;
    if (other !== undefined) {
      this.logger.warn({ project: table, correlation, chosen: oldest.key, other: other.key }, `Several Jira issues carry the correlation label ${correlation}; using the oldest, ${oldest.key}`);
    }
    return this.ticketRef(table, oldest.id, oldest.key);
  }

  /**
   * Find the newest issue that carries the correlation label and was created at or after `sinceMs`:
   * the issue an earlier attempt of a create made before its response was lost. An older issue with
   * the label is a closed ticket that the new one follows, so it does not count.
   *
   * NOTE: search lags a few seconds behind creates on real sites, so an issue made moments before
   * the retry may not be found yet, and the retry then creates a second one.
   */
  private async findCreatedSince(table: string, correlation: string, sinceMs: number): Promise<{ id: string; key: string; self: string } | undefined> {
    const jql = new Jql().equals('project', table).equals('labels', correlation).orderBy('created', 'DESC');
    for await (const issue of this.client.searchIssues(jql, ['labels', 'created'], { pageSize: 5 })) {
      const created = typeof issue.fields.created === 'string' ? Date.parse(jiraTimeToIso(issue.fields.created)) : Number.NaN;
      // Newest first: once one is older than the attempt, so are the rest.
      if (!(created >= sinceMs)) return undefined;
      if (((issue.fields.labels as string[] | undefined) ?? []).includes(correlation)) return { id: issue.id, key: issue.key, self: issue.self ?? '' };
    }
    return undefined;
  }

  async *listLinked(table: string, prefix: string, fields: string[]): AsyncIterable<LinkedTicket> {
    if (isAssets(table)) {
      yield* this.assetsTarget(table).listLinked(table, prefix, fields);
      return;
    }
    validateProjectKey(table);

    const jql = new Jql().equals('project', table).equals('labels', LINKED_LABEL).orderBy('created', 'ASC');
    const read = [...new Set(['labels', 'status', 'updated', ...fields])];
    for await (const issue of this.client.searchIssues(jql, read, { pageSize: 100 })) {
      const correlation = ((issue.fields.labels as string[] | undefined) ?? []).find((label) => label.startsWith(prefix));
      if (correlation === undefined) continue;
      const category = (issue.fields.status as { statusCategory?: { key?: string } } | undefined)?.statusCategory?.key;
      yield {
        ref: this.ticketRef(table, issue.id, issue.key),
        correlation,
        closed: category === 'done',
        values: Object.fromEntries(fields.map((field) => [field, this.readValue(field, issue.fields[field])])),
      };
    }
  }

  /** Make a reference to an issue. */
  ticketRef(project: string, id: string, key: string): TicketRef {
    return { system: 'jira', table: project, id, number: key, url: `${this.siteUrl}/browse/${key}` };
  }

  /** Read `fields` of an issue as plain values, with its version (see the class comment). */
  async snapshot(ref: TicketRef, fields: string[]): Promise<TicketSnapshot> {
    const issue = await this.client.getIssue(ref.id, [...new Set(['updated', ...fields.filter((field) => field !== 'approval')])]);
    if (issue === undefined) {
      throw new JiraNotFoundError({ kind: 'not-found', operation: `read ${ref.number}`, issue: ref.number, status: 404, retryable: false });
    }
    const values = await readIssueValues(this.client, issue, fields);
    return { version: versionOf(issue), values };
  }

  private readValue(field: string, value: unknown): unknown {
    return plainValue(this.client.deployment, field, value);
  }

  /** The steps after the fields: the status (through transitions), then the note. */
  private async finishWrite(
    ref: TicketRef,
    step: { status?: string; transitionFields: TicketFields; note?: string },
    issueType?: string,
  ): Promise<void> {
    if (step.status !== undefined && step.status !== '') {
      const current = await this.client.getIssue(ref.id, ['status', 'issuetype']);
      if (current === undefined) throw new JiraNotFoundError({ kind: 'not-found', operation: `move ${ref.number}`, issue: ref.number, status: 404, retryable: false });
      const screen = await this.convert(step.transitionFields, undefined);
      await this.walker.moveTo(
        {
          issue: ref.id,
          project: ref.table,
          issueType: issueType ?? String(plainValue(this.client.deployment, 'issuetype', current.fields.issuetype) ?? ''),
          status: String(plainValue(this.client.deployment, 'status', current.fields.status) ?? ''),
        },
        step.status,
        screen,
      );
    }

    if (step.note !== undefined && step.note !== '') {
      await this.client.send({
        operation: `comment on ${ref.number}`,
        method: 'POST',
        path: `${this.client.apiPath}/issue/${encodeURIComponent(ref.id)}/comment`,
        body: { body: renderText(step.note, this.client.deployment), properties: INTERNAL_COMMENT },
        issue: ref.number,
      });
    }
  }

  private async convert(fields: TicketFields, recordLabel: string | undefined): Promise<Record<string, unknown>> {
    return toJiraFields(fields, await this.catalog.get(), this.client.deployment, recordLabel ?? 'the linked AWS record');
  }

  private assetsTarget(table: string): ItsmTarget {
    if (this.options.assets === undefined) {
      throw new JiraMappingError(
        'target.table',
        `"${table}" is a JSM Assets object type, but Assets is not configured: set JIRA_ASSETS_WORKSPACE_ID (Cloud) or JIRA_ASSETS_URL.`,
      );
    }
    return this.options.assets;
  }
}

/**
 * Separate the fields that are steps rather than values: the status (reached by transitions), the
 * fields of transition screens, and `comment`, which a mapping writes to add a comment (Jira's
 * journal, like ServiceNow's work notes).
 */
function splitFields(fields: TicketFields): { status?: string; comment?: string; transitionFields: TicketFields; rest: TicketFields } {
  const rest: TicketFields = {};
  const transitionFields: TicketFields = {};
  let status: string | undefined;
  let comment: string | undefined;
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (field === 'status') status = value === null ? undefined : String(value);
    else if (field === 'comment') comment = value === null ? undefined : String(value);
    else if (TRANSITION_FIELDS.has(field)) transitionFields[field] = value;
    else rest[field] = value;
  }
  return { status, comment, transitionFields, rest };
}

function joinNotes(...notes: Array<string | undefined>): string | undefined {
  const text = notes.filter((note) => note !== undefined && note !== '').join('\n\n');
  return text === '' ? undefined : text;
}

/** The version of an issue: its `updated` time in milliseconds. */
export function versionOf(issue: JiraIssue): number | undefined {
  const updated = issue.fields.updated;
  if (typeof updated !== 'string') return undefined;
  const time = Date.parse(jiraTimeToIso(updated));
  return Number.isNaN(time) ? undefined : time;
}

/** Jira writes offsets without a colon (`+0000`), which Date.parse does not read everywhere. */
export function jiraTimeToIso(value: string): string {
  return value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

function isAssets(table: string): boolean {
  return table.startsWith('assets/');
}

const PROJECT_KEY = /^[A-Z][A-Z0-9_]{1,49}$/;

function validateProjectKey(table: string): void {
  if (!PROJECT_KEY.test(table)) {
    throw new JiraMappingError('target.table', `"${table}" is not a Jira project key: use the key in upper case, such as SEC.`);
  }
}

/** The correlation value is a label, so it must be one as it is. */
function checkCorrelation(correlation: string): void {
  if (toLabel(correlation) !== correlation) {
    throw new JiraMappingError('correlation', `The correlation value "${correlation}" cannot be a Jira label (no spaces, at most 255 characters); change correlation.prefix in the mapping.`);
  }
}

