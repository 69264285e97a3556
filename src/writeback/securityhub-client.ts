import { SecurityHubClient, type SecurityHubClientConfig } from '@aws-sdk/client-securityhub';

import { createAwsClient, type AwsClientOptions } from './aws-client.js';

/**
 * Attempts per Security Hub call, the first included, when neither the caller nor
 * `AWS_MAX_ATTEMPTS` sets it. The SDK default of 3 gives up quickly against BatchUpdateFindings'
 * low request rate (10 requests a second, burst 30, per the Security Hub API reference).
 */
export const DEFAULT_SECURITYHUB_MAX_ATTEMPTS = 5;

/**
 * Options of {@link createSecurityHubClient}. `region` is the region of the findings; without
 * `endpoint` the SDK reads `AWS_ENDPOINT_URL_SECURITYHUB`, then `AWS_ENDPOINT_URL`. Without
 * `maxAttempts`, `AWS_MAX_ATTEMPTS` applies when set, otherwise {@link DEFAULT_SECURITYHUB_MAX_ATTEMPTS}.
 */
export type SecurityHubClientOptions = AwsClientOptions<NonNullable<SecurityHubClientConfig['credentials']>>;

/**
 * Creates the Security Hub client used by the finding write-back, with the shared settings of
 * {@link createAwsClient}: no endpoint unless asked, so `AWS_ENDPOINT_URL_SECURITYHUB` applies, and
 * the SDK's standard retry strategy up to `maxAttempts`.
 *
 * @throws RangeError when the region is not a region code or `maxAttempts` is not a whole number of at least 1.
 *
 * @example
 * const client = createSecurityHubClient({ region: 'us-east-1', logger });
 * const writeback = new SecurityHubWriteback({ client, logger });
 */
export function createSecurityHubClient(options: SecurityHubClientOptions): SecurityHubClient {
  // Each new finding needs one BatchUpdateFindings call, so a burst of findings meets the service's
  // rate limit. Adaptive mode then spaces the calls out instead of failing them.
  return createAwsClient(SecurityHubClient, options, { serviceName: 'Security Hub', defaultMaxAttempts: DEFAULT_SECURITYHUB_MAX_ATTEMPTS, retryMode: 'adaptive' });
}
