import { SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';

import { createAwsClient, type AwsClientOptions } from './aws-client.js';

/**
 * Attempts per SSM call, the first included, when neither the caller nor `AWS_MAX_ATTEMPTS` sets
 * it. NOTE: the SSM API reference publishes no request rate for the OpsItem operations; 5 attempts
 * with the SDK's backoff ride out a few seconds of throttling, as for Security Hub.
 */
export const DEFAULT_SSM_MAX_ATTEMPTS = 5;

/**
 * Options of {@link createSsmClient}. `region` is the region of the OpsItems; without `endpoint`
 * the SDK reads `AWS_ENDPOINT_URL_SSM`, then `AWS_ENDPOINT_URL`. Without `maxAttempts`,
 * `AWS_MAX_ATTEMPTS` applies when set, otherwise {@link DEFAULT_SSM_MAX_ATTEMPTS}.
 */
export type SsmClientOptions = AwsClientOptions<NonNullable<SSMClientConfig['credentials']>>;

/**
 * Returns the SSM client for the OpsItems of one account and region. OpsItems are regional, so the
 * OpsItem source and write-back ask for a client per record instead of holding one.
 */
export type SsmClientProvider = (region: string, account: string) => SSMClient;

/**
 * Creates the SSM client used to read and update OpsItems, with the shared settings of
 * {@link createAwsClient}: no endpoint unless asked, so `AWS_ENDPOINT_URL_SSM` applies, and the
 * SDK's standard retry strategy (ThrottlingException, InternalServerError and network errors) up
 * to `maxAttempts`.
 *
 * @throws RangeError when the region is not a region code or `maxAttempts` is not a whole number of at least 1.
 *
 * @example
 * const client = createSsmClient({ region: 'us-east-1', logger });
 * await client.send(new GetOpsItemCommand({ OpsItemId: 'oi-4f2a9c81d0e7' }));
 */
export function createSsmClient(options: SsmClientOptions): SSMClient {
  return createAwsClient(SSMClient, options, { serviceName: 'SSM', defaultMaxAttempts: DEFAULT_SSM_MAX_ATTEMPTS });
}

/**
 * Creates an {@link SsmClientProvider} that builds one client per region on first use and reuses
 * it. Every client uses the same credentials; the account is not used.
 *
 * NOTE: OpsItems of other accounts need a role per account (cross-account OpsCenter), which this
 * provider does not assume. A provider that does can be passed to the source and write-back instead.
 *
 * @example
 * const clients = createSsmClientProvider({ logger });
 * const source = new OpsItemSource({ client: clients, logger });
 */
export function createSsmClientProvider(options: Omit<SsmClientOptions, 'region'> = {}): SsmClientProvider {
  const clients = new Map<string, SSMClient>();
  return (region) => {
    let client = clients.get(region);
    if (client === undefined) {
      client = createSsmClient({ ...options, region });
      clients.set(region, client);
    }
    return client;
  };
}
