/**
 * The Assets REST API of the Jira simulator: the routes under
 * `/jsm/assets/workspace/{workspaceId}/v1/...` (Cloud) and `/rest/assets/1.0/...` (Data Center).
 *
 * The simulator's HTTP server checks authentication and rate limits, then hands every request to
 * handleAssetsRequest, which responds to Assets paths and returns undefined for any other path.
 *
 * Served: `GET objectschema/list`, `GET objectschema/{id}`, `GET objectschema/{id}/objecttypes/flat`,
 * `GET objecttype/{id}`, `GET objecttype/{id}/attributes`, `GET config/statustype?objectSchemaId=`,
 * `POST object/create`, `GET|PUT|DELETE object/{id}`, and AQL search: `POST object/aql` on Cloud
 * (startAt, maxResults, isLast) and `GET aql/objects` on Data Center (page, resultPerPage,
 * totalFilterCount). Cloud responses carry ids as strings, Data Center responses as numbers.
 */

import { AssetsRequestError, AssetsStore, ATTRIBUTE_TYPES, DEFAULT_TYPES, type StoredAttribute, type StoredObject, type StoredObjectType, type StoredSchema, type StoredStatus } from './store.js';

export { AssetsStore, DEFAULT_ASSETS_WORKSPACE_ID, type AssetsObjectView, type AssetsStoreSnapshot } from './store.js';

/** A request as the simulator's server hands it over. */
export interface AssetsRequestContext {
  method: string;
  /** The URL path, without the query string. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined. */
  body: unknown;
  /** The authenticated user. */
  user: { login: string; displayName: string };
  deployment: 'cloud' | 'datacenter';
  /** The data to serve. Default: the module's store, see getAssetsStore. */
  store?: AssetsStore;
}

/** The response to send: status, JSON body and extra headers. */
export interface AssetsAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Page size of lists and searches when the request sets none (the Assets default). */
const DEFAULT_PAGE_SIZE = 25;

const CLOUD_PREFIX = /^\/jsm\/assets\/workspace\/([^/]+)\/v1(\/.*)?$/;
const DATA_CENTER_PREFIX = /^\/rest\/assets\/1\.0(\/.*)?$/;

let moduleStore = new AssetsStore();

/**
 * Return the store that handleAssetsRequest serves when the request names none. The Jira simulator
 * uses it for its test helpers and snapshots (`snapshot()`, `restore()`).
 */
export function getAssetsStore(): AssetsStore {
  return moduleStore;
}

/**
 * Replace the module's store, for example with `new AssetsStore()` when a simulator starts, so that
 * objects of an earlier simulator in the same process do not show. Returns the new store.
 */
export function resetAssetsStore(store: AssetsStore = new AssetsStore()): AssetsStore {
  moduleStore = store;
  return store;
}

/**
 * Respond to one request if its path is an Assets path for the deployment, else return undefined.
 * Invalid input gets the 400 responses Assets gives: `{errorMessages, errors}`.
 */
export function handleAssetsRequest(context: AssetsRequestContext): AssetsAnswer | undefined {
  const path = context.path.split('?')[0]!.replace(/\/+$/, '');
  const store = context.store ?? moduleStore;
  let subPath: string;

  if (context.deployment === 'cloud') {
    const match = CLOUD_PREFIX.exec(path);
    if (match === null) return undefined;
    if (decodeURIComponent(match[1]!) !== store.workspaceId) {
      return errorAnswer(404, `Assets workspace ${match[1]} does not exist. This simulator serves workspace ${store.workspaceId}.`);
    }
    subPath = match[2] ?? '';
  } else {
    const match = DATA_CENTER_PREFIX.exec(path);
    if (match === null) return undefined;
    subPath = match[1] ?? '';
  }

  const wire = new WireFormat(store, context.deployment);
  try {
    return route(context, subPath, store, wire);
  } catch (error) {
    if (error instanceof AssetsRequestError) return errorAnswer(error.status, error.message, error.errors);
    throw error;
  }
}

function route(context: AssetsRequestContext, subPath: string, store: AssetsStore, wire: WireFormat): AssetsAnswer {
  const method = context.method.toUpperCase();
  const segments = subPath.split('/').filter((segment) => segment !== '');
  const [first, second, third, fourth] = segments;
  const only = (allowed: string, answer: () => AssetsAnswer): AssetsAnswer => (method === allowed ? answer() : methodNotAllowed(allowed));

  if (first === 'objectschema' && second === 'list' && segments.length === 2) {
    return only('GET', () => listSchemas(context, store, wire));
  }
  if (first === 'objectschema' && segments.length === 2) {
    return only('GET', () => ({ status: 200, body: wire.schema(requireSchema(store, second)) }));
  }
  if (first === 'objectschema' && third === 'objecttypes' && fourth === 'flat' && segments.length === 4) {
    return only('GET', () => ({ status: 200, body: store.objectTypesOf(requireSchema(store, second).id).map((type) => wire.objectType(type)) }));
  }
  if (first === 'objecttype' && segments.length === 2) {
    return only('GET', () => ({ status: 200, body: wire.objectType(requireObjectType(store, second)) }));
  }
  if (first === 'objecttype' && third === 'attributes' && segments.length === 3) {
    return only('GET', () => ({ status: 200, body: store.attributesOf(requireObjectType(store, second).id).map((attribute) => wire.attribute(attribute)) }));
  }
  if (first === 'config' && second === 'statustype' && segments.length === 2) {
    return only('GET', () => listStatuses(context, store, wire));
  }
  if (first === 'object' && second === 'create' && segments.length === 2) {
    return only('POST', () => {
      const body = requireBody(context.body);
      return { status: 201, body: wire.object(store.createObject(body.objectTypeId, body.attributes), true) };
    });
  }
  if (first === 'object' && second === 'aql' && segments.length === 2 && context.deployment === 'cloud') {
    return only('POST', () => searchCloud(context, store, wire));
  }
  if (first === 'aql' && second === 'objects' && segments.length === 2 && context.deployment === 'datacenter') {
    return only('GET', () => searchDataCenter(context, store, wire));
  }
  if (first === 'object' && segments.length === 2) {
    return objectRoute(context, method, second!, store, wire);
  }

  return errorAnswer(404, `The Assets REST API has no resource ${subPath || '/'}.`);
}

function objectRoute(context: AssetsRequestContext, method: string, idText: string, store: AssetsStore, wire: WireFormat): AssetsAnswer {
  const id = parseId(idText);
  const notFound = () => errorAnswer(404, `No object with id ${idText}.`);
  if (id === undefined) return notFound();

  switch (method) {
    case 'GET': {
      const object = store.getObject(id);
      return object === undefined ? notFound() : { status: 200, body: wire.object(object, true) };
    }
    case 'PUT': {
      const body = requireBody(context.body);
      return { status: 200, body: wire.object(store.updateObject(id, body.objectTypeId, body.attributes), true) };
    }
    case 'DELETE': {
      const deleted = store.deleteObject(id);
      return context.deployment === 'cloud' ? { status: 204 } : { status: 200, body: wire.object(deleted, false) };
    }
    default:
      return methodNotAllowed('GET, PUT, DELETE');
  }
}

function listSchemas(context: AssetsRequestContext, store: AssetsStore, wire: WireFormat): AssetsAnswer {
  const schemas = store.listSchemas();
  if (context.deployment === 'datacenter') {
    return { status: 200, body: { objectschemas: schemas.map((schema) => wire.schema(schema)) } };
  }

  const startAt = readNumber(context.query, 'startAt', 0, 0);
  const maxResults = readNumber(context.query, 'maxResults', DEFAULT_PAGE_SIZE, 1);
  const page = schemas.slice(startAt, startAt + maxResults);
  return {
    status: 200,
    body: { startAt, maxResults, total: schemas.length, values: page.map((schema) => wire.schema(schema)), isLast: startAt + page.length >= schemas.length },
  };
}

function listStatuses(context: AssetsRequestContext, store: AssetsStore, wire: WireFormat): AssetsAnswer {
  const schemaIdText = context.query.get('objectSchemaId');
  const schemaId = schemaIdText === null ? undefined : requireSchema(store, schemaIdText).id;
  return { status: 200, body: store.statusesFor(schemaId).map((status) => wire.status(status)) };
}

function searchCloud(context: AssetsRequestContext, store: AssetsStore, wire: WireFormat): AssetsAnswer {
  const startAt = readNumber(context.query, 'startAt', 0, 0);
  const maxResults = readNumber(context.query, 'maxResults', DEFAULT_PAGE_SIZE, 1);
  const includeAttributes = context.query.get('includeAttributes') !== 'false';
  const body = requireBody(context.body);
  if (typeof body.qlQuery !== 'string') {
    throw new AssetsRequestError(400, 'The request body needs "qlQuery", the AQL query as a string.', { qlQuery: 'Missing.' });
  }

  const matches = store.search(body.qlQuery, { caseSensitiveNames: false });
  const page = matches.slice(startAt, startAt + maxResults);
  const isLast = startAt + page.length >= matches.length;
  return {
    status: 200,
    body: {
      startAt,
      maxResults,
      values: page.map((object) => wire.object(object, includeAttributes)),
      objectTypeAttributes: wire.attributesOfTypes(page),
      isLast,
      last: isLast,
    },
  };
}

function searchDataCenter(context: AssetsRequestContext, store: AssetsStore, wire: WireFormat): AssetsAnswer {
  const qlQuery = context.query.get('qlQuery') ?? context.query.get('iql');
  if (qlQuery === null) {
    throw new AssetsRequestError(400, 'The query parameter qlQuery is missing.', { qlQuery: 'Missing.' });
  }
  const page = readNumber(context.query, 'page', 1, 1);
  const resultPerPage = readNumber(context.query, 'resultPerPage', DEFAULT_PAGE_SIZE, 1);
  const includeAttributes = context.query.get('includeAttributes') !== 'false';

  // Data Center compares attribute names with regard to case.
  const matches = store.search(qlQuery, { caseSensitiveNames: true });
  const startIndex = (page - 1) * resultPerPage;
  const entries = matches.slice(startIndex, startIndex + resultPerPage);
  return {
    status: 200,
    body: {
      objectEntries: entries.map((object) => wire.object(object, includeAttributes)),
      objectTypeAttributes: wire.attributesOfTypes(entries),
      totalFilterCount: matches.length,
      startIndex,
      toIndex: startIndex + entries.length,
      pageObjectSize: entries.length,
      pageNumber: page,
      // Data Center's pageSize is the number of pages.
      pageSize: Math.ceil(matches.length / resultPerPage),
      orderWay: 'asc',
      qlQuery,
      qlQuerySearchResult: true,
      iql: qlQuery,
      iqlSearchResult: true,
      conversionPossible: false,
    },
  };
}

/**
 * Builds the JSON of schemas, types, attributes and objects as each deployment sends it: Cloud with
 * string ids and workspace fields, Data Center with number ids.
 */
class WireFormat {
  constructor(
    private readonly store: AssetsStore,
    private readonly deployment: 'cloud' | 'datacenter',
  ) {}

  id(value: number): string | number {
    return this.deployment === 'cloud' ? String(value) : value;
  }

  schema(schema: StoredSchema): Record<string, unknown> {
    const types = this.store.objectTypesOf(schema.id);
    return {
      ...this.workspaceFields(`schema-${schema.id}`),
      id: this.id(schema.id),
      name: schema.name,
      objectSchemaKey: schema.objectSchemaKey,
      status: 'Ok',
      description: schema.description,
      created: schema.created,
      updated: schema.created,
      objectCount: types.reduce((count, type) => count + this.store.countObjects(type.id), 0),
      objectTypeCount: types.length,
    };
  }

  objectType(type: StoredObjectType): Record<string, unknown> {
    return {
      ...this.workspaceFields(`type-${type.id}`),
      id: this.id(type.id),
      name: type.name,
      description: type.description,
      icon: { id: this.id(1), name: 'Server' },
      position: type.position,
      created: type.created,
      updated: type.created,
      objectSchemaId: this.id(type.objectSchemaId),
      inherited: false,
      abstractObjectType: false,
      parentObjectTypeInherited: false,
    };
  }

  attribute(attribute: StoredAttribute): Record<string, unknown> {
    const referenced = attribute.referenceObjectTypeId === undefined ? undefined : this.store.getObjectType(attribute.referenceObjectTypeId);
    const defaultType = Object.values(DEFAULT_TYPES).find(([id]) => id === attribute.defaultTypeId);
    return {
      ...this.workspaceFields(`attribute-${attribute.id}`),
      id: this.id(attribute.id),
      objectType: this.objectType(this.store.getObjectType(attribute.objectTypeId)!),
      name: attribute.name,
      label: attribute.label,
      type: attribute.type,
      description: attribute.description,
      ...(attribute.type === ATTRIBUTE_TYPES.default && defaultType ? { defaultType: { id: defaultType[0], name: defaultType[1] } } : {}),
      ...(attribute.type === ATTRIBUTE_TYPES.status ? { typeValueMulti: attribute.statusIds.map(String) } : {}),
      ...(referenced === undefined
        ? {}
        : { referenceType: { id: this.id(1), name: 'Reference' }, referenceObjectTypeId: this.id(referenced.id), referenceObjectType: this.objectType(referenced) }),
      editable: attribute.editable,
      system: attribute.system,
      sortable: true,
      summable: false,
      indexed: true,
      minimumCardinality: attribute.minimumCardinality,
      maximumCardinality: attribute.maximumCardinality,
      removable: !attribute.system,
      hidden: false,
      includeChildObjectTypes: false,
      uniqueAttribute: false,
      options: '',
      position: attribute.position,
    };
  }

  status(status: StoredStatus): Record<string, unknown> {
    return {
      ...this.workspaceFields(`status-${status.id}`),
      id: this.id(status.id),
      name: status.name,
      description: status.description,
      category: status.category,
      ...(status.objectSchemaId === undefined ? {} : { objectSchemaId: this.id(status.objectSchemaId) }),
    };
  }

  object(object: StoredObject, includeAttributes: boolean): Record<string, unknown> {
    const type = this.store.getObjectType(object.objectTypeId)!;
    const answer: Record<string, unknown> = {
      ...this.workspaceFields(String(object.id)),
      id: this.id(object.id),
      label: this.store.labelOf(object),
      objectKey: object.objectKey,
      avatar: { objectId: this.id(object.id) },
      objectType: this.objectType(type),
      created: object.created,
      updated: object.updated,
      hasAvatar: false,
      timestamp: Date.parse(object.updated),
      _links: { self: `/secure/insight/assets/${object.objectKey}` },
    };

    if (includeAttributes) {
      answer.attributes = this.store
        .attributesOf(type.id)
        .map((attribute) => ({ attribute, values: this.attributeValues(object, attribute) }))
        .filter(({ values }) => values.length > 0)
        .map(({ attribute, values }) => ({
          ...this.workspaceFields(`${object.id}-${attribute.id}`),
          id: this.id(object.id * 1000 + attribute.id),
          objectTypeAttributeId: this.id(attribute.id),
          objectAttributeValues: values,
          objectId: this.id(object.id),
        }));
    }
    return answer;
  }

  /** Return the attribute definitions of the types of some objects, as AQL responses list them. */
  attributesOfTypes(objects: StoredObject[]): Array<Record<string, unknown>> {
    const typeIds = [...new Set(objects.map((object) => object.objectTypeId))];
    return typeIds.flatMap((typeId) => this.store.attributesOf(typeId).map((attribute) => this.attribute(attribute)));
  }

  private attributeValues(object: StoredObject, attribute: StoredAttribute): Array<Record<string, unknown>> {
    if (attribute.system) {
      const systemValues: Record<string, string> = { Key: object.objectKey, Created: object.created, Updated: object.updated };
      const value = systemValues[attribute.name];
      return value === undefined ? [] : [{ value, displayValue: value, searchValue: value, referencedType: false }];
    }

    const stored = object.values[String(attribute.id)] ?? [];
    return stored.map((value) => {
      if (attribute.type === ATTRIBUTE_TYPES.status) {
        const status = this.store.getStatus(Number(value));
        return { displayValue: status?.name ?? value, searchValue: status?.name ?? value, referencedType: false, status: status === undefined ? undefined : this.status(status) };
      }
      if (attribute.type === ATTRIBUTE_TYPES.reference) {
        const referenced = this.store.getObject(Number(value));
        if (referenced === undefined) return { displayValue: value, searchValue: value, referencedType: true };
        return {
          displayValue: this.store.labelOf(referenced),
          searchValue: referenced.objectKey,
          referencedType: true,
          referencedObject: this.object(referenced, false),
        };
      }
      return { value, displayValue: value, searchValue: value, referencedType: false };
    });
  }

  private workspaceFields(localId: string): Record<string, unknown> {
    if (this.deployment !== 'cloud') return {};
    return { workspaceId: this.store.workspaceId, globalId: `${this.store.workspaceId}:${localId}` };
  }
}

function requireSchema(store: AssetsStore, idText: string | undefined): StoredSchema {
  const id = parseId(idText);
  const schema = id === undefined ? undefined : store.getSchema(id);
  if (schema === undefined) throw new AssetsRequestError(404, `No object schema with id ${idText}.`);
  return schema;
}

function requireObjectType(store: AssetsStore, idText: string | undefined): StoredObjectType {
  const id = parseId(idText);
  const type = id === undefined ? undefined : store.getObjectType(id);
  if (type === undefined) throw new AssetsRequestError(404, `No object type with id ${idText}.`);
  return type;
}

function requireBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AssetsRequestError(400, 'The request needs a JSON object body.');
  }
  return body as Record<string, unknown>;
}

function parseId(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function readNumber(query: URLSearchParams, name: string, fallback: number, minimum: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new AssetsRequestError(400, `Invalid query parameter ${name}=${text}: expected a whole number of at least ${minimum}.`, { [name]: 'Invalid number.' });
  }
  return value;
}

function errorAnswer(status: number, message: string, errors: Record<string, string> = {}): AssetsAnswer {
  return { status, body: { errorMessages: [message], errors } };
}

function methodNotAllowed(allowed: string): AssetsAnswer {
  return { ...errorAnswer(405, `Method not allowed here; use ${allowed}.`), headers: { Allow: allowed } };
}
