import type { Logger } from 'pino';

/** AWS region codes such as `us-east-1`, `eu-central-2` or `us-gov-west-1`. */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Options of {@link createAwsClient}, the same for every AWS service client of the write-back. */
export interface AwsClientOptions<Credentials> {
  /** AWS region of the resources, such as `us-east-1`. */
  region: string;
  /** Receives one warning per failed attempt, so throttling shows in the logs before the SDK gives up. */
  logger?: Logger;
  /**
   * Attempts per call, the first included. Absent: `AWS_MAX_ATTEMPTS` when set, otherwise the
   * service's default.
   */
  maxAttempts?: number;
  /**
   * Endpoint URL. Leave it out in production: the SDK then reads `AWS_ENDPOINT_URL_<SERVICE>`,
   * then `AWS_ENDPOINT_URL`, then the shared config file, and falls back to the regional endpoint.
   */
  endpoint?: string;
  /** Credentials or a credential provider, for example one that assumes a role in another account. Absent: the default credential chain (ECS task role). */
  credentials?: Credentials;
}

/** Settings of {@link createAwsClient} that differ from one AWS service to the next. */
export interface AwsServiceClientSettings {
  /** Service name in log lines, such as `Security Hub` or `SSM`. */
  serviceName: string;
  /** Attempts per call when neither the caller nor `AWS_MAX_ATTEMPTS` sets it. */
  defaultMaxAttempts: number;
  /**
   * The SDK's retry mode. `adaptive` adds a client-side rate limiter that slows the client down
   * after throttling, for services whose request rate a burst of records can exceed. Default
   * `standard`.
   */
  retryMode?: 'standard' | 'adaptive';
}

/** The client configuration that {@link createAwsClient} passes to the SDK client's constructor. */
export interface AwsClientConfig<Credentials> {
  region: string;
  retryMode: 'standard' | 'adaptive';
  cacheMiddleware: boolean;
  maxAttempts?: number;
  endpoint?: string;
  credentials?: Credentials;
}

/**
 * The part of an AWS SDK v3 client that attempt logging uses. Every generated client
 * (`SecurityHubClient`, `SSMClient`, …) has it.
 */
export interface AwsMiddlewareClient {
  middlewareStack: {
    addRelativeTo(middleware: unknown, options: { relation: 'after'; toMiddleware: string; name: string }): void;
  };
}

/**
 * Creates an AWS SDK v3 client with the settings every write-back client shares.
 *
 * It sets no endpoint unless asked, so the SDK's standard endpoint variables apply:
 * `@smithy/core` (`getEndpointFromConfig`, read on the first request) takes
 * `AWS_ENDPOINT_URL_<SERVICE>` before `AWS_ENDPOINT_URL` unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true. Throttling, server and network errors are retried
 * by the SDK's standard retry strategy (exponential backoff with jitter) up to `maxAttempts`.
 *
 * @throws RangeError when the region is not a region code or `maxAttempts` is not a whole number of at least 1.
 *
 * @example
 * const client = createAwsClient(SSMClient, { region: 'us-east-1', logger }, { serviceName: 'SSM', defaultMaxAttempts: 5 });
 */
export function createAwsClient<Client extends AwsMiddlewareClient, Credentials>(
  ClientClass: new (config: AwsClientConfig<Credentials>) => Client,
  options: AwsClientOptions<Credentials>,
  settings: AwsServiceClientSettings,
): Client {
  if (!AWS_REGION_PATTERN.test(options.region)) {
    throw new RangeError(`Invalid AWS region "${options.region}": expected a region code such as us-east-1`);
  }
  if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
    throw new RangeError(`maxAttempts must be a whole number of at least 1, got ${options.maxAttempts}`);
  }

  const config: AwsClientConfig<Credentials> = {
    region: options.region,
    retryMode: settings.retryMode ?? 'standard',
    // Builds each command's middleware chain once per client, not on every call. The SDK keeps
    // this cache only for calls without options (an abortSignal clears it), and these calls pass
    // none. The attempt logging below is on the client's stack, so the cached chains include it.
    cacheMiddleware: true,
  };
  // Leaving maxAttempts unset is what lets the SDK read AWS_MAX_ATTEMPTS.
  const maxAttempts = options.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : settings.defaultMaxAttempts);
  if (maxAttempts !== undefined) {
    config.maxAttempts = maxAttempts;
  }
  if (options.endpoint !== undefined) {
    config.endpoint = options.endpoint;
  }
  if (options.credentials !== undefined) {
    config.credentials = options.credentials;
  }

  const client = new ClientClass(config);
  if (options.logger) {
    addAttemptLogging(client, options.logger, settings.serviceName);
  }
  return client;
}

/**
 * Logs every failed attempt. The middleware sits right after the SDK's retry middleware, so it runs
 * once per attempt and receives each error before the SDK decides whether to retry.
 */
function addAttemptLogging(client: AwsMiddlewareClient, logger: Logger, serviceName: string): void {
  const attemptLogger = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (error) {
      const sdkError = error as { name?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
      // The SDK retries network failures, server errors and throttling; other client errors are final.
      const status = sdkError.$metadata?.httpStatusCode;
      const retried = status === undefined || status >= 500 || status === 429 || /Throttl|TooManyRequests|LimitExceeded/.test(sdkError.name ?? '');
      logger.warn(
        {
          operation: context.commandName,
          errorCode: sdkError.name,
          httpStatus: sdkError.$metadata?.httpStatusCode,
          requestId: sdkError.$metadata?.requestId,
        },
        retried ? `${serviceName} request attempt failed; the SDK retries it while attempts remain` : `${serviceName} request failed with a client error, which is not retried`,
      );
      throw error;
    }
  };

  client.middlewareStack.addRelativeTo(attemptLogger, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'itsmSyncAttemptLogger',
  });
}
