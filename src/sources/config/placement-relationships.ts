/**
 * The account and the Region that every AWS resource lives in, as resource types and relationships
 * of configuration items. AWS Config records neither as an item of its own, so itsm-sync derives
 * them from the ids in each item (see placement-records.ts) and adds the relationships itself.
 */
import type { ConfigurationItemRelationship } from './configuration-item-view.js';

/**
 * Resource type of the CI of an AWS account. AWS Config uses this name for the evaluations of
 * account-level rules (such as `iam-password-policy`), but records no configuration item of it.
 */
export const ACCOUNT_RESOURCE_TYPE = 'AWS::::Account';

/**
 * Resource type of the CI of one Region of one account. AWS Config has no such type: itsm-sync
 * names it in the style of {@link ACCOUNT_RESOURCE_TYPE}.
 */
export const REGION_RESOURCE_TYPE = 'AWS::::Region';

/** The `awsRegion` of resources that belong to no Region, such as IAM roles. */
export const GLOBAL_REGION = 'global';

/** Relationship from a resource to the Region it lives in; global resources have none. */
export const LOCATED_IN_REGION = 'Is located in Region';

/** Relationship from a resource to the account that owns it. */
export const OWNED_BY_ACCOUNT = 'Is owned by Account';

/** Relationship from a Region to the account it belongs to. */
export const CONTAINED_IN_ACCOUNT = 'Is contained in Account';

/** The names of the relationships that itsm-sync adds, as opposed to those AWS Config records. */
export const PLACEMENT_RELATIONSHIP_NAMES: ReadonlySet<string> = new Set([LOCATED_IN_REGION, OWNED_BY_ACCOUNT, CONTAINED_IN_ACCOUNT]);

const PLACEMENT_RESOURCE_TYPES: ReadonlySet<string> = new Set([ACCOUNT_RESOURCE_TYPE, REGION_RESOURCE_TYPE]);

/** Returns whether a resource type is one of the account and Region types that itsm-sync derives. */
export function isPlacementResourceType(resourceType: string | undefined): boolean {
  return resourceType !== undefined && PLACEMENT_RESOURCE_TYPES.has(resourceType);
}

/** Returns whether a relationship is one that itsm-sync adds: to an account or Region, by one of its names. */
export function isPlacementRelationship(relationship: ConfigurationItemRelationship): boolean {
  return isPlacementResourceType(relationship.resourceType) && PLACEMENT_RELATIONSHIP_NAMES.has(relationship.name);
}

/** Builds the relationship from a Region to its account. */
export function containedInAccount(account: string): ConfigurationItemRelationship {
  return { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: account, resourceName: account, name: CONTAINED_IN_ACCOUNT };
}

/**
 * Returns `relationships` with the resource's Region (unless the resource is global) and account
 * appended, in that order. A relationship the list has already is not added twice.
 *
 * @example
 * withPlacementRelationships([], '111122223333', 'us-east-1');
 * // [{ resourceType: 'AWS::::Region', resourceId: 'us-east-1', …, name: 'Is located in Region' },
 * //  { resourceType: 'AWS::::Account', resourceId: '111122223333', …, name: 'Is owned by Account' }]
 */
export function withPlacementRelationships(relationships: ConfigurationItemRelationship[], account: string, region: string): ConfigurationItemRelationship[] {
  const placements: ConfigurationItemRelationship[] = [];
  if (region !== GLOBAL_REGION) {
    placements.push({ resourceType: REGION_RESOURCE_TYPE, resourceId: region, resourceName: region, name: LOCATED_IN_REGION });
  }
  placements.push({ resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: account, resourceName: account, name: OWNED_BY_ACCOUNT });

  const missing = placements.filter((placement) => !relationships.some((existing) => sameRelationship(existing, placement)));
  return [...relationships, ...missing];
}

function sameRelationship(left: ConfigurationItemRelationship, right: ConfigurationItemRelationship): boolean {
  return left.resourceType === right.resourceType && left.resourceId === right.resourceId && left.name === right.name;
}
