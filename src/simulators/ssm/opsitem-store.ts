/**
 * OpsItems of the SSM simulator and the operations on them: CreateOpsItem, GetOpsItem,
 * UpdateOpsItem and DescribeOpsItems. OpsItems are kept in their wire shape (timestamps in epoch
 * seconds), so GetOpsItem returns exactly what is stored.
 */
import { randomBytes } from 'node:crypto';

import { pageOf, readPageOffset } from '../paging.js';
import { invalidParameter, opsItemNotFound, serializationError, validationError } from './api-error.js';
import {
  OPSITEM_TYPES,
  asObject,
  readKeysToDelete,
  readObjectList,
  readOperationalData,
  readOpsItemId,
  readPriority,
  readStatus,
  readText,
  readTimestamp,
  type OpsItemDataValue,
} from './opsitem-validation.js';

/** An OpsItem as the simulator stores it and GetOpsItem returns it (the wire shape). */
export interface SimulatedOpsItem {
  OpsItemId: string;
  OpsItemArn: string;
  OpsItemType: string;
  Title: string;
  Description: string;
  Source: string;
  Status: string;
  Priority?: number;
  Severity?: string;
  Category?: string;
  CreatedBy: string;
  /** Epoch seconds, with milliseconds as the fraction. */
  CreatedTime: number;
  LastModifiedBy: string;
  LastModifiedTime: number;
  /** Starts at "1" and goes up by one with every update. */
  Version: string;
  OperationalData: Record<string, OpsItemDataValue>;
  Notifications: Array<Record<string, unknown>>;
  RelatedOpsItems: Array<Record<string, unknown>>;
  PlannedStartTime?: number;
  PlannedEndTime?: number;
  ActualStartTime?: number;
  ActualEndTime?: number;
}

/** The fields a person or a caller may change, as UpdateOpsItem takes them (without `OpsItemId`). */
export interface OpsItemChanges {
  Title?: string;
  Description?: string;
  Status?: string;
  Priority?: number;
  Severity?: string;
  Category?: string;
  OperationalData?: Record<string, { Value: string; Type?: 'SearchableString' | 'String' }>;
  OperationalDataToDelete?: string[];
  Notifications?: Array<{ Arn: string }>;
  RelatedOpsItems?: Array<{ OpsItemId: string }>;
  PlannedStartTime?: number;
  PlannedEndTime?: number;
  ActualStartTime?: number;
  ActualEndTime?: number;
}

/** The principal and time of a change, for CreatedBy/LastModifiedBy and the timestamps. */
export interface Actor {
  arn: string;
  now: Date;
}

/** Account, Region and partition of the simulated OpsItems. */
export interface OpsItemLocation {
  account: string;
  region: string;
  partition: string;
}

/** DescribeOpsItems output as sent on the wire. */
export interface DescribeOpsItemsOutput {
  OpsItemSummaries: Array<Record<string, unknown>>;
  NextToken?: string;
}

// DescribeOpsItems limits from the API reference: MaxResults 1 to 50.
const DESCRIBE_MAX_RESULTS = 50;

/**
 * DescribeOpsItems filter keys the simulator supports, each as the OpsItem values it compares.
 * The API has more keys (ResourceId, AutomationId, OperationalData, …); they are rejected here.
 */
const FILTER_FIELDS: Record<string, (item: SimulatedOpsItem) => Array<string | number>> = {
  OpsItemId: (item) => [item.OpsItemId],
  Status: (item) => [item.Status],
  Title: (item) => [item.Title],
  Source: (item) => [item.Source],
  OpsItemType: (item) => [item.OpsItemType],
  Priority: (item) => (item.Priority === undefined ? [] : [item.Priority]),
  Severity: (item) => (item.Severity === undefined ? [] : [item.Severity]),
  Category: (item) => (item.Category === undefined ? [] : [item.Category]),
  CreatedBy: (item) => [item.CreatedBy],
  LastModifiedBy: (item) => [item.LastModifiedBy],
  CreatedTime: (item) => [item.CreatedTime],
  LastModifiedTime: (item) => [item.LastModifiedTime],
};
const TIME_FILTER_KEYS = new Set(['CreatedTime', 'LastModifiedTime']);

/** The simulator's OpsItems of one account and region, in the order they were created. */
export class OpsItemStore {
  private readonly items = new Map<string, SimulatedOpsItem>();

  constructor(private readonly location: OpsItemLocation) {}

  /**
   * Adds an OpsItem as an AWS service would create it, filling what `partial` leaves out. Reserved
   * OperationalData keys are allowed, because AWS services write them. Replaces an OpsItem with the
   * same id. Returns a copy of the stored OpsItem.
   */
  seed(partial: Partial<SimulatedOpsItem>, actor: Actor): SimulatedOpsItem {
    const id = partial.OpsItemId === undefined ? newOpsItemId() : readOpsItemId(partial.OpsItemId, 'OpsItemId');
    const nowSeconds = epochSeconds(actor.now);
    const item: SimulatedOpsItem = {
      OpsItemType: '/aws/issue',
      Title: `Seeded OpsItem ${id}`,
      Description: `Seeded OpsItem ${id}`,
      Source: 'itsm-sync-simulator',
      Status: 'Open',
      CreatedBy: actor.arn,
      CreatedTime: nowSeconds,
      LastModifiedBy: partial.CreatedBy ?? actor.arn,
      LastModifiedTime: partial.CreatedTime ?? nowSeconds,
      Version: '1',
      Notifications: [],
      RelatedOpsItems: [],
      ...structuredClone(partial),
      OpsItemId: id,
      OpsItemArn: partial.OpsItemArn ?? this.arnOf(id),
      OperationalData: readOperationalData(partial.OperationalData ?? {}, true) ?? {},
    };
    readStatus(item.Status);
    this.items.set(id, item);
    return structuredClone(item);
  }

  /** Runs CreateOpsItem and returns the new OpsItem. */
  create(body: unknown, actor: Actor): SimulatedOpsItem {
    const request = asObject(body, 'request body');
    const title = readText(request.Title, 'title', { min: 1, max: 1024, required: true })!;
    const description = readText(request.Description, 'description', { min: 1, max: 2048, required: true })!;
    const source = readText(request.Source, 'source', { min: 1, max: 128, required: true })!;
    const type = readText(request.OpsItemType, 'opsItemType', { min: 1, max: 256 }) ?? '/aws/issue';
    if (!(OPSITEM_TYPES as readonly string[]).includes(type)) {
      throw invalidParameter(['OpsItemType'], `OpsItemType "${type}" is not valid: use one of ${OPSITEM_TYPES.join(', ')}.`);
    }

    const id = newOpsItemId();
    const nowSeconds = epochSeconds(actor.now);
    const item: SimulatedOpsItem = {
      OpsItemId: id,
      OpsItemArn: this.arnOf(id),
      OpsItemType: type,
      Title: title,
      Description: description,
      Source: source,
      Status: 'Open',
      CreatedBy: actor.arn,
      CreatedTime: nowSeconds,
      LastModifiedBy: actor.arn,
      LastModifiedTime: nowSeconds,
      Version: '1',
      OperationalData: readOperationalData(request.OperationalData) ?? {},
      Notifications: readObjectList(request.Notifications, 'Notifications') ?? [],
      RelatedOpsItems: readObjectList(request.RelatedOpsItems, 'RelatedOpsItems') ?? [],
    };
    assignOptional(item, 'Priority', readPriority(request.Priority));
    assignOptional(item, 'Severity', readText(request.Severity, 'severity', { min: 1, max: 64 }));
    assignOptional(item, 'Category', readText(request.Category, 'category', { min: 1, max: 64 }));
    for (const member of ['PlannedStartTime', 'PlannedEndTime', 'ActualStartTime', 'ActualEndTime'] as const) {
      assignOptional(item, member, readTimestamp(request[member], member));
    }

    this.items.set(id, item);
    return structuredClone(item);
  }

  /** Runs GetOpsItem: a copy of the OpsItem, or OpsItemNotFoundException. */
  getForRequest(body: unknown): SimulatedOpsItem {
    const request = asObject(body, 'request body');
    const id = readOpsItemId(request.OpsItemId);
    const item = this.items.get(id);
    if (item === undefined) {
      throw opsItemNotFound(id);
    }
    return structuredClone(item);
  }

  /** A copy of the OpsItem with this id, or undefined. */
  get(id: string): SimulatedOpsItem | undefined {
    const item = this.items.get(id);
    return item === undefined ? undefined : structuredClone(item);
  }

  /**
   * Runs UpdateOpsItem (or a person's edit in the console): checks every member first, then applies
   * them all, bumps `Version` and sets `LastModifiedBy`/`LastModifiedTime`. Returns the updated
   * OpsItem.
   */
  update(body: unknown, actor: Actor): SimulatedOpsItem {
    const request = asObject(body, 'request body');
    const id = readOpsItemId(request.OpsItemId);
    const changes = readChanges(request);

    const item = this.items.get(id);
    if (item === undefined) {
      throw opsItemNotFound(id);
    }

    applyChanges(item, changes);
    item.Version = String(Number(item.Version) + 1);
    item.LastModifiedBy = actor.arn;
    item.LastModifiedTime = epochSeconds(actor.now);
    return structuredClone(item);
  }

  /** Runs DescribeOpsItems: filters, then returns one page of summaries. */
  describe(body: unknown): DescribeOpsItemsOutput {
    const request = asObject(body ?? {}, 'request body');
    const matches = compileFilters(request.OpsItemFilters);
    const maxResults = readMaxResults(request.MaxResults);
    const offset = readNextToken(request.NextToken);

    // NOTE: the API reference does not define the order of the results; the simulator returns
    // OpsItems in the order they were created.
    const selected = [...this.items.values()].filter(matches);
    const page = pageOf(selected, offset, maxResults);
    const output: DescribeOpsItemsOutput = { OpsItemSummaries: page.items.map(toSummary) };
    if (page.nextToken !== undefined) {
      output.NextToken = page.nextToken;
    }
    return output;
  }

  clear(): void {
    this.items.clear();
  }

  private arnOf(id: string): string {
    return `arn:${this.location.partition}:ssm:${this.location.region}:${this.location.account}:opsitem/${id}`;
  }
}

/** The members of an UpdateOpsItem request, checked. */
interface CheckedChanges {
  title?: string;
  description?: string;
  status?: string;
  priority?: number;
  severity?: string;
  category?: string;
  operationalData?: Record<string, OpsItemDataValue>;
  keysToDelete?: string[];
  notifications?: Array<Record<string, unknown>>;
  relatedOpsItems?: Array<Record<string, unknown>>;
  times: Partial<Record<'PlannedStartTime' | 'PlannedEndTime' | 'ActualStartTime' | 'ActualEndTime', number>>;
}

function readChanges(request: Record<string, unknown>): CheckedChanges {
  const changes: CheckedChanges = {
    title: readText(request.Title, 'title', { min: 1, max: 1024 }),
    description: readText(request.Description, 'description', { min: 1, max: 2048 }),
    status: readStatus(request.Status),
    priority: readPriority(request.Priority),
    severity: readText(request.Severity, 'severity', { min: 1, max: 64 }),
    category: readText(request.Category, 'category', { min: 1, max: 64 }),
    operationalData: readOperationalData(request.OperationalData),
    keysToDelete: readKeysToDelete(request.OperationalDataToDelete),
    notifications: readObjectList(request.Notifications, 'Notifications'),
    relatedOpsItems: readObjectList(request.RelatedOpsItems, 'RelatedOpsItems'),
    times: {},
  };
  for (const member of ['PlannedStartTime', 'PlannedEndTime', 'ActualStartTime', 'ActualEndTime'] as const) {
    assignOptional(changes.times, member, readTimestamp(request[member], member));
  }

  // NOTE: the API reference does not say what happens when one request both sets and deletes a
  // key. The simulator rejects it, so a client cannot come to depend on either order.
  const both = (changes.keysToDelete ?? []).filter((key) => changes.operationalData?.[key] !== undefined);
  if (both.length > 0) {
    throw invalidParameter(['OperationalData', 'OperationalDataToDelete'], `OperationalData key "${both[0]}" is both set and deleted in one request.`);
  }
  return changes;
}

function applyChanges(item: SimulatedOpsItem, changes: CheckedChanges): void {
  assignOptional(item, 'Title', changes.title);
  assignOptional(item, 'Description', changes.description);
  assignOptional(item, 'Status', changes.status);
  assignOptional(item, 'Priority', changes.priority);
  assignOptional(item, 'Severity', changes.severity);
  assignOptional(item, 'Category', changes.category);
  assignOptional(item, 'Notifications', changes.notifications);
  assignOptional(item, 'RelatedOpsItems', changes.relatedOpsItems);
  Object.assign(item, changes.times);

  // OperationalData merges: keys sent replace their old value, other keys stay.
  for (const key of changes.keysToDelete ?? []) {
    delete item.OperationalData[key];
  }
  Object.assign(item.OperationalData, changes.operationalData ?? {});
}

function toSummary(item: SimulatedOpsItem): Record<string, unknown> {
  const { Description: _description, Version: _version, Notifications: _notifications, RelatedOpsItems: _related, OpsItemArn: _arn, ...summary } = item;
  return structuredClone(summary);
}

function compileFilters(value: unknown): (item: SimulatedOpsItem) => boolean {
  if (value === undefined || value === null) {
    return () => true;
  }
  if (!Array.isArray(value)) {
    throw serializationError(`'OpsItemFilters' must be a list, got ${JSON.stringify(value)}`);
  }

  const matchers = value.map((candidate, index) => {
    const filter = asObject(candidate, `OpsItemFilters[${index}]`);
    const key = String(filter.Key);
    const read = FILTER_FIELDS[key];
    if (read === undefined) {
      throw validationError(`opsItemFilters.${index + 1}.member.key`, filter.Key, `Member must be one of the keys this simulator supports: ${Object.keys(FILTER_FIELDS).join(', ')}`);
    }
    if (!Array.isArray(filter.Values) || filter.Values.length === 0 || filter.Values.some((item) => typeof item !== 'string')) {
      throw validationError(`opsItemFilters.${index + 1}.member.values`, filter.Values ?? null, 'Member must be a non-empty list of strings');
    }
    const compare = comparison(String(filter.Operator), TIME_FILTER_KEYS.has(key), index);
    const expected = filter.Values as string[];
    // Values of one filter are alternatives; separate filters must all match.
    return (item: SimulatedOpsItem) => read(item).some((actual) => expected.some((wanted) => compare(actual, wanted)));
  });
  return (item) => matchers.every((matches) => matches(item));
}

function comparison(operator: string, isTime: boolean, index: number): (actual: string | number, expected: string) => boolean {
  switch (operator) {
    case 'Equal':
      return (actual, expected) => String(actual) === expected;
    case 'Contains':
      return (actual, expected) => String(actual).includes(expected);
    case 'GreaterThan':
    case 'LessThan': {
      const sign = operator === 'GreaterThan' ? 1 : -1;
      // Time filters take ISO-8601 values; the stored times are epoch seconds.
      return (actual, expected) => {
        const wanted = isTime ? Date.parse(expected) / 1000 : Number(expected);
        return sign * (Number(actual) - wanted) > 0;
      };
    }
    default:
      throw validationError(`opsItemFilters.${index + 1}.member.operator`, operator, 'Member must satisfy enum value set: [Equal, Contains, GreaterThan, LessThan]');
  }
}

function readMaxResults(value: unknown): number {
  if (value === undefined || value === null) {
    return DESCRIBE_MAX_RESULTS;
  }
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > DESCRIBE_MAX_RESULTS) {
    throw validationError('maxResults', value, `Member must have value between 1 and ${DESCRIBE_MAX_RESULTS}`);
  }
  return value as number;
}

function readNextToken(value: unknown): number {
  const offset = readPageOffset(value);
  if (offset === undefined) {
    throw validationError('nextToken', String(value), 'Member must be a token returned by a previous DescribeOpsItems call');
  }
  return offset;
}

/** Generates an OpsItem id: `oi-` and 12 random hexadecimal digits. */
function newOpsItemId(): string {
  return `oi-${randomBytes(6).toString('hex')}`;
}

/** Epoch seconds with millisecond precision, as the AWS JSON protocol sends timestamps. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function assignOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) {
    target[key] = value;
  }
}
