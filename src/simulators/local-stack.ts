import { startLocalQueue, type LocalQueue } from './local-queue.js';
import { startSecurityHubSimulator } from './securityhub/server.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from './servicenow/server.js';

export type SecurityHubSimulator = Awaited<ReturnType<typeof startSecurityHubSimulator>>;

/** The ServiceNow login of the local stack; it exists only inside the simulator. */
export const LOCAL_SERVICENOW_USER = { username: 'itsm.sync', password: 'local-only-Pa55word' };

/**
 * Everything the connector talks to, on loopback: an SQS queue with its dead-letter queue, the
 * ServiceNow simulator and the Security Hub simulator. `env` contains the variables that point the
 * connector at them, the same variables an operator sets in production.
 */
export interface LocalStack {
  queue: LocalQueue;
  serviceNow: ServiceNowSimulator;
  securityHub: SecurityHubSimulator;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  queueName?: string;
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
  serviceNowLatencyMs?: number;
  mappingsDir: string;
  stateStore: string;
  logLevel?: string;
}

/** Start the local services and return the connector's settings for them. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const queue = await startLocalQueue({
    name: options.queueName,
    maxReceiveCount: options.maxReceiveCount,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
  });
  const serviceNow = await startServiceNowSimulator({ users: [LOCAL_SERVICENOW_USER], latencyMs: options.serviceNowLatencyMs });
  const securityHub = await startSecurityHubSimulator({});

  const env = {
    SQS_QUEUE_URL: queue.queueUrl,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SQS: queue.endpoint,
    AWS_ENDPOINT_URL_SECURITYHUB: securityHub.url,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    SERVICENOW_INSTANCE_URL: serviceNow.url,
    SERVICENOW_USERNAME: LOCAL_SERVICENOW_USER.username,
    SERVICENOW_PASSWORD: LOCAL_SERVICENOW_USER.password,
    MAPPINGS_DIR: options.mappingsDir,
    STATE_STORE: options.stateStore,
    LOG_LEVEL: options.logLevel ?? 'warn',
    HEALTH_PORT: '0',
  };

  return {
    queue,
    serviceNow,
    securityHub,
    env,
    async stop() {
      await Promise.all([queue.stop(), serviceNow.stop(), securityHub.stop()]);
    },
  };
}

/**
 * Set variables in `process.env`, where the AWS SDK reads endpoints and credentials, and return a
 * function that puts the environment back as it was.
 */
export function applyEnvironment(env: Record<string, string>): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, env);

  return () => {
    for (const key of Object.keys(process.env)) {
      if (!(key in saved)) delete process.env[key];
    }
    Object.assign(process.env, saved);
  };
}
