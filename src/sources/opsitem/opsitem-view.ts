/**
 * The OpsItem as mapping expressions see it, built from the GetOpsItem output (the event is only a
 * trigger). `raw` keeps the whole OpsItem for fields this view does not carry.
 *
 * The connector's own write-back (the `itsm-sync:` OperationalData keys) is left out of
 * `operationalData`, so writing back never changes that field. `lastModifiedBy`,
 * `lastModifiedTime` and `raw` do change with every update, the connector's included.
 */
export interface OpsItemView {
  /** OpsItemId, such as `oi-4f3a2b1c0d9e`. */
  id: string;
  /** AWS account id that owns the OpsItem, from its ARN (or the event when the ARN is missing). */
  account: string;
  /** AWS Region of the OpsItem. */
  region: string;
  /** OpsItemArn, such as `arn:aws:ssm:us-east-1:111122223333:opsitem/oi-4f3a2b1c0d9e`. */
  arn: string;
  title: string;
  /** Description in Markdown; empty text when absent. */
  description: string;
  /** `Open`, `InProgress` or `Resolved` for issues; change requests use more statuses. */
  status: string;
  /** 1 (highest) to 5, or null when not set. */
  priority: number | null;
  /** Free text of 1 to 64 characters (the console offers `1` to `4`), or null when not set. */
  severity: string | null;
  /** `Availability`, `Cost`, `Performance`, `Recovery`, `Security` or any other text, or null. */
  category: string | null;
  /** Origin of the OpsItem, such as `EC2` or `CloudWatch`. */
  source: string;
  /** `/aws/issue`, `/aws/insight` or `/aws/changerequest`, or null when GetOpsItem returns none. */
  opsItemType: string | null;
  /** ARN of the principal that created the OpsItem, or null. */
  createdBy: string | null;
  /** ISO-8601 time of creation, or null. */
  createdTime: string | null;
  /** ARN of the principal that changed the OpsItem last, or null. */
  lastModifiedBy: string | null;
  /** ISO-8601 time of the last change, or null. */
  lastModifiedTime: string | null;
  /** ARNs of the related resources, from the OperationalData key `/aws/resources`. */
  relatedResources: string[];
  /**
   * The other OperationalData entries, sorted by key. Entries whose key starts with `itsm-sync:`
   * (written by the connector) and `/aws/resources` (in `relatedResources`) are left out.
   */
  operationalData: OpsItemDataEntry[];
  /** Link that opens the OpsItem in the OpsCenter console of its Region. */
  consoleUrl: string;
  /** The OpsItem as GetOpsItem returned it, with timestamps as ISO-8601 text. */
  raw: Record<string, unknown>;
}

/** One OperationalData entry of an OpsItem. */
export interface OpsItemDataEntry {
  key: string;
  /** The value as stored; often JSON inside the text, as for `/aws/automations`. */
  value: string;
  /** `SearchableString` or `String`, or null when GetOpsItem returns no type. */
  type: string | null;
}
