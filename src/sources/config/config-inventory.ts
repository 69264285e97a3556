import { BatchGetResourceConfigCommand, ListDiscoveredResourcesCommand, type BaseConfigurationItem, type ConfigServiceClient, type ResourceKey, type ResourceType } from '@aws-sdk/client-config-service';

/** BatchGetResourceConfig takes at most 100 resource keys per call. */
export const BATCH_GET_MAX_KEYS = 100;

const UNPROCESSED_RETRIES = 3;

/** BatchGetResourceConfig kept returning some keys as unprocessed. */
export class UnprocessedResourceKeysError extends Error {
  override readonly name = 'UnprocessedResourceKeysError';

  constructor(readonly keys: ResourceKey[]) {
    super(`BatchGetResourceConfig left ${keys.length} keys unprocessed after ${UNPROCESSED_RETRIES} retries`);
  }
}

/**
 * Read the current configuration items of up to 100 resources with BatchGetResourceConfig, asking
 * again (with a growing pause) for the keys it returns unprocessed, as AWS Config does under load.
 * Deleted resources are left out by AWS Config. Throws the SDK's error, or
 * {@link UnprocessedResourceKeysError} when keys stay unprocessed.
 */
export async function batchGetConfigurationItems(client: ConfigServiceClient, keys: ResourceKey[]): Promise<BaseConfigurationItem[]> {
  const items: BaseConfigurationItem[] = [];
  let pending = keys;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt > UNPROCESSED_RETRIES) throw new UnprocessedResourceKeysError(pending);
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));

    const output = await client.send(new BatchGetResourceConfigCommand({ resourceKeys: pending }));
    items.push(...(output.baseConfigurationItems ?? []));
    pending = output.unprocessedResourceKeys ?? [];
  }
  return items;
}

/** A read of the recorded inventory failed at one step; `cause` is the SDK's error or {@link UnprocessedResourceKeysError}. */
export class InventoryReadError extends Error {
  override readonly name = 'InventoryReadError';

  constructor(
    readonly step: 'ListDiscoveredResources' | 'BatchGetResourceConfig',
    options: { cause: unknown },
  ) {
    const cause = options.cause as Error;
    super(cause instanceof UnprocessedResourceKeysError ? cause.message : `${step} failed: ${cause.message}`, options);
  }
}

/**
 * Read the current configuration item of every resource of one type that AWS Config records in the
 * client's account and Region, a page of up to 100 at a time: ListDiscoveredResources for the ids,
 * then BatchGetResourceConfig. Deleted resources are left out. Throws {@link InventoryReadError}.
 */
export async function* readCurrentItems(client: ConfigServiceClient, resourceType: string): AsyncIterable<BaseConfigurationItem[]> {
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListDiscoveredResourcesCommand({ resourceType: resourceType as ResourceType, limit: BATCH_GET_MAX_KEYS, nextToken }));
    } catch (error) {
      throw new InventoryReadError('ListDiscoveredResources', { cause: error });
    }

    const keys: ResourceKey[] = (page.resourceIdentifiers ?? [])
      .filter((identifier) => identifier.resourceId !== undefined && identifier.resourceDeletionTime === undefined)
      .map((identifier) => ({ resourceType: resourceType as ResourceType, resourceId: identifier.resourceId! }));
    if (keys.length > 0) {
      try {
        yield await batchGetConfigurationItems(client, keys);
      } catch (error) {
        throw new InventoryReadError('BatchGetResourceConfig', { cause: error });
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
}
