/**
 * What the AWS Config and SSM client factories and their per-Region providers add to the shared
 * factory. The option checks, endpoint and logging are tested once for all services in
 * aws-client.test.ts.
 */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createConfigClient, createConfigClientProvider, DEFAULT_CONFIG_MAX_ATTEMPTS } from '../../../src/writeback/config-client.js';
import { createSsmClient, createSsmClientProvider, DEFAULT_SSM_MAX_ATTEMPTS } from '../../../src/writeback/ssm-client.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A client the factories create: both SDK clients expose the resolved region and maxAttempts this way. */
interface RegionalClient {
  config: { region: () => Promise<string>; maxAttempts: () => Promise<number> };
  destroy(): void;
}

interface ClientFactoryCase {
  service: string;
  clientClass: new (...args: never[]) => unknown;
  defaultMaxAttempts: number;
  createClient: (options: { region: string }) => RegionalClient;
  createProvider: (options?: { maxAttempts?: number }) => (region: string, account: string) => RegionalClient;
  /** A value that is not a Region code. */
  invalidRegion: string;
}

const CASES: ClientFactoryCase[] = [
  {
    service: 'AWS Config',
    clientClass: ConfigServiceClient,
    defaultMaxAttempts: DEFAULT_CONFIG_MAX_ATTEMPTS,
    createClient: createConfigClient,
    createProvider: createConfigClientProvider,
    invalidRegion: 'global',
  },
  {
    service: 'SSM',
    clientClass: SSMClient,
    defaultMaxAttempts: DEFAULT_SSM_MAX_ATTEMPTS,
    createClient: createSsmClient,
    createProvider: createSsmClientProvider,
    invalidRegion: 'moon-1',
  },
];

describe.each(CASES)('$service client', ({ clientClass, defaultMaxAttempts, createClient, createProvider, invalidRegion }) => {
  it('uses the service default maxAttempts', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', undefined);
    const client = createClient({ region: 'eu-west-1' });

    expect(client).toBeInstanceOf(clientClass);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(defaultMaxAttempts);
    client.destroy();
  });

  it('provider reuses one client per region', async () => {
    const clientFor = createProvider({ maxAttempts: 2 });

    const first = clientFor('us-east-1', '111122223333');
    const again = clientFor('us-east-1', '444455556666');
    const other = clientFor('eu-west-1', '111122223333');

    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(await other.config.region()).toBe('eu-west-1');
    expect(await first.config.maxAttempts()).toBe(2);
    first.destroy();
    other.destroy();
  });

  it('provider rejects an invalid region on use', () => {
    const clientFor = createProvider();

    expect(() => clientFor(invalidRegion, '111122223333')).toThrow(`Invalid AWS region "${invalidRegion}"`);
  });
});
