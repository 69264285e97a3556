/**
 * The in-memory data of the Assets simulator: object schemas, object types, attributes, status
 * types and objects, with the validation the Assets REST API applies to writes.
 *
 * Values are stored as the API takes them: text as given, status attributes as status ids and
 * reference attributes as object ids. The routes turn the stored data into the API's responses.
 */

import { checkAttributes, compareForOrder, matchesAql, parseAql, type AqlSubject } from './aql-engine.js';
import { attributesOf, AWS_OBJECT_TYPES, AWS_SCHEMA_KEY, AWS_SCHEMA_NAME, AWS_STATUSES, type AttributeDefinition } from './aws-schema.js';

/** Attribute types as the API numbers them (`ObjectTypeAttribute.type`). */
export const ATTRIBUTE_TYPES = { default: 0, reference: 1, status: 7 } as const;

/** Value types of default attributes (`defaultType.id`) and their names. */
export const DEFAULT_TYPES = { text: [0, 'Text'], integer: [1, 'Integer'], boolean: [2, 'Boolean'], dateTime: [6, 'DateTime'] } as const;

/** Default workspace id under which the simulator serves Cloud Assets. */
export const DEFAULT_ASSETS_WORKSPACE_ID = '5b6c3f7e-2d41-4c0a-9f3e-7a1d2c4b8e90';

export interface StoredSchema {
  id: number;
  name: string;
  objectSchemaKey: string;
  description: string;
  created: string;
}

export interface StoredObjectType {
  id: number;
  name: string;
  description: string;
  objectSchemaId: number;
  position: number;
  created: string;
}

export interface StoredAttribute {
  id: number;
  objectTypeId: number;
  name: string;
  /** ATTRIBUTE_TYPES value. */
  type: number;
  /** DEFAULT_TYPES id, for default attributes. */
  defaultTypeId?: number;
  label: boolean;
  system: boolean;
  editable: boolean;
  minimumCardinality: number;
  maximumCardinality: number;
  referenceObjectTypeId?: number;
  /** Status ids a status attribute allows; empty allows every status of the schema. */
  statusIds: number[];
  position: number;
  description: string;
}

export interface StoredStatus {
  id: number;
  name: string;
  /** 0 inactive, 1 active, 2 pending. */
  category: number;
  /** Undefined for a global status, usable by every schema. */
  objectSchemaId?: number;
  description: string;
}

export interface StoredObject {
  id: number;
  objectKey: string;
  objectTypeId: number;
  created: string;
  updated: string;
  /** Values by attribute id: text, status ids or referenced object ids. */
  values: Record<string, string[]>;
}

/** Everything the store holds, as plain JSON: what snapshot returns and restore takes. */
export interface AssetsStoreSnapshot {
  workspaceId: string;
  nextId: { schema: number; objectType: number; attribute: number; status: number; object: number };
  schemas: StoredSchema[];
  objectTypes: StoredObjectType[];
  attributes: StoredAttribute[];
  statuses: StoredStatus[];
  objects: StoredObject[];
}

/** An object as tests read it: values by attribute name, references as object keys, statuses by name. */
export interface AssetsObjectView {
  id: string;
  objectKey: string;
  label: string;
  objectType: string;
  /** Attributes with values: one value as a string, several (or a list attribute) as a list. */
  values: Record<string, string | string[]>;
}

/** A write the Assets API would reject, with the status and errors of its response. */
export class AssetsRequestError extends Error {
  override name = 'AssetsRequestError';

  constructor(
    readonly status: number,
    message: string,
    /** Messages by attribute name (or `attribute <id>` for an unknown id). */
    readonly errors: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Options of an AssetsStore. */
export interface AssetsStoreOptions {
  /** Cloud workspace id served. Default DEFAULT_ASSETS_WORKSPACE_ID. */
  workspaceId?: string;
  /** Start with the AWS schema (default true), or empty. */
  seedAwsSchema?: boolean;
}

/**
 * The data of one simulated Assets workspace.
 *
 * @example
 * ```ts
 * const store = new AssetsStore();
 * store.insertObject('EC2 Instance', { Name: 'orders-api (connector)', 'Resource ID': 'i-0a1b2c3d4e5f60718' });
 * store.objects('EC2 Instance')[0]?.values['Resource ID']; // 'i-0a1b2c3d4e5f60718'
 * ```
 */
export class AssetsStore {
  private state: AssetsStoreSnapshot;
  private lastTimestamp = 0;

  constructor(options: AssetsStoreOptions = {}) {
    this.state = {
      workspaceId: options.workspaceId ?? DEFAULT_ASSETS_WORKSPACE_ID,
      nextId: { schema: 1, objectType: 1, attribute: 1, status: 1, object: 1 },
      schemas: [],
      objectTypes: [],
      attributes: [],
      statuses: [],
      objects: [],
    };
    if (options.seedAwsSchema !== false) this.seedAwsSchema();
  }

  get workspaceId(): string {
    return this.state.workspaceId;
  }

  // ---- Reads used by the routes ----

  listSchemas(): StoredSchema[] {
    return [...this.state.schemas];
  }

  getSchema(id: number): StoredSchema | undefined {
    return this.state.schemas.find((schema) => schema.id === id);
  }

  objectTypesOf(schemaId: number): StoredObjectType[] {
    return this.state.objectTypes.filter((type) => type.objectSchemaId === schemaId);
  }

  getObjectType(id: number): StoredObjectType | undefined {
    return this.state.objectTypes.find((type) => type.id === id);
  }

  attributesOf(objectTypeId: number): StoredAttribute[] {
    return this.state.attributes.filter((attribute) => attribute.objectTypeId === objectTypeId).sort((left, right) => left.position - right.position);
  }

  /** Return the status types a schema can use: its own and the global ones. */
  statusesFor(schemaId: number | undefined): StoredStatus[] {
    return this.state.statuses.filter((status) => status.objectSchemaId === undefined || status.objectSchemaId === schemaId);
  }

  getStatus(id: number): StoredStatus | undefined {
    return this.state.statuses.find((status) => status.id === id);
  }

  /** Count the objects of an object type. */
  countObjects(objectTypeId: number): number {
    return this.state.objects.filter((object) => object.objectTypeId === objectTypeId).length;
  }

  getObject(id: number): StoredObject | undefined {
    return this.state.objects.find((object) => object.id === id);
  }

  /** Return the object's label: the value of its type's label attribute. */
  labelOf(object: StoredObject): string {
    const labelAttribute = this.attributesOf(object.objectTypeId).find((attribute) => attribute.label);
    return labelAttribute === undefined ? object.objectKey : (object.values[String(labelAttribute.id)]?.[0] ?? '');
  }

  /** Return the schema an object type belongs to. */
  schemaOfType(type: StoredObjectType): StoredSchema {
    return this.getSchema(type.objectSchemaId)!;
  }

  // ---- Writes used by the routes ----

  /** Create an object from the API's attribute list. Throws AssetsRequestError where the API responds with 400. */
  createObject(objectTypeId: unknown, attributes: unknown): StoredObject {
    const type = this.requireObjectType(objectTypeId);
    const values = this.validateInputs(type, attributes, 'create');
    const id = this.state.nextId.object++;
    const now = this.timestamp();
    const object: StoredObject = {
      id,
      objectKey: `${this.schemaOfType(type).objectSchemaKey}-${id}`,
      objectTypeId: type.id,
      created: now,
      updated: now,
      values: Object.fromEntries(values),
    };
    this.state.objects.push(object);
    return object;
  }

  /**
   * Write the listed attributes of an object; attributes not listed keep their values. Throws
   * AssetsRequestError with status 404 for an unknown object and 400 for invalid input.
   */
  updateObject(objectId: number, objectTypeId: unknown, attributes: unknown): StoredObject {
    const object = this.getObject(objectId);
    if (object === undefined) throw new AssetsRequestError(404, `No object with id ${objectId}.`);

    if (objectTypeId !== undefined && String(objectTypeId) !== String(object.objectTypeId)) {
      throw new AssetsRequestError(400, `Object ${object.objectKey} has object type ${object.objectTypeId}; objectTypeId ${JSON.stringify(objectTypeId)} does not match.`, {
        objectTypeId: 'The object type of an object cannot be changed by an update.',
      });
    }

    const type = this.getObjectType(object.objectTypeId)!;
    const values = this.validateInputs(type, attributes, 'update');
    for (const [attributeId, attributeValues] of values) {
      if (attributeValues.length === 0) delete object.values[attributeId];
      else object.values[attributeId] = attributeValues;
    }
    object.updated = this.timestamp();
    return object;
  }

  /** Delete an object and every reference to it; throws AssetsRequestError 404 for an unknown object. */
  deleteObject(objectId: number): StoredObject {
    const object = this.getObject(objectId);
    if (object === undefined) throw new AssetsRequestError(404, `No object with id ${objectId}.`);
    this.state.objects = this.state.objects.filter((candidate) => candidate !== object);

    const referenceIds = new Set(this.state.attributes.filter((attribute) => attribute.type === ATTRIBUTE_TYPES.reference).map((attribute) => String(attribute.id)));
    for (const other of this.state.objects) {
      for (const [attributeId, values] of Object.entries(other.values)) {
        if (!referenceIds.has(attributeId) || !values.includes(String(objectId))) continue;
        const kept = values.filter((value) => value !== String(objectId));
        if (kept.length === 0) delete other.values[attributeId];
        else other.values[attributeId] = kept;
      }
    }
    return object;
  }

  /**
   * Run an AQL query over every object of the workspace, in object id order unless the query sorts.
   * Throws AssetsRequestError 400 for a query that does not parse or names an unknown attribute.
   * Attribute names compare without regard to case on Cloud and with it on Data Center.
   */
  search(qlQuery: string, options: { caseSensitiveNames: boolean }): StoredObject[] {
    let query;
    try {
      query = parseAql(qlQuery);
      checkAttributes(query, (name) => this.state.attributes.some((attribute) => sameName(attribute.name, name, options.caseSensitiveNames)));
    } catch (error) {
      throw new AssetsRequestError(400, error instanceof Error ? error.message : String(error), { qlQuery: 'The AQL query is invalid.' });
    }

    const matches = this.state.objects.filter((object) => matchesAql(query, this.aqlSubject(object, options.caseSensitiveNames)));
    const order = query.orderBy;
    if (order !== undefined) {
      const key = (object: StoredObject) => this.aqlSubject(object, options.caseSensitiveNames).values(order.attribute)?.[0];
      matches.sort((left, right) => compareForOrder(key(left), key(right)) * (order.descending ? -1 : 1) || left.id - right.id);
    }
    return matches;
  }

  // ---- Helpers for tests ----

  /** Return the objects of an object type, in creation order, as tests read them. */
  objects(typeName: string, schemaKey: string = AWS_SCHEMA_KEY): AssetsObjectView[] {
    const type = this.requireTypeByName(typeName, schemaKey);
    return this.state.objects.filter((object) => object.objectTypeId === type.id).map((object) => this.view(object));
  }

  /** Return the object with this key (`AWS-12`), or undefined. */
  object(objectKey: string): AssetsObjectView | undefined {
    const object = this.state.objects.find((candidate) => candidate.objectKey === objectKey);
    return object === undefined ? undefined : this.view(object);
  }

  /**
   * Create an object as a person or another tool would, without an HTTP call: values by attribute
   * name, statuses by name, references by object key. Throws AssetsRequestError for invalid values.
   */
  insertObject(typeName: string, values: Record<string, string | string[]>, schemaKey: string = AWS_SCHEMA_KEY): AssetsObjectView {
    const type = this.requireTypeByName(typeName, schemaKey);
    return this.view(this.createObject(type.id, this.inputsByName(type, values)));
  }

  /** Change an object's values as a person would (see insertObject). */
  editObject(objectKey: string, values: Record<string, string | string[]>): AssetsObjectView {
    const object = this.state.objects.find((candidate) => candidate.objectKey === objectKey);
    if (object === undefined) throw new AssetsRequestError(404, `No object with key ${objectKey}.`);
    const type = this.getObjectType(object.objectTypeId)!;
    return this.view(this.updateObject(object.id, undefined, this.inputsByName(type, values)));
  }

  /** Return a deep copy of everything in the store. */
  snapshot(): AssetsStoreSnapshot {
    return structuredClone(this.state);
  }

  /** Replace everything in the store with a snapshot. An invalid snapshot leaves the store as it was. */
  restore(snapshot: AssetsStoreSnapshot): void {
    const lists = ['schemas', 'objectTypes', 'attributes', 'statuses', 'objects'] as const;
    if (typeof snapshot?.workspaceId !== 'string' || typeof snapshot.nextId !== 'object' || lists.some((list) => !Array.isArray(snapshot[list]))) {
      throw new Error('Invalid Assets simulator snapshot: expected workspaceId, nextId and the lists schemas, objectTypes, attributes, statuses and objects.');
    }
    this.state = structuredClone(snapshot);
  }

  // ---- Internals ----

  private view(object: StoredObject): AssetsObjectView {
    const values: Record<string, string | string[]> = { Key: object.objectKey };
    for (const attribute of this.attributesOf(object.objectTypeId)) {
      const stored = object.values[String(attribute.id)];
      if (stored === undefined || stored.length === 0) continue;
      const shown = stored.map((value) => this.displayValue(attribute, value));
      values[attribute.name] = attribute.maximumCardinality === 1 ? shown[0]! : shown;
    }
    return { id: String(object.id), objectKey: object.objectKey, label: this.labelOf(object), objectType: this.getObjectType(object.objectTypeId)!.name, values };
  }

  /** Return a stored value as people read it: a status name, a referenced object's key. */
  private displayValue(attribute: StoredAttribute, value: string): string {
    if (attribute.type === ATTRIBUTE_TYPES.status) return this.getStatus(Number(value))?.name ?? value;
    if (attribute.type === ATTRIBUTE_TYPES.reference) return this.getObject(Number(value))?.objectKey ?? value;
    return value;
  }

  private aqlSubject(object: StoredObject, caseSensitiveNames: boolean): AqlSubject {
    const type = this.getObjectType(object.objectTypeId)!;
    const schema = this.schemaOfType(type);
    const attributes = this.attributesOf(type.id);

    return {
      id: object.id,
      objectTypeId: type.id,
      objectTypeName: type.name,
      objectSchemaId: schema.id,
      objectSchemaName: schema.name,
      values: (name) => {
        const attribute = attributes.find((candidate) => sameName(candidate.name, name, caseSensitiveNames));
        if (attribute === undefined) return undefined;
        if (attribute.system) return this.systemValues(object, attribute);

        const stored = object.values[String(attribute.id)] ?? [];
        if (attribute.type === ATTRIBUTE_TYPES.status) return stored.map((id) => this.getStatus(Number(id))?.name ?? id);
        if (attribute.type === ATTRIBUTE_TYPES.reference) {
          // A reference matches on the label and on the key of the object referred to.
          return stored.flatMap((id) => {
            const referenced = this.getObject(Number(id));
            return referenced === undefined ? [] : [this.labelOf(referenced), referenced.objectKey];
          });
        }
        return stored;
      },
    };
  }

  private systemValues(object: StoredObject, attribute: StoredAttribute): string[] {
    switch (attribute.name) {
      case 'Key':
        return [object.objectKey];
      case 'Created':
        return [object.created];
      case 'Updated':
        return [object.updated];
      default:
        return [];
    }
  }

  /** Convert values by attribute name to the API's attribute list, for the test helpers. */
  private inputsByName(type: StoredObjectType, values: Record<string, string | string[]>): unknown[] {
    const attributes = this.attributesOf(type.id);
    return Object.entries(values).map(([name, value]) => {
      const attribute = attributes.find((candidate) => candidate.name === name);
      if (attribute === undefined) {
        throw new AssetsRequestError(400, `Object type "${type.name}" has no attribute "${name}". Attributes: ${attributes.map((candidate) => candidate.name).join(', ')}.`);
      }
      let items: string[] = [];
      if (Array.isArray(value)) items = value;
      else if (value !== '') items = [value];
      const schemaId = type.objectSchemaId;
      const converted = items.map((item) => {
        if (attribute.type === ATTRIBUTE_TYPES.status) return String(this.statusesFor(schemaId).find((status) => status.name === item)?.id ?? item);
        return item;
      });
      return { objectTypeAttributeId: attribute.id, objectAttributeValues: converted.map((item) => ({ value: item })) };
    });
  }

  /**
   * Check an attribute list as the API does and return the values to store by attribute id.
   * Every problem is collected, so one 400 response names them all.
   */
  private validateInputs(type: StoredObjectType, raw: unknown, mode: 'create' | 'update'): Map<string, string[]> {
    if (!Array.isArray(raw)) {
      throw new AssetsRequestError(400, 'The request body has no attribute list: "attributes" must be a list of {objectTypeAttributeId, objectAttributeValues}.', {
        attributes: 'Expected a list.',
      });
    }

    const attributes = this.attributesOf(type.id);
    const errors: Record<string, string> = {};
    const values = new Map<string, string[]>();

    for (const item of raw) {
      const entry = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      const attributeId = String(entry.objectTypeAttributeId ?? '');
      const attribute = attributes.find((candidate) => String(candidate.id) === attributeId);

      if (attribute === undefined) {
        errors[`attribute ${attributeId || '(missing id)'}`] = `Object type "${type.name}" has no attribute with id ${JSON.stringify(entry.objectTypeAttributeId)}.`;
        continue;
      }
      if (values.has(attributeId)) {
        errors[attribute.name] = `Attribute "${attribute.name}" is listed more than once.`;
        continue;
      }
      if (attribute.system || !attribute.editable) {
        errors[attribute.name] = `Attribute "${attribute.name}" is set by Assets and cannot be written.`;
        continue;
      }
      if (!Array.isArray(entry.objectAttributeValues)) {
        errors[attribute.name] = `Attribute "${attribute.name}" has no objectAttributeValues list.`;
        continue;
      }

      const converted: string[] = [];
      for (const valueEntry of entry.objectAttributeValues) {
        const value = typeof valueEntry === 'object' && valueEntry !== null ? (valueEntry as Record<string, unknown>).value : undefined;
        const problem = this.checkValue(type, attribute, value);
        if (typeof problem === 'object') converted.push(problem.stored);
        else errors[attribute.name] = problem;
      }

      if (errors[attribute.name] === undefined && attribute.maximumCardinality > 0 && converted.length > attribute.maximumCardinality) {
        errors[attribute.name] = `Attribute "${attribute.name}" takes at most ${attribute.maximumCardinality} value(s); ${converted.length} were given.`;
      }
      if (errors[attribute.name] === undefined && converted.length < attribute.minimumCardinality) {
        errors[attribute.name] = `Attribute "${attribute.name}" is required.`;
      }
      values.set(attributeId, converted);
    }

    if (mode === 'create') {
      for (const attribute of attributes) {
        if (attribute.minimumCardinality > 0 && !attribute.system && !values.has(String(attribute.id)) && errors[attribute.name] === undefined) {
          errors[attribute.name] = `Attribute "${attribute.name}" is required.`;
        }
      }
    }

    if (Object.keys(errors).length > 0) {
      throw new AssetsRequestError(400, `Invalid attribute values for object type "${type.name}".`, errors);
    }
    return values;
  }

  /** Check one value; returns the value to store, or the problem as a message. */
  private checkValue(type: StoredObjectType, attribute: StoredAttribute, value: unknown): { stored: string } | string {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return `Attribute "${attribute.name}" got ${JSON.stringify(value)}; each value must be {"value": <text>}.`;
    }
    const text = String(value);

    if (attribute.type === ATTRIBUTE_TYPES.status) {
      const allowed = this.statusesFor(type.objectSchemaId).filter((status) => attribute.statusIds.length === 0 || attribute.statusIds.includes(status.id));
      const status = allowed.find((candidate) => String(candidate.id) === text);
      if (status === undefined) {
        return `"${text}" is not a valid status id for "${attribute.name}". Valid ids: ${allowed.map((candidate) => `${candidate.id} (${candidate.name})`).join(', ')}.`;
      }
      return { stored: String(status.id) };
    }

    if (attribute.type === ATTRIBUTE_TYPES.reference) {
      const referenced = this.state.objects.find((object) => object.objectKey === text || String(object.id) === text);
      if (referenced === undefined) return `"${text}" is not the key or id of an object, so "${attribute.name}" cannot refer to it.`;
      if (attribute.referenceObjectTypeId !== undefined && referenced.objectTypeId !== attribute.referenceObjectTypeId) {
        const wanted = this.getObjectType(attribute.referenceObjectTypeId)?.name ?? attribute.referenceObjectTypeId;
        return `"${attribute.name}" refers to objects of type "${wanted}", but ${referenced.objectKey} is a "${this.getObjectType(referenced.objectTypeId)?.name}".`;
      }
      return { stored: String(referenced.id) };
    }

    switch (attribute.defaultTypeId) {
      case DEFAULT_TYPES.integer[0]:
        return /^-?\d+$/.test(text) ? { stored: text } : `"${text}" is not a whole number, which "${attribute.name}" needs.`;
      case DEFAULT_TYPES.boolean[0]:
        return /^(true|false)$/i.test(text) ? { stored: text.toLowerCase() } : `"${text}" is not true or false, which "${attribute.name}" needs.`;
      case DEFAULT_TYPES.dateTime[0]:
        return Number.isNaN(Date.parse(text)) ? `"${text}" is not a date and time, which "${attribute.name}" needs.` : { stored: new Date(text).toISOString() };
      default:
        return { stored: text };
    }
  }

  private requireObjectType(objectTypeId: unknown): StoredObjectType {
    const type = this.state.objectTypes.find((candidate) => String(candidate.id) === String(objectTypeId));
    if (type === undefined) {
      throw new AssetsRequestError(400, `No object type with id ${JSON.stringify(objectTypeId)}.`, { objectTypeId: 'Unknown object type.' });
    }
    return type;
  }

  private requireTypeByName(typeName: string, schemaKey: string): StoredObjectType {
    const schema = this.state.schemas.find((candidate) => candidate.objectSchemaKey === schemaKey);
    const type = schema === undefined ? undefined : this.objectTypesOf(schema.id).find((candidate) => candidate.name === typeName);
    if (type === undefined) throw new Error(`The Assets simulator has no object type "${typeName}" in schema ${schemaKey}.`);
    return type;
  }

  /** Return an ISO-8601 time later than every earlier one, so each write changes `updated`. */
  private timestamp(): string {
    this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1);
    return new Date(this.lastTimestamp).toISOString();
  }

  private seedAwsSchema(): void {
    const now = new Date().toISOString();
    const schema: StoredSchema = { id: this.state.nextId.schema++, name: AWS_SCHEMA_NAME, objectSchemaKey: AWS_SCHEMA_KEY, description: 'AWS resources recorded by AWS Config.', created: now };
    this.state.schemas.push(schema);

    const statusIds = AWS_STATUSES.map((status) => {
      const id = this.state.nextId.status++;
      this.state.statuses.push({ id, name: status.name, category: status.category, objectSchemaId: schema.id, description: status.description });
      return id;
    });

    // Types first, so reference attributes can name any of them.
    const types = AWS_OBJECT_TYPES.map((definition, position) => {
      const type: StoredObjectType = { id: this.state.nextId.objectType++, name: definition.name, description: definition.description, objectSchemaId: schema.id, position, created: now };
      this.state.objectTypes.push(type);
      return { type, definition };
    });

    for (const { type, definition } of types) {
      const system = (name: string, position: number): StoredAttribute => ({
        id: this.state.nextId.attribute++,
        objectTypeId: type.id,
        name,
        type: ATTRIBUTE_TYPES.default,
        defaultTypeId: name === 'Key' ? DEFAULT_TYPES.text[0] : DEFAULT_TYPES.dateTime[0],
        label: false,
        system: true,
        editable: false,
        minimumCardinality: 0,
        maximumCardinality: 1,
        statusIds: [],
        position,
        description: '',
      });

      this.state.attributes.push(system('Key', 0));
      this.state.attributes.push({ ...system('Name', 1), defaultTypeId: DEFAULT_TYPES.text[0], label: true, system: false, editable: true, minimumCardinality: 1 });

      const own = attributesOf(definition);
      own.forEach((attribute, index) => {
        this.state.attributes.push(this.defineAttribute(type, attribute, index + 2, statusIds, types.map((entry) => entry.type)));
      });

      this.state.attributes.push(system('Created', own.length + 2));
      this.state.attributes.push(system('Updated', own.length + 3));
    }
  }

  private defineAttribute(type: StoredObjectType, definition: AttributeDefinition, position: number, statusIds: number[], types: StoredObjectType[]): StoredAttribute {
    const base: StoredAttribute = {
      id: this.state.nextId.attribute++,
      objectTypeId: type.id,
      name: definition.name,
      type: ATTRIBUTE_TYPES.default,
      label: false,
      system: false,
      editable: true,
      minimumCardinality: definition.minimumCardinality ?? 0,
      maximumCardinality: definition.maximumCardinality ?? 1,
      statusIds: [],
      position,
      description: definition.description ?? '',
    };

    switch (definition.kind) {
      case 'status':
        return { ...base, type: ATTRIBUTE_TYPES.status, statusIds };
      case 'reference': {
        const referenced = types.find((candidate) => candidate.name === definition.references);
        if (referenced === undefined) throw new Error(`Seed error: attribute "${definition.name}" refers to unknown object type "${definition.references}".`);
        return { ...base, type: ATTRIBUTE_TYPES.reference, referenceObjectTypeId: referenced.id };
      }
      case 'integer':
        return { ...base, defaultTypeId: DEFAULT_TYPES.integer[0] };
      case 'boolean':
        return { ...base, defaultTypeId: DEFAULT_TYPES.boolean[0] };
      case 'datetime':
        return { ...base, defaultTypeId: DEFAULT_TYPES.dateTime[0] };
      default:
        return { ...base, defaultTypeId: DEFAULT_TYPES.text[0] };
    }
  }
}

function sameName(left: string, right: string, caseSensitive: boolean): boolean {
  return caseSensitive ? left === right : left.toLowerCase() === right.toLowerCase();
}
