import type { TicketFields } from '../../core/types.js';
import type { JiraClient, JiraDeployment } from './client.js';
import { limitRenderedText, limitSummary, stripControlCharacters, toLabel } from './field-limits.js';
import { renderText } from './document.js';
import { JiraMappingError } from './target-errors.js';

/** Longest value of a multi-line text field, counted on the rendered value. */
const LONG_TEXT_LIMIT = 32_767;

/** What the connector needs to know of one Jira field to write it. */
export interface FieldInfo {
  id: string;
  name: string;
  /** `schema.type`: string, number, user, option, array, priority, … */
  type?: string;
  /** `schema.items` of array fields. */
  items?: string;
  /** `schema.custom` of custom fields, such as `…:textarea`. */
  custom?: string;
}

/** Fields whose value names an object (`{ name }`), so a mapping can write the plain name. */
const NAMED_FIELDS = new Set(['priority', 'resolution', 'issuetype', 'security']);
const NAMED_LIST_FIELDS = new Set(['components', 'fixVersions', 'versions']);
const RICH_TEXT_FIELDS = new Set(['description', 'environment']);

/**
 * The fields of a Jira site, read once (`GET /field`), so values can be written in the form each
 * field takes. Mappings name fields by id (summary, customfield_10050).
 */
export class JiraFieldCatalog {
  private fields: Promise<Map<string, FieldInfo>> | undefined;

  constructor(private readonly client: JiraClient) {}

  async get(): Promise<Map<string, FieldInfo>> {
    const fields = (this.fields ??= this.client.listFields().then(
      (list) =>
        new Map(
          list.map((field) => [
            field.id,
            { id: field.id, name: field.name, type: field.schema?.type, items: (field.schema as { items?: string } | undefined)?.items, custom: field.schema?.custom },
          ]),
        ),
    ));
    // A failed read is tried again on the next write.
    fields.catch(() => (this.fields = undefined));
    return fields;
  }
}

/**
 * Turn the values a mapping produced into the values the Jira REST API takes:
 * - text is stripped of control characters and cut to the field's limit, counted on the rendered
 *   value (ADF on Cloud, wiki markup on Data Center), with a pointer to `recordLabel` for the rest;
 * - names become objects for priority, resolution, issue type, components and versions; account
 *   ids (Cloud) or user names (Data Center) become user objects; option values become `{ value }`;
 * - labels lose their spaces.
 * Values that already are objects pass as they are, so a mapping can build any value itself.
 */
export function toJiraFields(
  fields: TicketFields,
  catalog: Map<string, FieldInfo>,
  deployment: JiraDeployment,
  recordLabel: string,
): Record<string, unknown> {
  const converted: Record<string, unknown> = {};

  for (const [id, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const info = catalog.get(id);
    if (info === undefined && catalog.size > 0) {
      throw new JiraMappingError(
        id,
        `Jira has no field "${id}". Mappings name Jira fields by id (summary, priority, customfield_10050); ` +
          'GET /rest/api/3/field (or /rest/api/2/field) lists the ids of your site.',
      );
    }
    if (value === null) converted[id] = null;
    else if (Array.isArray(value)) converted[id] = toJiraList(id, value, info, deployment, recordLabel);
    else converted[id] = toJiraValue(id, value, info, deployment, recordLabel);
  }
  return converted;
}

function toJiraValue(id: string, value: unknown, info: FieldInfo | undefined, deployment: JiraDeployment, recordLabel: string): unknown {
  if (typeof value === 'object') return value;
  const text = stripControlCharacters(String(value));

  if (id === 'summary') return limitSummary(text);
  if (RICH_TEXT_FIELDS.has(id) || info?.custom?.endsWith(':textarea')) {
    return renderText(limitRenderedText(text, deployment, LONG_TEXT_LIMIT, recordLabel), deployment);
  }
  if (id === 'labels' || info?.custom?.endsWith(':labels')) return [toLabel(text)];
  if (NAMED_FIELDS.has(id)) return /^\d+$/.test(text) ? { id: text } : { name: text };
  if (NAMED_LIST_FIELDS.has(id)) return [{ name: text }];

  switch (info?.type) {
    case 'user':
      return deployment === 'cloud' ? { accountId: text } : { name: text };
    case 'option':
      return { value: text };
    case 'number':
      return Number(text);
    case 'array':
      if (info.items === 'option') return [{ value: text }];
      if (info.items === 'string') return [text];
      return value;
    case 'string':
      return info.custom?.endsWith(':textfield') ? limitSummary(text) : text;
    default:
      return typeof value === 'string' ? text : value;
  }
}

/** Lists of labels, components and options: each element is converted; objects pass as they are. */
function toJiraList(id: string, values: unknown[], info: FieldInfo | undefined, deployment: JiraDeployment, recordLabel: string): unknown[] {
  return values.flatMap((value) => {
    if (value === null || value === undefined) return [];
    const converted = toJiraValue(id, value, info, deployment, recordLabel);
    return Array.isArray(converted) ? converted : [converted];
  });
}
