import { pino, type Logger } from 'pino';

import { Aql } from './aql.js';
import { isNotFoundError, type AssetsHttp, type AssetsRequest } from './assets-http.js';
import {
  ATTRIBUTE_TYPE,
  asArray,
  parseAttribute,
  parseObject,
  parseObjectType,
  parseSchema,
  parseStatus,
  type AssetsAttribute,
  type AssetsAttributeInput,
  type AssetsDeployment,
  type AssetsObject,
  type AssetsObjectType,
  type AssetsSchema,
  type AssetsStatus,
} from './assets-types.js';
import { readAttributeValue, toAttributeValues, type PlainAttributeValue } from './assets-values.js';
import { AssetsConfigurationError, AssetsInputError, AssetsResponseError } from './errors.js';

/** Objects per AQL page unless the caller sets another size. */
const DEFAULT_PAGE_SIZE = 50;

/** Maximum page size accepted. Assets may return fewer objects per page than requested. */
const MAX_PAGE_SIZE = 1000;

/** Pages one search may read before it is aborted, so a server that never ends a search cannot hang a pass. */
const DEFAULT_MAX_PAGES = 1000;

/** Settings of an AssetsClient. */
export interface AssetsClientOptions {
  /** Sends the requests: the Jira client, or a test double. */
  http: AssetsHttp;
  /** `cloud` or `datacenter`: they differ in the AQL endpoint and in how ids are written. */
  deployment: AssetsDeployment;
  /**
   * Base URL of the Assets REST API, without a trailing slash. Cloud:
   * `https://api.atlassian.com/jsm/assets/workspace/{workspaceId}/v1`. Data Center:
   * `https://jira.example.com/rest/assets/1.0`, or `/rest/assets/1.0` to make every path relative
   * to the Jira client's base URL.
   */
  baseUrl: string;
  /** Objects per AQL page, 1 to 1000. Default 50. */
  pageSize?: number;
  /** Pages one search may read before it fails. Default 1000. */
  maxPages?: number;
  logger?: Logger;
}

/** The id and name of an object type: enough to read its attributes and write its objects. */
export type ObjectTypeRef = Pick<AssetsObjectType, 'id' | 'name'>;

/** An object type with the schema it belongs to. */
export interface ResolvedObjectType {
  schema: AssetsSchema;
  objectType: AssetsObjectType;
}

/**
 * Client of the Jira Service Management Assets REST API (the CMDB on Jira), on Cloud and Data Center.
 *
 * Schemas, object types, attributes and status types are read once and cached for the life of the
 * client, so callers name them (`AWS`, `EC2 Instance`, `Resource ID`) and the client finds the ids.
 * A name that does not exist raises AssetsConfigurationError listing the names that do.
 *
 * @example
 * ```ts
 * const assets = new AssetsClient({ http: jiraClient, deployment: 'cloud', baseUrl: `https://api.atlassian.com/jsm/assets/workspace/${workspaceId}/v1` });
 * const { objectType } = await assets.resolveObjectType('AWS', 'EC2 Instance');
 * const created = await assets.createObject(objectType, { Name: 'orders-api-prod-2', 'Resource ID': 'i-0a1b2c3d4e5f60718' });
 * for await (const object of assets.searchObjects(new Aql().objectTypeId(objectType.id).equals('Resource ID', 'i-0a1b2c3d4e5f60718'))) {
 *   console.log(object.objectKey);
 * }
 * ```
 */
export class AssetsClient {
  readonly deployment: AssetsDeployment;
  readonly baseUrl: string;
  private readonly http: AssetsHttp;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly logger: Logger;

  // Caches hold promises, so that concurrent first lookups share one request.
  private readonly schemas = new Map<'all', Promise<AssetsSchema[]>>();
  private readonly objectTypes = new Map<string, Promise<AssetsObjectType[]>>();
  private readonly attributes = new Map<string, Promise<AssetsAttribute[]>>();
  private readonly statuses = new Map<string, Promise<AssetsStatus[]>>();

  constructor(options: AssetsClientOptions) {
    if (options.deployment !== 'cloud' && options.deployment !== 'datacenter') {
      throw new AssetsInputError('deployment', `Invalid Assets deployment ${JSON.stringify(options.deployment)}: use "cloud" or "datacenter".`);
    }
    if (!/^(https?:\/\/[^/]+)?\/\S*$/.test(options.baseUrl) && !/^https?:\/\/[^/]+$/.test(options.baseUrl)) {
      throw new AssetsInputError(
        'baseUrl',
        `Invalid Assets base URL ${JSON.stringify(options.baseUrl)}: give an http(s) URL such as ` +
          'https://api.atlassian.com/jsm/assets/workspace/<workspace id>/v1 (Cloud) or https://jira.example.com/rest/assets/1.0 (Data Center).',
      );
    }
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new AssetsInputError('pageSize', `Invalid Assets page size ${pageSize}: pageSize must be a whole number between 1 and ${MAX_PAGE_SIZE}.`);
    }
    const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    if (!Number.isInteger(maxPages) || maxPages < 1) {
      throw new AssetsInputError('maxPages', `Invalid Assets page limit ${maxPages}: maxPages must be a whole number of at least 1.`);
    }

    this.http = options.http;
    this.deployment = options.deployment;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.pageSize = pageSize;
    this.maxPages = maxPages;
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  /** Return the object schema with this key (`AWS`), compared without regard to case. */
  async getSchema(key: string): Promise<AssetsSchema> {
    const schemas = await this.cachedIn(this.schemas, 'all', () => this.listSchemas());
    const match = schemas.find((schema) => schema.objectSchemaKey === key) ?? schemas.find((schema) => schema.objectSchemaKey.toLowerCase() === key.toLowerCase());

    if (match === undefined) {
      const keys = schemas.map((schema) => `${schema.objectSchemaKey} (${schema.name})`).join(', ') || 'none visible to this user';
      throw new AssetsConfigurationError(
        `Assets has no object schema with key "${key}". Schemas: ${keys}. Use one of these keys in the sync rule's table ` +
          '(assets/<schema key>/<object type>), or give the integration user access to the schema.',
        'schema',
        key,
      );
    }
    return match;
  }

  /** Return the object type named `typeName` in the schema with key `schemaKey`, with that schema. */
  async resolveObjectType(schemaKey: string, typeName: string): Promise<ResolvedObjectType> {
    const schema = await this.getSchema(schemaKey);
    const types = await this.cachedIn(this.objectTypes, schema.id, () => this.listObjectTypes(schema));
    const match = findByName(types, typeName);

    if (match === undefined) {
      const names = types.map((type) => `"${type.name}"`).join(', ') || 'none';
      throw new AssetsConfigurationError(
        `Object schema ${schema.objectSchemaKey} has no object type "${typeName}". Object types: ${names}. ` +
          "Fix the object type in the sync rule's table, or create the type in Assets.",
        'object-type',
        typeName,
      );
    }
    return { schema, objectType: match };
  }

  /** Return the attributes of an object type, system attributes (Key, Created, Updated) included. */
  async getAttributes(objectType: ObjectTypeRef): Promise<AssetsAttribute[]> {
    return this.cachedIn(this.attributes, objectType.id, async () => {
      const operation = `read attributes of object type ${objectType.name}`;
      const answer = await this.send<unknown>({ operation, method: 'GET', path: `/objecttype/${encodeURIComponent(objectType.id)}/attributes` });
      return asArray(answer, operation, 'attributes').map((raw) => parseAttribute(raw, operation));
    });
  }

  /**
   * Return the attribute named `name` of an object type. Throws AssetsConfigurationError naming the
   * object type and listing its attributes when there is none.
   */
  async getAttribute(objectType: ObjectTypeRef, name: string): Promise<AssetsAttribute> {
    const attributes = await this.getAttributes(objectType);
    const match = findByName(attributes, name);

    if (match === undefined) {
      const names = attributes.map((attribute) => `"${attribute.name}"`).join(', ');
      throw new AssetsConfigurationError(
        `Object type "${objectType.name}" has no attribute "${name}". Its attributes: ${names}. ` +
          'Fix the field name in the sync rule, or add the attribute to the object type in Assets.',
        'attribute',
        name,
      );
    }
    return match;
  }

  /** Return the status types an object schema can use: its own and the global ones. */
  async getStatuses(schemaId: string): Promise<AssetsStatus[]> {
    return this.cachedIn(this.statuses, schemaId, async () => {
      const operation = `read status types of object schema ${schemaId}`;
      const answer = await this.send<unknown>({ operation, method: 'GET', path: '/config/statustype', params: { objectSchemaId: schemaId } });
      return asArray(answer, operation, 'status types').map((raw) => parseStatus(raw, operation));
    });
  }

  /**
   * Convert values by attribute NAME to the attribute list that the create and update calls take.
   * Throws AssetsConfigurationError for an unknown attribute or status, and AssetsInputError for a
   * system attribute (Key, Created, Updated) or a value the attribute cannot hold.
   */
  async toAttributeInputs(objectType: AssetsObjectType, values: Record<string, unknown>): Promise<AssetsAttributeInput[]> {
    const inputs: AssetsAttributeInput[] = [];

    for (const [name, value] of Object.entries(values)) {
      const attribute = await this.getAttribute(objectType, name);
      if (attribute.system || !attribute.editable) {
        throw new AssetsInputError(
          'field',
          `Attribute "${attribute.name}" of object type "${objectType.name}" is set by Assets and cannot be written. Remove it from the sync rule's fields.`,
        );
      }

      const statuses = attribute.type === ATTRIBUTE_TYPE.status ? await this.getStatuses(objectType.objectSchemaId) : [];
      inputs.push({ objectTypeAttributeId: attribute.id, objectAttributeValues: toAttributeValues(objectType, attribute, value, statuses) });
    }

    return inputs;
  }

  /** Create an object of `objectType` with attribute values by name, and return it as stored. */
  async createObject(objectType: AssetsObjectType, values: Record<string, unknown>): Promise<AssetsObject> {
    const attributes = await this.toAttributeInputs(objectType, values);
    const operation = `create ${objectType.name} object`;
    const answer = await this.send<unknown>({
      operation,
      method: 'POST',
      path: '/object/create',
      body: { objectTypeId: this.wireId(objectType.id), attributes: this.wireAttributes(attributes) },
    });
    return parseObject(answer, operation);
  }

  /**
   * Write the given attributes, by name, of an object, and return the object after the write.
   * Attributes not named keep their values.
   */
  async updateObject(objectType: AssetsObjectType, objectId: string, values: Record<string, unknown>): Promise<AssetsObject> {
    return this.writeAttributes(objectType, objectId, await this.toAttributeInputs(objectType, values));
  }

  /**
   * Write attribute values given by attribute id, as the API takes them (reference keys, status
   * ids), and return the object after the write. For changes the name-based update cannot express,
   * such as adding one reference.
   */
  async writeAttributes(objectType: ObjectTypeRef, objectId: string, attributes: AssetsAttributeInput[]): Promise<AssetsObject> {
    const operation = `update ${objectType.name} object ${objectId}`;
    const answer = await this.send<unknown>({
      operation,
      method: 'PUT',
      path: `/object/${encodeURIComponent(objectId)}`,
      body: { objectTypeId: this.wireId(objectType.id), attributes: this.wireAttributes(attributes) },
    });
    return parseObject(answer, operation);
  }

  /** Return an object with its attributes, or undefined when it does not exist (HTTP 404). */
  async getObject(objectId: string): Promise<AssetsObject | undefined> {
    const operation = `read object ${objectId}`;
    try {
      const answer = await this.send<unknown>({ operation, method: 'GET', path: `/object/${encodeURIComponent(objectId)}` });
      return parseObject(answer, operation);
    } catch (error) {
      if (isNotFoundError(error)) return undefined;
      throw error;
    }
  }

  /**
   * Iterate over the objects an AQL query finds, with their attributes, each object once.
   *
   * Cloud pages with `startAt`/`maxResults` on `POST /object/aql` and ends at `isLast`. Data Center
   * pages with `page`/`resultPerPage` on `GET /aql/objects` and ends when `totalFilterCount` objects
   * are read. Without those markers, a short page ends the search, and an empty page always does. A
   * search that reads more than `maxPages` pages throws AssetsResponseError instead of returning
   * part of the result.
   */
  async *searchObjects(query: Aql | string, options: { pageSize?: number } = {}): AsyncIterable<AssetsObject> {
    const qlQuery = query.toString();
    const pageSize = options.pageSize ?? this.pageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new AssetsInputError('pageSize', `Invalid Assets page size ${pageSize}: pageSize must be a whole number between 1 and ${MAX_PAGE_SIZE}.`);
    }
    const seen = new Set<string>();
    let startAt = 0;

    for (let page = 0; ; page += 1) {
      if (page >= this.maxPages) {
        throw new AssetsResponseError(
          'search objects',
          `The AQL search ${JSON.stringify(qlQuery)} did not end after ${this.maxPages} pages of ${pageSize} objects. ` +
            'Narrow the query, or raise maxPages when the object type really has that many objects.',
        );
      }

      const { objects, last } = await this.searchPage(qlQuery, startAt, page, pageSize);

      for (const object of objects) {
        // An object created or changed during the search can move to a later page and be read twice.
        if (seen.has(object.id)) continue;
        seen.add(object.id);
        yield object;
      }

      if (last || objects.length === 0) return;
      startAt += objects.length;
    }
  }

  /** Return the plain values of the named attributes of an object (see assets-values.ts). */
  async readValues(objectType: ObjectTypeRef, object: AssetsObject, names: readonly string[]): Promise<Record<string, PlainAttributeValue>> {
    const values: Record<string, PlainAttributeValue> = {};
    for (const name of names) {
      const attribute = await this.getAttribute(objectType, name);
      values[name] = readAttributeValue(attribute, object.attributes.get(attribute.id));
    }
    return values;
  }

  /**
   * Read one page of an AQL search: the page that starts at object `startAt` (Cloud) or page number
   * `page` counted from 0 (Data Center). `last` is true when no page follows.
   */
  private async searchPage(qlQuery: string, startAt: number, page: number, pageSize: number): Promise<{ objects: AssetsObject[]; last: boolean }> {
    const operation = 'search objects';

    if (this.deployment === 'cloud') {
      const answer = await this.send<Record<string, unknown>>({
        operation,
        method: 'POST',
        path: '/object/aql',
        params: { startAt: String(startAt), maxResults: String(pageSize), includeAttributes: 'true' },
        body: { qlQuery },
      });
      const objects = asArray(answer?.values, operation, 'objects').map((raw) => parseObject(raw, operation));
      return { objects, last: isLastPage(answer, objects.length, pageSize) };
    }

    // Data Center searches with GET /aql/objects, its AQL endpoint as the jira.js Data Center client
    // calls it. It numbers pages from 1 and counts the matches in totalFilterCount.
    const answer = await this.send<Record<string, unknown>>({
      operation,
      method: 'GET',
      path: '/aql/objects',
      params: { qlQuery, page: String(page + 1), resultPerPage: String(pageSize), includeAttributes: 'true' },
    });
    const objects = asArray(answer?.objectEntries, operation, 'objects').map((raw) => parseObject(raw, operation));
    const total = answer.totalFilterCount;
    const last = typeof total === 'number' ? startAt + objects.length >= total : objects.length < pageSize;
    return { objects, last };
  }

  /** Read every object schema; Cloud pages the list, Data Center returns it whole. */
  private async listSchemas(): Promise<AssetsSchema[]> {
    const operation = 'list object schemas';
    const schemas: AssetsSchema[] = [];

    for (let page = 0; page < this.maxPages; page += 1) {
      const answer = await this.send<Record<string, unknown>>({
        operation,
        method: 'GET',
        path: '/objectschema/list',
        params: { startAt: String(schemas.length), maxResults: String(this.pageSize) },
      });

      if (answer !== null && typeof answer === 'object' && 'objectschemas' in answer) {
        return asArray(answer.objectschemas, operation, 'object schemas').map((raw) => parseSchema(raw, operation));
      }

      const values = asArray(answer?.values, operation, 'object schemas').map((raw) => parseSchema(raw, operation));
      schemas.push(...values);
      if (values.length === 0 || isLastPage(answer, values.length, this.pageSize)) return schemas;
    }

    throw new AssetsResponseError(operation, `The list of object schemas did not end after ${this.maxPages} pages.`);
  }

  private async listObjectTypes(schema: AssetsSchema): Promise<AssetsObjectType[]> {
    const operation = `list object types of schema ${schema.objectSchemaKey}`;
    const answer = await this.send<unknown>({ operation, method: 'GET', path: `/objectschema/${encodeURIComponent(schema.id)}/objecttypes/flat` });
    return asArray(answer, operation, 'object types').map((raw) => parseObjectType(raw, operation));
  }

  private send<T>(request: AssetsRequest): Promise<T> {
    this.logger.debug({ operation: request.operation, method: request.method, path: request.path }, 'Assets request');
    return this.http.send<T>({ ...request, path: `${this.baseUrl}${request.path}` });
  }

  /** Data Center takes ids as numbers, Cloud as strings. */
  private wireId(id: string): string | number {
    return this.deployment === 'datacenter' && /^\d+$/.test(id) ? Number(id) : id;
  }

  private wireAttributes(attributes: AssetsAttributeInput[]): unknown[] {
    return attributes.map((attribute) => ({ ...attribute, objectTypeAttributeId: this.wireId(attribute.objectTypeAttributeId) }));
  }

  private async cachedIn<Key, Value>(cache: Map<Key, Promise<Value>>, key: Key, load: () => Promise<Value>): Promise<Value> {
    let loading = cache.get(key);
    if (loading === undefined) {
      loading = load();
      cache.set(key, loading);
      // A failed lookup is not cached, so the next call sends the request again.
      loading.catch(() => {
        if (cache.get(key) === loading) cache.delete(key);
      });
    }
    return loading;
  }
}

/**
 * Return true when a Cloud page is the last: `isLast` is true, or the server leaves `isLast` out and
 * the page is shorter than the page size it reports (or the one requested).
 */
function isLastPage(answer: Record<string, unknown>, count: number, requested: number): boolean {
  if (answer.isLast === true || answer.last === true) return true;
  if (answer.isLast === false || answer.last === false) return false;
  const pageSize = typeof answer.maxResults === 'number' && answer.maxResults > 0 ? answer.maxResults : requested;
  return count < pageSize;
}

/** Find by exact name, then by the only name equal without regard to case. */
function findByName<Item extends { name: string }>(items: readonly Item[], name: string): Item | undefined {
  const exact = items.find((item) => item.name === name);
  if (exact !== undefined) return exact;
  const folded = items.filter((item) => item.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}
