/**
 * The AWS Config configuration item (CI) as mapping expressions see it. It is built from the
 * `configurationItem` of a `Config Configuration Item Change` event, or, when the event is an
 * oversized notification, from the BatchGetResourceConfig output. `raw` keeps the item as it came
 * for fields this view does not carry.
 */
export interface ConfigurationItemView {
  /** Resource type, such as `AWS::EC2::Instance` or `AWS::S3::Bucket`. */
  resourceType: string;
  /** Resource id, such as `i-0a1b2c3d4e5f60718`, a bucket name or an IAM role's unique id. */
  resourceId: string;
  /** Resource name, or null when the resource type has none (EC2 instances, for example). */
  resourceName: string | null;
  /** ARN of the resource, or null when the item has none. */
  arn: string | null;
  /** AWS account id that owns the resource. */
  account: string;
  /**
   * The item's `awsRegion`: the Region of the resource, or `global` for global resources such as
   * IAM roles, which AWS Config records in one Region of the account's choice.
   */
  region: string;
  /**
   * Availability Zone of the resource, such as `us-east-1a`. AWS Config also writes `Regional`,
   * `Multiple Availability Zones` or `Not Applicable` here. Null when the item has none.
   */
  availabilityZone: string | null;
  /** The item's `configurationItemStatus`. */
  status: ConfigurationItemStatus;
  /**
   * The change that produced the item (`configurationItemDiff.changeType`, or
   * `configurationItemSummary.changeType` for an oversized item), or null when the event carries
   * no diff, as for some deletions and for items read back from the API.
   */
  changeType: ConfigurationItemChangeType | null;
  /**
   * True when the resource is gone or no longer recorded: status `ResourceDeleted`,
   * `ResourceDeletedNotRecorded` or `ResourceNotRecorded`, or change type `DELETE`.
   */
  deleted: boolean;
  /** ISO-8601 time AWS Config captured the item (`configurationItemCaptureTime`). */
  captureTime: string;
  /** ISO-8601 time the resource was created, or null when unknown (deleted resources report none). */
  resourceCreationTime: string | null;
  /**
   * Tags of the resource, name to value. The BatchGetResourceConfig output has no tags, so for an
   * oversized item they come from `configuration.tags` when that is a list of `{key, value}` (as for
   * EC2 instances and IAM roles), and are empty otherwise.
   */
  tags: Record<string, string>;
  /**
   * Resources related to this one, as AWS Config records them. Empty for an oversized item, because
   * the BatchGetResourceConfig output has no relationships.
   */
  relationships: ConfigurationItemRelationship[];
  /**
   * The resource's configuration in the shape its service's Describe call returns, such as the
   * EC2 instance with `instanceType` and `securityGroups`. Null for a deleted resource. The Config
   * API returns it as JSON text, which is parsed here so that both paths give the same shape.
   */
  configuration: Record<string, unknown> | null;
  /**
   * Extra configuration that some resource types carry, name to value, such as an S3 bucket's
   * `PublicAccessBlockConfiguration` or `BucketPolicy`. AWS Config sends some values as JSON text
   * and the Config API sends all of them as text, so a value that is JSON text of an object or a
   * list is parsed. Text inside those values (a bucket policy's `policyText`) stays text.
   */
  supplementaryConfiguration: Record<string, unknown>;
  /** Link that opens the resource's page in the AWS Config console of the Region that recorded it. */
  consoleUrl: string;
  /** The configuration item as it came, with API timestamps as ISO-8601 text. */
  raw: Record<string, unknown>;
}

/**
 * Values of `configurationItemStatus`, as the AWS Config API reference lists them:
 * - `OK`: the resource configuration has been updated.
 * - `ResourceDiscovered`: the resource was newly discovered.
 * - `ResourceNotRecorded`: the resource was discovered, but the recorder does not record its type.
 * - `ResourceDeleted`: the resource was deleted.
 * - `ResourceDeletedNotRecorded`: the resource was deleted, and the recorder does not record its type.
 */
export type ConfigurationItemStatus = 'OK' | 'ResourceDiscovered' | 'ResourceNotRecorded' | 'ResourceDeleted' | 'ResourceDeletedNotRecorded';

/** Values of `changeType` in a configuration item diff. */
export type ConfigurationItemChangeType = 'CREATE' | 'UPDATE' | 'DELETE';

/** One relationship of a configuration item to another resource. */
export interface ConfigurationItemRelationship {
  /** Type of the related resource, such as `AWS::EC2::SecurityGroup`. */
  resourceType: string;
  resourceId: string;
  /** Name of the related resource, or null when it has none. */
  resourceName: string | null;
  /** The relationship as AWS Config names it, such as `Is associated with SecurityGroup`. */
  name: string;
}
