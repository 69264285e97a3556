import { pino, type Logger } from 'pino';

import type { ItsmTarget, LinkedTicket, TicketFields, TicketRef, TicketSnapshot, WriteOptions, WrittenTicket } from '../../../core/types.js';
import { Aql } from './aql.js';
import type { AssetsClient, ResolvedObjectType } from './assets-client.js';
import { ATTRIBUTE_TYPE, type AssetsAttribute, type AssetsAttributeValue, type AssetsObject } from './assets-types.js';
import { readAttributeValue } from './assets-values.js';
import { AssetsError, AssetsInputError, AssetsResponseError } from './errors.js';

/** Default name of the text attribute that carries the correlation value. */
export const DEFAULT_CORRELATION_ATTRIBUTE = 'itsm-sync correlation';

/**
 * Maximum length of a correlation value.
 *
 * NOTE: 255 characters is an estimate of what a Text attribute takes; the Assets REST reference
 * states no limit. The connector's own values (prefix and 40 hex digits) are far shorter.
 */
export const MAX_CORRELATION_LENGTH = 255;

/** Settings of an AssetsTarget. */
export interface AssetsTargetOptions {
  /** Base URL of the Jira site's web pages (`https://acme.atlassian.net`), for the links in TicketRef.url. */
  siteUrl: string;
  /** Text attribute that carries the correlation value. Default `itsm-sync correlation`. */
  correlationAttribute?: string;
  /** Status attribute read to tell a retired object. Default `Status`. */
  statusAttribute?: string;
  /** Status that marks an object as retired (closed for good). Default `Retired`. */
  retiredStatus?: string;
  logger?: Logger;
}

/** The schema key and object type name in a table of the form `assets/<schema key>/<object type name>`. */
interface AssetsTable {
  schemaKey: string;
  typeName: string;
}

/**
 * The JSM Assets side of the configuration item flow: each AWS resource is an object of an Assets
 * object type, found again by the correlation value in a text attribute.
 *
 * Tables are written `assets/<schema key>/<object type name>`, such as `assets/AWS/EC2 Instance`,
 * and fields are attribute names. Values follow assets-values.ts: status attributes take a status
 * name ("Retired"), reference attributes an object key. A TicketRef's id is the object id and its
 * number the object key (`AWS-12`).
 *
 * Objects are retired, never deleted: a sync rule sets `Status` to `Retired`, and such an object
 * counts as closed when links are rebuilt. Relationships are reference attributes of the parent's
 * object type: `relate(instance, vpc, 'Contained in VPC')` adds the VPC to the instance's
 * "Contained in VPC" attribute.
 *
 * Assets objects have no journal, so a note (`options.note`) is logged at debug level and dropped.
 *
 * @example
 * ```ts
 * const target = new AssetsTarget(assetsClient, { siteUrl: 'https://acme.atlassian.net' });
 * const ref = await target.create('assets/AWS/EC2 Instance', { Name: 'orders-api-prod-2', 'Resource ID': 'i-0a1b2c3d4e5f60718' }, 'aws-ci-ec2-3f9a…');
 * await target.update(ref, { Status: 'Retired' });
 * ```
 */
export class AssetsTarget implements ItsmTarget {
  readonly system = 'jira' as const;
  /** Assets objects keep no comments or work notes. */
  readonly journalFields = [] as const;
  /** Text attribute that carries the correlation value. */
  readonly correlationAttribute: string;
  private readonly statusAttribute: string;
  private readonly retiredStatus: string;
  private readonly siteUrl: string;
  private readonly logger: Logger;

  constructor(
    private readonly client: AssetsClient,
    options: AssetsTargetOptions,
  ) {
    if (!/^https?:\/\/\S+$/.test(options.siteUrl ?? '')) {
      throw new AssetsInputError('siteUrl', `Invalid Jira site URL ${JSON.stringify(options.siteUrl)}: give the http(s) URL of the site, such as https://acme.atlassian.net.`);
    }
    this.siteUrl = options.siteUrl.replace(/\/+$/, '');
    this.correlationAttribute = requireName(options.correlationAttribute ?? DEFAULT_CORRELATION_ATTRIBUTE, 'correlationAttribute');
    this.statusAttribute = requireName(options.statusAttribute ?? 'Status', 'statusAttribute');
    this.retiredStatus = requireName(options.retiredStatus ?? 'Retired', 'retiredStatus');
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  /**
   * Create an object that carries `correlation` and return a reference to it.
   *
   * A create can fail in a way that may still have stored the object: a network error, a timeout,
   * or a 5xx after the Jira client's retries. Then the object is looked up by its correlation
   * value before the error is passed on, so that the next attempt does not make a duplicate.
   */
  async create(table: string, fields: TicketFields, correlation: string, options: WriteOptions = {}): Promise<WrittenTicket> {
    validateCorrelation(correlation, this.correlationAttribute);
    const resolved = await this.resolve(table);
    const values = definedValues(fields);

    const mapped = values[this.correlationAttribute];
    if (mapped !== undefined && mapped !== null && mapped !== '' && mapped !== correlation) {
      throw new AssetsInputError(
        'correlation',
        `The fields set "${this.correlationAttribute}" to ${JSON.stringify(mapped)}, which differs from the correlation value ` +
          `${JSON.stringify(correlation)}. Remove "${this.correlationAttribute}" from the sync rule's fields.`,
      );
    }
    values[this.correlationAttribute] = correlation;
    this.dropNote(table, undefined, options.note);

    let object: AssetsObject;
    try {
      object = await this.client.createObject(resolved.objectType, values);
    } catch (error) {
      const stored = mayHaveBeenStored(error) ? await this.findStoredAfterFailure(table, correlation) : undefined;
      if (stored === undefined) throw error;
      this.logger.warn({ table, correlation, objectKey: stored.objectKey }, 'The Assets create failed, but the object was stored; using it');
      object = stored;
    }

    const ref = this.ticketRef(table, resolved, object);
    return options.read === undefined ? ref : { ...ref, snapshot: await this.snapshot(resolved, object, options.read) };
  }

  /**
   * Write the given attributes, and only those, to the object. Empty `fields` send nothing. The PUT
   * response is the object after the write, so the snapshot costs no extra call.
   */
  async update(ref: TicketRef, fields: TicketFields, options: WriteOptions = {}): Promise<TicketSnapshot | undefined> {
    checkRef(ref);
    const resolved = await this.resolve(ref.table);
    const values = definedValues(fields);
    this.dropNote(ref.table, ref.number, options.note);

    if (Object.keys(values).length === 0) {
      return undefined;
    }

    const object = await this.client.updateObject(resolved.objectType, ref.id, values);
    return options.read === undefined ? undefined : this.snapshot(resolved, object, options.read);
  }

  async attach(ref: TicketRef, correlation: string, fields: TicketFields, options: WriteOptions = {}): Promise<TicketSnapshot | undefined> {
    validateCorrelation(correlation, this.correlationAttribute);
    return this.update(ref, { ...fields, [this.correlationAttribute]: correlation }, options);
  }

  /**
   * Find the oldest object of the table whose `attribute` equals `value` and whose correlation
   * attribute is empty: an object another tool (the AWS Service Management Connector, a discovery
   * import) made for the same resource. Object ids grow with each create, so the lowest id is the
   * oldest object.
   */
  async findUnlinked(table: string, attribute: string, value: string): Promise<TicketRef | undefined> {
    const resolved = await this.resolve(table);
    const matchAttribute = await this.client.getAttribute(resolved.objectType, attribute);
    const correlationAttribute = await this.client.getAttribute(resolved.objectType, this.correlationAttribute);
    const query = new Aql()
      .objectTypeId(resolved.objectType.id)
      .equals(matchAttribute.name, value)
      .isEmpty(correlationAttribute.name);

    let oldest: AssetsObject | undefined;
    for await (const object of this.client.searchObjects(query)) {
      // Compare again: AQL "=" ignores case, and a list attribute matches on any of its values.
      const found = readAttributeValue(matchAttribute, object.attributes.get(matchAttribute.id));
      const matches = Array.isArray(found) ? found.includes(value) : found === value;
      if (!matches || hasValue(object, correlationAttribute)) continue;
      if (oldest === undefined || compareIds(object.id, oldest.id) < 0) oldest = object;
    }

    return oldest === undefined ? undefined : this.ticketRef(table, resolved, oldest);
  }

  /**
   * Find the object whose correlation attribute is exactly `correlation`. When several carry it,
   * the oldest wins and a warning is logged.
   */
  async findByCorrelation(table: string, correlation: string): Promise<TicketRef | undefined> {
    validateCorrelation(correlation, this.correlationAttribute);
    const resolved = await this.resolve(table);
    const object = await this.findObjectByCorrelation(table, resolved, correlation);
    return object === undefined ? undefined : this.ticketRef(table, resolved, object);
  }

  /**
   * Iterate over the objects of the table whose correlation value starts with `prefix`, with the
   * current values of the `fields` attributes. An object counts as closed when its status attribute
   * is the retired status.
   */
  async *listLinked(table: string, prefix: string, fields: string[] = []): AsyncIterable<LinkedTicket> {
    if (prefix === '') {
      throw new AssetsInputError('correlation', 'The correlation prefix is empty; give the prefix that itsm-sync writes.');
    }
    validateCorrelation(prefix, this.correlationAttribute);
    const resolved = await this.resolve(table);
    const correlationAttribute = await this.client.getAttribute(resolved.objectType, this.correlationAttribute);
    // Check every field name before the first object is read.
    for (const field of fields) await this.client.getAttribute(resolved.objectType, field);
    const statusAttribute = await this.findStatusAttribute(resolved);

    const query = new Aql().objectTypeId(resolved.objectType.id).startsWith(correlationAttribute.name, prefix);
    for await (const object of this.client.searchObjects(query)) {
      const correlation = readAttributeValue(correlationAttribute, object.attributes.get(correlationAttribute.id));
      // AQL "startswith" ignores case; a correlation value that differs in case is another record's.
      if (typeof correlation !== 'string' || !correlation.startsWith(prefix)) continue;

      const status = statusAttribute === undefined ? '' : readAttributeValue(statusAttribute, object.attributes.get(statusAttribute.id));
      yield {
        ref: this.ticketRef(table, resolved, object),
        correlation,
        closed: typeof status === 'string' && status.toLowerCase() === this.retiredStatus.toLowerCase(),
        values: await this.client.readValues(resolved.objectType, object, fields),
      };
    }
  }

  /**
   * Relate two objects: `typeName` names a reference attribute of the parent's object type, and
   * the child is added to it unless it is there already. An attribute that holds one reference has
   * it replaced. Returns the relationship id `<parent id>|<attribute id>|<child id>`, which
   * `unrelate` takes.
   *
   * NOTE: the attribute is read, changed and written back. Assets has no conditional update, so two
   * tasks that relate the same parent at the same moment can lose one of the references.
   */
  async relate(parent: TicketRef, child: TicketRef, typeName: string): Promise<string> {
    checkRef(parent);
    checkRef(child);
    const parentType = await this.resolve(parent.table);
    const childType = await this.resolve(child.table);
    const attribute = await this.referenceAttribute(parentType, typeName, childType);

    const object = await this.client.getObject(parent.id);
    if (object === undefined) {
      throw new AssetsInputError('ticket', `Cannot relate ${parent.number} to ${child.number}: object ${parent.number} (id ${parent.id}) no longer exists in Assets.`);
    }

    const relationshipId = `${parent.id}|${attribute.id}|${child.id}`;
    const current = object.attributes.get(attribute.id) ?? [];
    if (current.some((value) => referencedId(value) === child.id)) {
      return relationshipId;
    }

    const kept = attribute.maximumCardinality === 1 ? [] : current;
    if (attribute.maximumCardinality > 1 && kept.length >= attribute.maximumCardinality) {
      throw new AssetsInputError(
        'relationship',
        `Cannot add ${child.number} to "${attribute.name}" of ${parent.number}: the attribute holds at most ` +
          `${attribute.maximumCardinality} references and has them all. Raise its maximum cardinality in Assets.`,
      );
    }
    if (attribute.maximumCardinality === 1 && current.length > 0) {
      this.logger.info({ parent: parent.number, attribute: attribute.name, replaced: current.map(referenceWriteValue), child: child.number }, `Replacing the reference in "${attribute.name}" of ${parent.number}`);
    }

    // References are written by object key, the form Atlassian's examples use; the id is the fallback.
    const written = [...kept.map(referenceWriteValue), child.number || child.id];
    const updated = await this.client.writeAttributes(parentType.objectType, parent.id, [
      { objectTypeAttributeId: attribute.id, objectAttributeValues: written.map((value) => ({ value })) },
    ]);

    if (!(updated.attributes.get(attribute.id) ?? []).some((value) => referencedId(value) === child.id)) {
      throw new AssetsResponseError('relate objects', `Assets accepted the update of "${attribute.name}" on ${parent.number}, but the response does not list ${child.number}.`);
    }
    this.logger.debug({ parent: parent.number, child: child.number, attribute: attribute.name }, 'Assets objects related');
    return relationshipId;
  }

  /**
   * Remove a relationship made by `relate`: take the child out of the parent's reference attribute.
   * A parent that no longer exists, or no longer refers to the child, counts as removed.
   */
  async unrelate(relationshipId: string): Promise<void> {
    const [parentId, attributeId, childId] = parseRelationshipId(relationshipId);

    const object = await this.client.getObject(parentId);
    if (object === undefined) return;

    const current = object.attributes.get(attributeId) ?? [];
    if (!current.some((value) => referencedId(value) === childId)) return;

    const attributes = await this.client.getAttributes(object.objectType);
    const attribute = attributes.find((candidate) => candidate.id === attributeId);
    const remaining = current.filter((value) => referencedId(value) !== childId);
    if (attribute !== undefined && remaining.length < attribute.minimumCardinality) {
      throw new AssetsInputError(
        'relationship',
        `Cannot remove object ${childId} from "${attribute.name}" of ${object.objectKey}: the attribute is required. ` +
          'Make the attribute optional in Assets, or keep the relationship in the sync rule.',
      );
    }

    await this.client.writeAttributes(object.objectType, parentId, [
      { objectTypeAttributeId: attributeId, objectAttributeValues: remaining.map((value) => ({ value: referenceWriteValue(value) })) },
    ]);
    this.logger.debug({ parent: object.objectKey, child: childId, attributeId }, 'Assets relationship removed');
  }

  /** Resolve a table of the form `assets/<schema key>/<object type name>`. */
  private async resolve(table: string): Promise<ResolvedObjectType> {
    const { schemaKey, typeName } = parseAssetsTable(table);
    return this.client.resolveObjectType(schemaKey, typeName);
  }

  private async findObjectByCorrelation(table: string, resolved: ResolvedObjectType, correlation: string): Promise<AssetsObject | undefined> {
    const attribute = await this.client.getAttribute(resolved.objectType, this.correlationAttribute);
    const query = new Aql().objectTypeId(resolved.objectType.id).equals(attribute.name, correlation);
    const matches: AssetsObject[] = [];

    for await (const object of this.client.searchObjects(query, { pageSize: 5 })) {
      // AQL "=" ignores case; only the exact value is this record's.
      if (readAttributeValue(attribute, object.attributes.get(attribute.id)) === correlation) matches.push(object);
    }

    const [oldest, ...others] = matches.sort((left, right) => compareIds(left.id, right.id));
    if (oldest !== undefined && others.length > 0) {
      this.logger.warn(
        { table, correlation, chosen: oldest.objectKey, others: others.map((object) => object.objectKey) },
        'Several Assets objects carry one correlation value; using the oldest',
      );
    }
    return oldest;
  }

  /** Look up an object by correlation after a failed create, without hiding the create's error. */
  private async findStoredAfterFailure(table: string, correlation: string): Promise<AssetsObject | undefined> {
    try {
      return await this.findObjectByCorrelation(table, await this.resolve(table), correlation);
    } catch (lookupError) {
      this.logger.warn({ table, correlation, err: errorMessage(lookupError) }, 'Could not check whether the failed Assets create stored the object');
      return undefined;
    }
  }

  /** Return the reference attribute named `typeName` of the parent's type, checked against the child's type. */
  private async referenceAttribute(parentType: ResolvedObjectType, typeName: string, childType: ResolvedObjectType): Promise<AssetsAttribute> {
    const attribute = await this.client.getAttribute(parentType.objectType, typeName);

    if (attribute.type !== ATTRIBUTE_TYPE.reference) {
      throw new AssetsInputError(
        'relationship',
        `Attribute "${attribute.name}" of object type "${parentType.objectType.name}" is not a reference attribute. ` +
          "For Assets, a relationship's type names a reference attribute of the parent's object type, such as \"Contained in VPC\".",
      );
    }
    if (attribute.referenceObjectTypeId !== undefined && attribute.referenceObjectTypeId !== childType.objectType.id) {
      throw new AssetsInputError(
        'relationship',
        `Attribute "${attribute.name}" of "${parentType.objectType.name}" refers to object type ${attribute.referenceObjectTypeId}, ` +
          `not to "${childType.objectType.name}" (${childType.objectType.id}). Check which end of the relationship the sync rule puts this record on.`,
      );
    }
    return attribute;
  }

  /** Return the status attribute, or undefined for an object type without one. */
  private async findStatusAttribute(resolved: ResolvedObjectType): Promise<AssetsAttribute | undefined> {
    const attributes = await this.client.getAttributes(resolved.objectType);
    const statusName = this.statusAttribute.toLowerCase();
    return attributes.find((attribute) => attribute.name.toLowerCase() === statusName && attribute.type === ATTRIBUTE_TYPE.status);
  }

  private async snapshot(resolved: ResolvedObjectType, object: AssetsObject, read: string[]): Promise<TicketSnapshot> {
    // Assets keeps no change counter. The time of the last change orders two reads of one object.
    const updated = object.updated === undefined ? Number.NaN : Date.parse(object.updated);
    return {
      version: Number.isNaN(updated) ? undefined : updated,
      values: await this.client.readValues(resolved.objectType, object, read),
    };
  }

  /** Build the reference to an object, with a link to its page in Assets. */
  private ticketRef(table: string, resolved: ResolvedObjectType, object: AssetsObject): TicketRef {
    const url =
      this.client.deployment === 'cloud'
        ? `${this.siteUrl}/jira/servicedesk/assets/object-schema/${encodeURIComponent(resolved.schema.id)}` +
          `?typeId=${encodeURIComponent(resolved.objectType.id)}&objectId=${encodeURIComponent(object.id)}`
        : `${this.siteUrl}/secure/insight/assets/${encodeURIComponent(object.objectKey)}`;
    return { system: 'jira', table, id: object.id, number: object.objectKey, url };
  }

  private dropNote(table: string, objectKey: string | undefined, note: string | undefined): void {
    if (note !== undefined && note !== '') {
      this.logger.debug({ table, objectKey, note }, 'Assets objects have no comments; the note is dropped');
    }
  }
}

/**
 * Split a table of the form `assets/<schema key>/<object type name>`. The type name is everything
 * after the second slash, so it may contain spaces. Throws AssetsInputError for any other form.
 */
export function parseAssetsTable(table: string): AssetsTable {
  const match = /^assets\/([^/\s]+)\/(.+)$/.exec(table);
  if (match === null || match[2]!.trim() === '') {
    throw new AssetsInputError(
      'table',
      `Invalid Assets table ${JSON.stringify(table)}: write it as assets/<object schema key>/<object type name>, such as "assets/AWS/EC2 Instance".`,
    );
  }
  return { schemaKey: match[1]!, typeName: match[2]! };
}

/** Split a relationship id `<parent id>|<attribute id>|<child id>` made by relate. */
function parseRelationshipId(relationshipId: string): [string, string, string] {
  const parts = relationshipId.split('|');
  if (parts.length !== 3 || !parts.every((part) => /^\d+$/.test(part))) {
    throw new AssetsInputError(
      'relationship',
      `Invalid Assets relationship id ${JSON.stringify(relationshipId)}: expected <parent object id>|<attribute id>|<child object id>, as relate returns.`,
    );
  }
  return parts as [string, string, string];
}

function checkRef(ref: TicketRef): void {
  if (ref.system !== 'jira' || !ref.table.startsWith('assets/')) {
    throw new AssetsInputError('ticket', `Cannot write ${ref.system} record ${ref.number} (table ${ref.table}) through the Assets target.`);
  }
  if (!/^\d+$/.test(ref.id)) {
    throw new AssetsInputError('ticket', `Invalid Assets object id ${JSON.stringify(ref.id)} for ${ref.number}: object ids are numbers.`);
  }
}

function validateCorrelation(correlation: string, attribute: string): void {
  if (typeof correlation !== 'string' || correlation === '') {
    throw new AssetsInputError('correlation', 'The correlation value is empty; every object itsm-sync writes needs one.');
  }
  if (correlation.length > MAX_CORRELATION_LENGTH) {
    throw new AssetsInputError(
      'correlation',
      `The correlation value ${JSON.stringify(correlation.slice(0, 60))}… has ${correlation.length} characters, but ` +
        `"${attribute}" holds at most ${MAX_CORRELATION_LENGTH}. Derive a shorter value (a hash of the identity).`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(correlation)) {
    throw new AssetsInputError('correlation', `The correlation value ${JSON.stringify(correlation)} contains a line break or control character, which AQL cannot match.`);
  }
}

function requireName(name: string, option: string): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new AssetsInputError(option, `The Assets target option ${option} is empty; give an attribute or status name as Assets shows it.`);
  }
  return name;
}

/** Return the fields that have a value to write, because undefined means "leave as it is". */
function definedValues(fields: TicketFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function hasValue(object: AssetsObject, attribute: AssetsAttribute): boolean {
  const value = readAttributeValue(attribute, object.attributes.get(attribute.id));
  return Array.isArray(value) ? value.length > 0 : value !== '';
}

function referencedId(value: AssetsAttributeValue): string | undefined {
  return value.referencedObject?.id;
}

/** Return the value that writes an existing reference back unchanged: its object key, or its id. */
function referenceWriteValue(value: AssetsAttributeValue): string {
  return value.referencedObject?.objectKey || value.referencedObject?.id || value.searchValue || value.value || '';
}

/** Order numeric ids as numbers, so "9" comes before "10". */
function compareIds(left: string, right: string): number {
  if (left.length !== right.length) return left.length - right.length;
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/**
 * Return true when a failed create may have stored the object: no HTTP response (network error, timeout)
 * or a server error. Errors raised here before sending (AssetsError) stored nothing.
 */
function mayHaveBeenStored(error: unknown): boolean {
  if (error instanceof AssetsError) return false;
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status !== 'number' || status >= 500;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
