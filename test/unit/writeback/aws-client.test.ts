/**
 * The client factory that the Security Hub and SSM clients share. The logging tests drive a real
 * SSMClient against the SSM simulator on loopback.
 */
import { GetOpsItemCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { startSsmSimulator, type SsmSimulator } from '../../../src/simulators/ssm/server.js';
import { AWS_REGION_PATTERN, createAwsClient, type AwsClientOptions, type AwsServiceClientSettings } from '../../../src/writeback/aws-client.js';
import { capturingLogger, rejectionOf, TEST_CREDENTIALS } from '../../integration/ssm/support.js';

const SETTINGS: AwsServiceClientSettings = { serviceName: 'Test Service', defaultMaxAttempts: 4 };

const clients: SSMClient[] = [];
let simulator: SsmSimulator | undefined;

/** Creates a client through the factory and destroys it after the test. */
function clientWith(options: AwsClientOptions<typeof TEST_CREDENTIALS>): SSMClient {
  const client = createAwsClient(SSMClient, options, SETTINGS);
  clients.push(client);
  return client;
}

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const client of clients.splice(0)) {
    client.destroy();
  }
  await simulator?.stop();
  simulator = undefined;
});

describe('createAwsClient options', () => {
  it('rejects an invalid region', () => {
    expect(() => createAwsClient(SSMClient, { region: 'US East' }, SETTINGS)).toThrow(/Invalid AWS region "US East": expected a region code such as us-east-1/);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxAttempts %s', (maxAttempts) => {
    expect(() => createAwsClient(SSMClient, { region: 'us-east-1', maxAttempts }, SETTINGS)).toThrow(`maxAttempts must be a whole number of at least 1, got ${maxAttempts}`);
  });

  it('uses the service default maxAttempts', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', undefined);
    const client = clientWith({ region: 'eu-west-1' });

    expect(await client.config.maxAttempts()).toBe(SETTINGS.defaultMaxAttempts);
  });

  it('lets AWS_MAX_ATTEMPTS override the default', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', '7');
    const client = clientWith({ region: 'us-gov-west-1' });

    expect(await client.config.maxAttempts()).toBe(7);
  });

  it('prefers an explicit maxAttempts', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', '7');
    const client = clientWith({ region: 'us-east-1', maxAttempts: 2 });

    expect(await client.config.maxAttempts()).toBe(2);
  });

  it('sets the region and standard retry mode', async () => {
    const client = clientWith({ region: 'ap-southeast-2' });

    expect(await client.config.region()).toBe('ap-southeast-2');
    // The client keeps a retry mode it was given as the plain string.
    expect(client.config.retryMode).toBe('standard');
  });

  it('sets no endpoint unless asked', () => {
    const client = clientWith({ region: 'us-east-1' });

    // isCustomEndpoint false is what lets the SDK read AWS_ENDPOINT_URL_<SERVICE> on the first request.
    expect(client.config.isCustomEndpoint).toBe(false);
  });

  it('uses an explicit endpoint', () => {
    const client = clientWith({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' });

    expect(client.config.isCustomEndpoint).toBe(true);
  });

  it('passes the credentials through', async () => {
    const client = clientWith({ region: 'us-east-1', credentials: TEST_CREDENTIALS });

    const credentials = await client.config.credentials();
    expect(credentials.accessKeyId).toBe(TEST_CREDENTIALS.accessKeyId);
  });
});

describe('AWS_REGION_PATTERN', () => {
  it.each(['us-east-1', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-5', 'cn-north-1'])('accepts %s', (region) => {
    expect(AWS_REGION_PATTERN.test(region)).toBe(true);
  });

  it.each(['US-EAST-1', 'us-east', 'useast1', 'us-east-1a', ''])('rejects "%s"', (region) => {
    expect(AWS_REGION_PATTERN.test(region)).toBe(false);
  });
});

describe('createAwsClient attempt logging', () => {
  it('warns once per failed attempt, without credentials', async () => {
    simulator = await startSsmSimulator();
    simulator.injectFaults([{ errorType: 'InternalServerError', times: 3 }]);
    const log = capturingLogger();
    const client = clientWith({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 3, logger: log.logger });

    await rejectionOf(client.send(new GetOpsItemCommand({ OpsItemId: 'oi-0123456789ab' })));

    const warnings = log.lines().filter((line) => line.level === 40);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({
      msg: 'Test Service request attempt failed; the SDK retries it while attempts remain',
      operation: 'GetOpsItemCommand',
      errorCode: 'InternalServerError',
      httpStatus: 500,
    });
    expect(warnings[0]?.requestId).toEqual(expect.any(String));
    expect(log.text()).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(log.text()).not.toContain(TEST_CREDENTIALS.sessionToken);
  });

  it('says a client error is not retried', async () => {
    simulator = await startSsmSimulator();
    const log = capturingLogger();
    const client = clientWith({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 3, logger: log.logger });

    await rejectionOf(client.send(new GetOpsItemCommand({ OpsItemId: 'oi-000000000000' })));

    const warnings = log.lines().filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: 'Test Service request failed with a client error, which is not retried', httpStatus: 400 });
  });

  it('logs nothing for a successful call', async () => {
    simulator = await startSsmSimulator();
    const item = simulator.seedOpsItem({ Title: 'Quiet' }, { emitEvent: false });
    const log = capturingLogger();
    const client = clientWith({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, logger: log.logger });

    await client.send(new GetOpsItemCommand({ OpsItemId: item.OpsItemId }));

    expect(log.lines()).toEqual([]);
  });
});
