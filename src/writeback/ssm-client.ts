import { SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';

/**
 * Attempts per SSM call, the first included, when neither the caller nor `AWS_MAX_ATTEMPTS` sets
 * it. NOTE: the SSM API reference publishes no request rate for the OpsItem operations; 5 attempts
 * with the SDK's backoff ride out a few seconds of throttling, as for Security Hub.
 */
export const DEFAULT_SSM_MAX_ATTEMPTS = 5;

/** Options of {@link createSsmClient}. */
export interface SsmClientOptions {
  /** AWS region of the OpsItems, such as `us-east-1`. */
  region: string;
  /** Receives one warning per failed attempt, so throttling shows in the logs before the SDK gives up. */
  logger?: Logger;
  /**
   * Attempts per call, the first included. Absent: `AWS_MAX_ATTEMPTS` when set, otherwise
   * {@link DEFAULT_SSM_MAX_ATTEMPTS}.
   */
  maxAttempts?: number;
  /**
   * Endpoint URL. Leave it out in production: the SDK then reads `AWS_ENDPOINT_URL_SSM`, then
   * `AWS_ENDPOINT_URL`, then the shared config file, and falls back to the regional endpoint.
   */
  endpoint?: string;
  /** Credentials or a credential provider. Absent: the default credential chain (ECS task role). */
  credentials?: SSMClientConfig['credentials'];
}

/**
 * Returns the SSM client for the OpsItems of one account and region. OpsItems are regional, so the
 * OpsItem source and write-back ask for a client per record instead of holding one.
 */
export type SsmClientProvider = (region: string, account: string) => SSMClient;

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Creates the SSM client used to read and update OpsItems.
 *
 * It sets no endpoint unless asked, so the SDK's standard endpoint variables apply
 * (`AWS_ENDPOINT_URL_SSM` before `AWS_ENDPOINT_URL`, unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true). ThrottlingException, InternalServerError and
 * network errors are retried by the SDK's standard retry strategy (exponential backoff with
 * jitter) up to `maxAttempts`.
 *
 * @example
 * const client = createSsmClient({ region: 'us-east-1', logger });
 * await client.send(new GetOpsItemCommand({ OpsItemId: 'oi-4f2a9c81d0e7' }));
 */
export function createSsmClient(options: SsmClientOptions): SSMClient {
  if (!REGION_PATTERN.test(options.region)) {
    throw new RangeError(`Invalid AWS region "${options.region}": expected a region code such as us-east-1`);
  }
  if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
    throw new RangeError(`maxAttempts must be a whole number of at least 1, got ${options.maxAttempts}`);
  }

  const config: SSMClientConfig = { region: options.region, retryMode: 'standard' };
  const maxAttempts = options.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_SSM_MAX_ATTEMPTS);
  if (maxAttempts !== undefined) {
    config.maxAttempts = maxAttempts;
  }
  if (options.endpoint !== undefined) {
    config.endpoint = options.endpoint;
  }
  if (options.credentials !== undefined) {
    config.credentials = options.credentials;
  }

  const client = new SSMClient(config);
  if (options.logger) {
    addAttemptLogging(client, options.logger);
  }
  return client;
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

/**
 * Logs every failed attempt. The middleware sits right after the SDK's retry middleware, so it runs
 * once per attempt and receives each error before the SDK decides whether to retry.
 */
function addAttemptLogging(client: SSMClient, logger: Logger): void {
  const attemptLogger = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (error) {
      const sdkError = error as { name?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
      logger.warn(
        {
          operation: context.commandName,
          errorCode: sdkError.name,
          httpStatus: sdkError.$metadata?.httpStatusCode,
          requestId: sdkError.$metadata?.requestId,
        },
        'SSM request attempt failed; the SDK retries throttling and server errors',
      );
      throw error;
    }
  };

  client.middlewareStack.addRelativeTo(attemptLogger as SsmMiddleware, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'itsmSyncAttemptLogger',
  });
}

// The SDK's middleware type is a union of one function type per step, so the function above is cast to it.
type SsmMiddleware = Parameters<SSMClient['middlewareStack']['addRelativeTo']>[0];
