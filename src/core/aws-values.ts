/**
 * Conversions of values that AWS APIs return, shared by the AWS sources (OpsItems, change
 * requests, configuration items) and the AWS simulators.
 */

/**
 * Returns ISO-8601 text for a `Date` or a timestamp text, or null when there is no valid time.
 * The AWS SDK v3 returns timestamps as `Date`; AWS Config events carry them as text.
 */
export function isoTime(value: unknown): string | null {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? null : value.toISOString();
  }
  if (typeof value !== 'string' || value === '') {
    return null;
  }
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/** Copies SDK output into JSON-shaped data: dates become ISO-8601 text and undefined members are dropped. */
export function toJson(value: unknown): unknown {
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (Array.isArray(value)) {
    return value.map(toJson);
  }
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) {
        copy[key] = toJson(member);
      }
    }
    return copy;
  }
  return value;
}

/** Returns the ARN partition of a Region: `aws-cn` for China, `aws-us-gov` for GovCloud, otherwise `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
