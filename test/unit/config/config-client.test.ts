/**
 * What createConfigClient and createConfigClientProvider add to the shared factory; the option
 * checks, endpoint and logging are tested once for all services in test/unit/writeback/aws-client.test.ts.
 */
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createConfigClient, createConfigClientProvider, DEFAULT_CONFIG_MAX_ATTEMPTS } from '../../../src/writeback/config-client.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createConfigClient', () => {
  it('uses the Config default maxAttempts', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', undefined);
    const client = createConfigClient({ region: 'eu-west-1' });

    expect(client).toBeInstanceOf(ConfigServiceClient);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(DEFAULT_CONFIG_MAX_ATTEMPTS);
    client.destroy();
  });
});

describe('createConfigClientProvider', () => {
  it('reuses one client per region', async () => {
    const clientFor = createConfigClientProvider({ maxAttempts: 2 });

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

  it('rejects an invalid region on use', () => {
    const clientFor = createConfigClientProvider();

    expect(() => clientFor('global', '111122223333')).toThrow(/Invalid AWS region "global"/);
  });
});
