/**
 * Jira field values flattened to the plain values that mappings and the change poller compare:
 * the same function serves the snapshot after a write and every poll, so both see one form.
 */

import type { JiraDeployment } from './auth.js';
import { isAdfDocument, readText } from './document.js';

/** Fields whose objects are read by `name`. */
const NAMED_FIELDS = new Set(['status', 'priority', 'resolution', 'issuetype', 'components', 'fixVersions', 'versions', 'security']);

/** Fields that hold wiki markup on Data Center, read as plain text like ADF on Cloud. */
const WIKI_TEXT_FIELDS = new Set(['description', 'environment']);

/** Options of `simplifyFieldValue`. */
export interface SimplifyOptions {
  /**
   * Ids of further fields that hold wiki markup on Data Center, such as multi-line text custom fields
   * (schema custom `com.atlassian.jira.plugin.system.customfieldtypes:textarea`). Plain-text fields
   * must not be listed: their backslashes and asterisks are not markup.
   */
  wikiTextFields?: ReadonlySet<string>;
}

/**
 * Flatten one field value read from Jira:
 * - `status`, `priority`, `resolution`, `issuetype`, `components`, `fixVersions`, `versions` → `name`;
 * - `project` → `key`, `statusCategory` → `key`, a JSM request type field → the request type id;
 * - option fields (`{value}`) → `value`;
 * - users → `accountId` on Cloud, `name` on Data Center;
 * - ADF documents → plain text, and on Data Center the wiki text of description, environment and
 *   `options.wikiTextFields` → plain text;
 * - arrays → element by element; null and undefined → null;
 * - strings (dates included), numbers and booleans as they are;
 * - other objects by `value`, `name`, `key` or `id`, and unchanged when they have none of these.
 *
 * @example
 * ```ts
 * simplifyFieldValue('priority', { id: '2', name: 'High' }, 'cloud'); // 'High'
 * simplifyFieldValue('assignee', { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Avery Agent' }, 'cloud'); // '5b10ac8d82e05b22cc7d4ef5'
 * simplifyFieldValue('labels', ['aws-securityhub'], 'cloud'); // ['aws-securityhub']
 * ```
 */
export function simplifyFieldValue(fieldId: string, value: unknown, deployment: JiraDeployment, options: SimplifyOptions = {}): unknown {
  if (value === null || value === undefined) {
    return null;
  }

  if (Array.isArray(value)) {
    return value.map((element) => simplifyFieldValue(fieldId, element, deployment, options));
  }

  if (typeof value === 'string') {
    const wikiText = deployment === 'datacenter' && (WIKI_TEXT_FIELDS.has(fieldId) || options.wikiTextFields?.has(fieldId) === true);
    return wikiText ? readText(value) : value;
  }

  if (!isRecord(value)) {
    return value;
  }

  if (isAdfDocument(value)) {
    return readText(value);
  }

  if ((fieldId === 'project' || fieldId === 'statusCategory') && typeof value.key === 'string') {
    return value.key;
  }

  if (NAMED_FIELDS.has(fieldId) && typeof value.name === 'string') {
    return value.name;
  }

  const user = readUser(value, deployment);
  if (user !== undefined) {
    return user;
  }

  // A JSM request type field (customfield_10010 on most Cloud sites) contains the request type.
  if (isRecord(value.requestType) && (typeof value.requestType.id === 'string' || typeof value.requestType.id === 'number')) {
    return String(value.requestType.id);
  }

  for (const key of ['value', 'name', 'key', 'id'] as const) {
    const candidate = value[key];
    if (typeof candidate === 'string' || typeof candidate === 'number') {
      return candidate;
    }
  }

  return value;
}

/**
 * Return the id of a user object, or undefined for other objects. Cloud users have an `accountId`.
 * Data Center users have `name` and `key` next to `displayName`, `emailAddress` or `active`, which
 * named objects such as versions lack.
 */
function readUser(value: Record<string, unknown>, deployment: JiraDeployment): string | undefined {
  if (deployment === 'cloud' && typeof value.accountId === 'string') {
    return value.accountId;
  }

  const looksLikeUser = typeof value.key === 'string' && ('displayName' in value || 'emailAddress' in value || 'active' in value);
  if (deployment === 'datacenter' && looksLikeUser && typeof value.name === 'string') {
    return value.name;
  }

  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
