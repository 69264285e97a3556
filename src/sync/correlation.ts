import { createHash } from 'node:crypto';

/** Hex digits of the SHA-256 of the identity kept in a correlation value (160 bits). */
const HASH_LENGTH = 40;

/**
 * Derive the correlation value that the ITSM record carries for an AWS record: the rule's prefix
 * and a hash of the identity. A finding ARN is longer than ServiceNow's 100-character
 * `correlation_id` and an identity may contain `^`, `&`, quotes or spaces, so the hash keeps the
 * value short, of fixed length and safe in encoded queries and JQL.
 *
 * @example
 * correlationFor('aws-sh-', 'finding|111122223333|arn:aws:securityhub:…') // 'aws-sh-5d1c…'
 */
export function correlationFor(prefix: string, identity: string): string {
  const hash = createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  return `${prefix}${hash}`;
}
