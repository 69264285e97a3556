import { BatchGetResourceConfigCommand, type BaseConfigurationItem, type ConfigServiceClient, type ResourceKey } from '@aws-sdk/client-config-service';

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
