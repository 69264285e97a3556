/**
 * The issue changelog: an entry per edit or transition that changed a field, with who made it and
 * when, as `expand=changelog` shows it on `GET /issue/{key}` and on search results.
 */

import { adfToText } from './adf.js';
import type { HistoryItem, HistoryRecord, IssueRecord } from './issue-store.js';
import type { ViewContext } from './issue-views.js';
import type { JiraSite } from './site.js';
import { formatJiraTimestamp } from './time.js';
import { platformUserJson } from './users.js';

/**
 * How many entries `expand=changelog` includes.
 *
 * NOTE: an assumption, taken from the maximum page size of `GET /issue/{key}/changelog` (100); the
 * REST reference gives no number for the expansion. The simulator does not serve that endpoint.
 */
const MAX_EXPANDED_HISTORIES = 100;

/** Return the changelog items between two versions of an issue record: one per changed field. */
export function changeItems(site: JiraSite, before: IssueRecord, after: IssueRecord): HistoryItem[] {
  const items: HistoryItem[] = [];
  const system = (fieldId: string, from: string | null, fromString: string | null, to: string | null, toString: string | null): void => {
    items.push({ field: fieldId, fieldId, fieldtype: 'jira', from, fromString, to, toString });
  };
  const userRef = (login: string | null): string | null => {
    const user = login === null ? undefined : site.users.find(login);
    if (user === undefined) return null;
    return site.deployment === 'cloud' ? user.accountId : user.name;
  };
  const userName = (login: string | null): string | null => (login === null ? null : (site.users.find(login)?.displayName ?? login));

  if (before.summary !== after.summary) system('summary', null, before.summary, null, after.summary);
  if (before.statusId !== after.statusId) {
    system('status', before.statusId, site.status(before.statusId).name, after.statusId, site.status(after.statusId).name);
  }
  if (before.resolutionId !== after.resolutionId) {
    const name = (id: string | null): string | null => (id === null ? null : (site.findResolution(id)?.name ?? id));
    system('resolution', before.resolutionId, name(before.resolutionId), after.resolutionId, name(after.resolutionId));
  }
  if (before.priorityId !== after.priorityId) {
    const name = (id: string | null): string | null => (id === null ? null : (site.findPriority(id)?.name ?? id));
    system('priority', before.priorityId, name(before.priorityId), after.priorityId, name(after.priorityId));
  }
  if (before.labels.join(' ') !== after.labels.join(' ')) {
    system('labels', null, before.labels.join(' ') || null, null, after.labels.join(' ') || null);
  }
  if (before.assignee !== after.assignee) system('assignee', userRef(before.assignee), userName(before.assignee), userRef(after.assignee), userName(after.assignee));
  if (before.reporter !== after.reporter) system('reporter', userRef(before.reporter), userName(before.reporter), userRef(after.reporter), userName(after.reporter));

  const fieldIds = new Set([...Object.keys(before.values), ...Object.keys(after.values)]);
  for (const fieldId of fieldIds) {
    const from = before.values[fieldId];
    const to = after.values[fieldId];
    if (JSON.stringify(from) === JSON.stringify(to)) continue;

    const field = site.field(fieldId);
    const custom = field?.custom === true;
    // Select fields keep option ids; other values are shown as text only.
    const reference = (value: unknown): string | null => (field?.kind === 'select' || field?.kind === 'requestType') && value != null ? String(value) : null;
    const text = (value: unknown): string | null => {
      if (value === undefined || value === null) return null;
      if (field?.kind === 'select') return field.options?.find((option) => option.id === value)?.value ?? String(value);
      if (typeof value === 'object') return adfToText(value);
      return String(value);
    };
    items.push({
      field: custom ? (field?.name ?? fieldId) : fieldId,
      fieldId,
      fieldtype: custom ? 'custom' : 'jira',
      from: reference(from),
      fromString: text(from),
      to: reference(to),
      toString: text(to),
    });
  }
  return items;
}

/**
 * Render a record's changelog for `expand=changelog`: the newest entries first, as the Jira Cloud
 * REST reference describes the expansion ("sorted by date, starting from the most recent").
 */
export function changelogJson(context: ViewContext, record: IssueRecord): Record<string, unknown> {
  const apiBase = `${context.baseUrl}/rest/api/${context.apiVersion}`;
  const shown = record.history.slice(-MAX_EXPANDED_HISTORIES).reverse();
  return {
    startAt: 0,
    maxResults: shown.length,
    total: record.history.length,
    histories: shown.map((entry) => historyJson(context, apiBase, entry)),
  };
}

function historyJson(context: ViewContext, apiBase: string, entry: HistoryRecord): Record<string, unknown> {
  const author = context.site.users.find(entry.author);
  return {
    id: entry.id,
    author: author === undefined ? null : platformUserJson(author, context.site.deployment, apiBase),
    created: formatJiraTimestamp(entry.created, context.timeZone),
    items: entry.items.map((item) => ({ ...item })),
  };
}
