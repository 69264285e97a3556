import { ConfigServiceClient, type ConfigServiceClientConfig } from '@aws-sdk/client-config-service';

import { createAwsClient, type AwsClientOptions } from './aws-client.js';

/**
 * Attempts per AWS Config call, the first included, when neither the caller nor
 * `AWS_MAX_ATTEMPTS` sets it. NOTE: this is the same guess as for SSM and Security Hub: 5 attempts
 * with the SDK's backoff ride out a few seconds of throttling. It is not sized from a published
 * AWS Config request rate.
 */
export const DEFAULT_CONFIG_MAX_ATTEMPTS = 5;

/**
 * Options of {@link createConfigClient}. `region` is the Region whose AWS Config recorded the
 * items; without `endpoint` the SDK reads `AWS_ENDPOINT_URL_CONFIG_SERVICE`, then
 * `AWS_ENDPOINT_URL`. Without `maxAttempts`, `AWS_MAX_ATTEMPTS` applies when set, otherwise
 * {@link DEFAULT_CONFIG_MAX_ATTEMPTS}.
 */
export type ConfigClientOptions = AwsClientOptions<NonNullable<ConfigServiceClientConfig['credentials']>>;

/**
 * Returns the AWS Config client for the configuration items of one account and Region. AWS Config
 * records per Region, so the configuration item source requests a client per event.
 */
export type ConfigClientProvider = (region: string, account: string) => ConfigServiceClient;

/**
 * Creates the AWS Config client used to read configuration items, with the shared settings of
 * {@link createAwsClient}: no endpoint unless asked, and the SDK's standard retry strategy
 * (throttling, server and network errors) up to `maxAttempts`.
 *
 * @throws RangeError when the region is not a region code or `maxAttempts` is not a whole number of at least 1.
 *
 * @example
 * const client = createConfigClient({ region: 'us-east-1', logger });
 * await client.send(new BatchGetResourceConfigCommand({ resourceKeys: [{ resourceType: 'AWS::EC2::Instance', resourceId: 'i-0a1b2c3d4e5f60718' }] }));
 */
export function createConfigClient(options: ConfigClientOptions): ConfigServiceClient {
  return createAwsClient(ConfigServiceClient, options, { serviceName: 'AWS Config', defaultMaxAttempts: DEFAULT_CONFIG_MAX_ATTEMPTS });
}

/**
 * Creates a {@link ConfigClientProvider} that builds one client per Region on first use and reuses
 * it. Every client uses the same credentials; the account is not used.
 *
 * NOTE: configuration items of other accounts need a role per account, which this provider does
 * not assume. A provider that does can be passed to the source instead.
 *
 * @example
 * const clients = createConfigClientProvider({ logger });
 * const source = new ConfigurationItemSource({ client: clients, logger });
 */
export function createConfigClientProvider(options: Omit<ConfigClientOptions, 'region'> = {}): ConfigClientProvider {
  const clients = new Map<string, ConfigServiceClient>();
  return (region) => {
    let client = clients.get(region);
    if (client === undefined) {
      client = createConfigClient({ ...options, region });
      clients.set(region, client);
    }
    return client;
  };
}
