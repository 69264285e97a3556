/**
 * Configuration items of the AWS Config simulator: what a test seeds, what the simulator stores and
 * how it is written on the wire. The API (BatchGetResourceConfig, GetResourceConfigHistory) sends
 * `configuration` and each `supplementaryConfiguration` value as JSON strings and times as epoch
 * seconds; the EventBridge events carry them as objects and ISO 8601 strings (see
 * configuration-events.ts).
 */
import { ResourceType } from '@aws-sdk/client-config-service';

import { invalidRequest, validationError } from './api-error.js';

/** A relationship of a configuration item to another resource, as the API names its fields. */
export interface ConfigurationItemRelationship {
  resourceType: string;
  resourceId?: string;
  resourceName?: string;
  /** Such as `Is contained in Vpc` or `Is associated with SecurityGroup`. */
  relationshipName: string;
}

/** Statuses of a recorded resource that still exists. */
export type LiveItemStatus = 'OK' | 'ResourceDiscovered';

/** A configuration item that a test records with {@link ConfigSimulator.recordResource}. */
export interface ConfigurationItemInput {
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  /**
   * Default: derived for the common types (EC2, S3, IAM, RDS, Lambda, ECS clusters, DynamoDB);
   * left out for others.
   */
  arn?: string;
  /** Default: the simulator's account. */
  accountId?: string;
  /** Default: the simulator's region; IAM resources use `global`. */
  awsRegion?: string;
  availabilityZone?: string;
  resourceCreationTime?: Date;
  /** Default: the simulator's clock. */
  configurationItemCaptureTime?: Date;
  /** Default `OK`. */
  configurationItemStatus?: LiveItemStatus;
  /** The resource's configuration, as an object or as the JSON string the API returns. */
  configuration: string | Record<string, unknown>;
  /**
   * Extra configuration by key, such as an S3 bucket's `BucketPolicy`. Values may be objects or
   * JSON-encoded strings, as AWS Config records them. The API returns each value as a string.
   */
  supplementaryConfiguration?: Record<string, unknown>;
  tags?: Record<string, string>;
  relationships?: ConfigurationItemRelationship[];
}

/** A configuration item as the simulator stores it: one entry of a resource's history. */
export interface SimulatedConfigurationItem {
  version: string;
  accountId: string;
  configurationItemCaptureTime: Date;
  configurationItemStatus: LiveItemStatus | 'ResourceDeleted';
  /** Increases with every item of the same resource; AWS derives it from the capture time in milliseconds. */
  configurationStateId: string;
  arn?: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  awsRegion: string;
  availabilityZone?: string;
  resourceCreationTime?: Date;
  /** The parsed configuration; null once the resource was deleted. */
  configuration: Record<string, unknown> | null;
  supplementaryConfiguration: Record<string, unknown>;
  tags: Record<string, string>;
  relationships: ConfigurationItemRelationship[];
}

/** A seeded configuration item that is not valid; `field` names the wrong member. */
export class InvalidConfigurationItemError extends TypeError {
  override readonly name = 'InvalidConfigurationItemError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The version of the configuration item format that AWS Config writes today. */
export const CONFIGURATION_ITEM_VERSION = '1.3';

const AWS_RESOURCE_TYPES: ReadonlySet<string> = new Set(Object.values(ResourceType));

// Third-party types follow CloudFormation's `Organization::Service::Resource` form.
const CUSTOM_TYPE_PATTERN = /^[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$/;

// Organization names that AWS Config rejects for custom resource types.
const RESERVED_ORGANIZATIONS = new Set(['aws', 'amzn', 'amazon', 'alexa', 'custom']);

/**
 * Returns whether `resourceType` names a type that AWS Config records: one of the `AWS::` types of
 * the SDK's ResourceType enum, or a third-party type of the form `Organization::Service::Resource`.
 */
export function isKnownResourceType(resourceType: string): boolean {
  if (resourceType.startsWith('AWS::')) {
    return AWS_RESOURCE_TYPES.has(resourceType);
  }
  return CUSTOM_TYPE_PATTERN.test(resourceType);
}

/**
 * Checks a `resourceType` request member.
 *
 * @throws ConfigApiError ValidationException naming `member` when the type is missing or unknown.
 */
export function checkResourceTypeMember(member: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw validationError(member, value ?? null, 'Member must not be null');
  }
  if (!isKnownResourceType(value)) {
    throw validationError(member, value, 'Member must be an AWS resource type of the ResourceType enum (such as AWS::EC2::Instance) or a custom type Organization::Service::Resource');
  }
  return value;
}

/**
 * Checks that a custom resource type can be written with PutResourceConfig or DeleteResourceConfig.
 *
 * @throws ConfigApiError ValidationException for `AWS::` types and reserved organization names.
 */
export function checkCustomResourceType(member: string, value: unknown): string {
  const resourceType = checkResourceTypeMember(member, value);
  const organization = resourceType.split('::')[0]!.toLowerCase();
  if (RESERVED_ORGANIZATIONS.has(organization)) {
    throw invalidRequest(
      `${member} ${resourceType} is not a custom resource type. PutResourceConfig and DeleteResourceConfig take third-party types only, and the organization names AWS, amzn, amazon, alexa and custom are reserved.`,
    );
  }
  return resourceType;
}

/** The simulator's account and region, used where an item leaves them out. */
export interface ItemLocation {
  account: string;
  region: string;
  partition: string;
}

/**
 * Builds the stored item of a seeded resource, filling what `input` leaves out.
 *
 * @throws InvalidConfigurationItemError naming the member that is missing or invalid.
 */
export function buildConfigurationItem(input: ConfigurationItemInput, location: ItemLocation, now: Date): SimulatedConfigurationItem {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidConfigurationItemError('item', `recordResource needs a configuration item object, got ${String(input)}`);
  }
  if (typeof input.resourceType !== 'string' || !isKnownResourceType(input.resourceType)) {
    throw new InvalidConfigurationItemError(
      'resourceType',
      `resourceType ${JSON.stringify(input.resourceType)} is not a resource type AWS Config records. Use a type of the ResourceType enum such as AWS::EC2::Instance, or a custom type Organization::Service::Resource.`,
    );
  }
  if (typeof input.resourceId !== 'string' || input.resourceId === '' || input.resourceId.length > 768) {
    throw new InvalidConfigurationItemError('resourceId', `resourceId must be a string of 1 to 768 characters, got ${JSON.stringify(input.resourceId)}`);
  }
  const status = input.configurationItemStatus ?? 'OK';
  if (status !== 'OK' && status !== 'ResourceDiscovered') {
    throw new InvalidConfigurationItemError('configurationItemStatus', `configurationItemStatus must be OK or ResourceDiscovered, got ${JSON.stringify(status)}. Use deleteResource for a deleted resource.`);
  }

  const captureTime = input.configurationItemCaptureTime ?? now;
  checkDate('configurationItemCaptureTime', captureTime);
  if (input.resourceCreationTime !== undefined) {
    checkDate('resourceCreationTime', input.resourceCreationTime);
  }

  const awsRegion = input.awsRegion ?? (input.resourceType.startsWith('AWS::IAM::') ? 'global' : location.region);
  const accountId = input.accountId ?? location.account;
  const arn = input.arn ?? defaultArn(input.resourceType, input.resourceId, input.resourceName, { ...location, region: awsRegion, account: accountId });

  const item: SimulatedConfigurationItem = {
    version: CONFIGURATION_ITEM_VERSION,
    accountId,
    configurationItemCaptureTime: new Date(captureTime.getTime()),
    configurationItemStatus: status,
    configurationStateId: String(captureTime.getTime()),
    resourceType: input.resourceType,
    resourceId: input.resourceId,
    awsRegion,
    configuration: parseConfiguration(input.configuration),
    supplementaryConfiguration: structuredClone(input.supplementaryConfiguration ?? {}),
    tags: checkTags(input.tags ?? {}),
    relationships: checkRelationships(input.relationships ?? []),
  };
  if (arn !== undefined) item.arn = arn;
  if (input.resourceName !== undefined) item.resourceName = input.resourceName;
  if (input.availabilityZone !== undefined) item.availabilityZone = input.availabilityZone;
  if (input.resourceCreationTime !== undefined) item.resourceCreationTime = new Date(input.resourceCreationTime.getTime());
  return item;
}

/**
 * Returns the `BaseConfigurationItem` of BatchGetResourceConfig on the wire. It has no tags and no
 * relationships, as the API reference states.
 */
export function toBaseConfigurationItem(item: SimulatedConfigurationItem): Record<string, unknown> {
  return withoutUndefined({
    version: item.version,
    accountId: item.accountId,
    configurationItemCaptureTime: epochSeconds(item.configurationItemCaptureTime),
    configurationItemStatus: item.configurationItemStatus,
    configurationStateId: item.configurationStateId,
    arn: item.arn,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    resourceName: item.resourceName,
    awsRegion: item.awsRegion,
    availabilityZone: item.availabilityZone,
    resourceCreationTime: item.resourceCreationTime === undefined ? undefined : epochSeconds(item.resourceCreationTime),
    configuration: item.configuration === null ? undefined : JSON.stringify(item.configuration),
    supplementaryConfiguration: supplementaryAsStrings(item.supplementaryConfiguration),
    recordingFrequency: 'CONTINUOUS',
  });
}

/** Returns the `ConfigurationItem` of GetResourceConfigHistory on the wire, with tags and relationships. */
export function toHistoryConfigurationItem(item: SimulatedConfigurationItem): Record<string, unknown> {
  return withoutUndefined({
    ...toBaseConfigurationItem(item),
    configurationItemMD5Hash: '',
    tags: { ...item.tags },
    relatedEvents: [],
    relationships: item.relationships.map((relationship) => withoutUndefined({ ...relationship })),
  });
}

/** Returns the time as the AWS JSON protocol writes timestamps: epoch seconds with a fraction. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** Returns the supplementary configuration with every value as a string, objects JSON-encoded. */
function supplementaryAsStrings(supplementary: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(supplementary)) {
    result[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return result;
}

function parseConfiguration(configuration: unknown): Record<string, unknown> {
  if (typeof configuration === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(configuration);
    } catch {
      throw new InvalidConfigurationItemError('configuration', `configuration is a string but not valid JSON: ${configuration.slice(0, 80)}`);
    }
    return parseConfiguration(parsed);
  }
  if (typeof configuration !== 'object' || configuration === null || Array.isArray(configuration)) {
    throw new InvalidConfigurationItemError('configuration', `configuration must be a JSON object or its JSON string, got ${JSON.stringify(configuration) ?? String(configuration)}`);
  }
  return structuredClone(configuration as Record<string, unknown>);
}

function checkDate(field: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidConfigurationItemError(field, `${field} must be a valid Date, got ${String(value)}`);
  }
}

function checkTags(tags: unknown): Record<string, string> {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags) || Object.values(tags).some((value) => typeof value !== 'string')) {
    throw new InvalidConfigurationItemError('tags', `tags must map tag keys to string values, such as { env: 'prod' }, got ${JSON.stringify(tags)}`);
  }
  return { ...(tags as Record<string, string>) };
}

function checkRelationships(relationships: unknown): ConfigurationItemRelationship[] {
  if (!Array.isArray(relationships)) {
    throw new InvalidConfigurationItemError('relationships', `relationships must be a list, got ${JSON.stringify(relationships)}`);
  }
  return relationships.map((relationship: unknown, index) => {
    const candidate = relationship as Partial<ConfigurationItemRelationship> | null;
    if (typeof candidate?.resourceType !== 'string' || typeof candidate.relationshipName !== 'string') {
      throw new InvalidConfigurationItemError(
        `relationships[${index}]`,
        `relationships[${index}] needs resourceType and relationshipName strings, got ${JSON.stringify(relationship)}`,
      );
    }
    return { ...candidate } as ConfigurationItemRelationship;
  });
}

/** Returns the ARN AWS gives a resource of a common type, or undefined for other types. */
function defaultArn(resourceType: string, resourceId: string, resourceName: string | undefined, location: ItemLocation): string | undefined {
  const { partition, region, account } = location;
  const name = resourceName ?? resourceId;
  switch (resourceType) {
    case 'AWS::EC2::Instance':
      return `arn:${partition}:ec2:${region}:${account}:instance/${resourceId}`;
    case 'AWS::EC2::SecurityGroup':
      return `arn:${partition}:ec2:${region}:${account}:security-group/${resourceId}`;
    case 'AWS::EC2::Volume':
      return `arn:${partition}:ec2:${region}:${account}:volume/${resourceId}`;
    case 'AWS::EC2::VPC':
      return `arn:${partition}:ec2:${region}:${account}:vpc/${resourceId}`;
    case 'AWS::EC2::Subnet':
      return `arn:${partition}:ec2:${region}:${account}:subnet/${resourceId}`;
    case 'AWS::EC2::NetworkInterface':
      return `arn:${partition}:ec2:${region}:${account}:network-interface/${resourceId}`;
    case 'AWS::S3::Bucket':
      return `arn:${partition}:s3:::${name}`;
    case 'AWS::IAM::Role':
      return `arn:${partition}:iam::${account}:role/${name}`;
    case 'AWS::IAM::User':
      return `arn:${partition}:iam::${account}:user/${name}`;
    case 'AWS::RDS::DBInstance':
      return `arn:${partition}:rds:${region}:${account}:db:${name}`;
    case 'AWS::Lambda::Function':
      return `arn:${partition}:lambda:${region}:${account}:function:${name}`;
    // An ECS service's resource id is taken to be its ARN, which contains the cluster's name.
    case 'AWS::ECS::Service':
      return resourceId.startsWith('arn:') ? resourceId : undefined;
    case 'AWS::ECS::Cluster':
      return `arn:${partition}:ecs:${region}:${account}:cluster/${name}`;
    case 'AWS::DynamoDB::Table':
      return `arn:${partition}:dynamodb:${region}:${account}:table/${name}`;
    default:
      return undefined;
  }
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
