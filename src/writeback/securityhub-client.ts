import { SecurityHubClient, type SecurityHubClientConfig } from '@aws-sdk/client-securityhub';
import type { Logger } from 'pino';

/**
 * Attempts per Security Hub call, the first included, when neither the caller nor
 * `AWS_MAX_ATTEMPTS` sets it. The SDK default of 3 gives up quickly against BatchUpdateFindings'
 * low request rate (10 requests a second, burst 30, per the Security Hub API reference).
 */
export const DEFAULT_SECURITYHUB_MAX_ATTEMPTS = 5;

/** Options of {@link createSecurityHubClient}. */
export interface SecurityHubClientOptions {
  /** AWS region of the Security Hub findings, such as `us-east-1`. */
  region: string;
  /** Receives one warning per failed attempt, so throttling shows in the logs before the SDK gives up. */
  logger?: Logger;
  /**
   * Attempts per call, the first included. Absent: `AWS_MAX_ATTEMPTS` when set, otherwise
   * {@link DEFAULT_SECURITYHUB_MAX_ATTEMPTS}.
   */
  maxAttempts?: number;
  /**
   * Endpoint URL. Leave it out in production: the SDK then reads `AWS_ENDPOINT_URL_SECURITYHUB`,
   * then `AWS_ENDPOINT_URL`, then the shared config file, and falls back to the regional endpoint.
   */
  endpoint?: string;
  /** Credentials or a credential provider, for example one that assumes a role in another account. Absent: the default credential chain (ECS task role). */
  credentials?: SecurityHubClientConfig['credentials'];
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Creates the Security Hub client used by the finding write-back.
 *
 * It sets no endpoint unless asked, so the SDK's standard endpoint variables apply:
 * `@smithy/core` (`getEndpointFromConfig`, read on the first request) takes
 * `AWS_ENDPOINT_URL_SECURITYHUB` before `AWS_ENDPOINT_URL` unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true. Throttling and server errors are retried by the
 * SDK's standard retry strategy (exponential backoff with jitter) up to `maxAttempts`.
 *
 * @example
 * const client = createSecurityHubClient({ region: 'us-east-1', logger });
 * const writeback = new SecurityHubWriteback({ client, logger });
 */
export function createSecurityHubClient(options: SecurityHubClientOptions): SecurityHubClient {
  if (!REGION_PATTERN.test(options.region)) {
    throw new RangeError(`Invalid AWS region "${options.region}": expected a region code such as us-east-1`);
  }
  if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
    throw new RangeError(`maxAttempts must be a whole number of at least 1, got ${options.maxAttempts}`);
  }

  const config: SecurityHubClientConfig = { region: options.region, retryMode: 'standard' };
  const maxAttempts = options.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_SECURITYHUB_MAX_ATTEMPTS);
  if (maxAttempts !== undefined) {
    config.maxAttempts = maxAttempts;
  }
  if (options.endpoint !== undefined) {
    config.endpoint = options.endpoint;
  }
  if (options.credentials !== undefined) {
    config.credentials = options.credentials;
  }

  const client = new SecurityHubClient(config);
  if (options.logger) {
    addAttemptLogging(client, options.logger);
  }
  return client;
}

/**
 * Logs every failed attempt. The middleware sits right after the SDK's retry middleware, so it runs
 * once per attempt and receives each error before the SDK decides whether to retry.
 */
function addAttemptLogging(client: SecurityHubClient, logger: Logger): void {
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
        'Security Hub request attempt failed; the SDK retries throttling and server errors',
      );
      throw error;
    }
  };

  client.middlewareStack.addRelativeTo(attemptLogger as SecurityHubMiddleware, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'itsmSyncAttemptLogger',
  });
}

// The SDK's middleware type is a union of one function type per step, so the function above is cast to it.
type SecurityHubMiddleware = Parameters<SecurityHubClient['middlewareStack']['addRelativeTo']>[0];
