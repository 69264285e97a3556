/**
 * What createSsmClient and createSsmClientProvider add to the shared factory; the option checks,
 * endpoint and logging are tested once for all services in test/unit/writeback/aws-client.test.ts.
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createSsmClient, createSsmClientProvider, DEFAULT_SSM_MAX_ATTEMPTS } from '../../../src/writeback/ssm-client.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createSsmClient', () => {
  it('creates an SSMClient with the SSM default maxAttempts', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', undefined);
    const client = createSsmClient({ region: 'eu-west-1' });

    expect(client).toBeInstanceOf(SSMClient);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(DEFAULT_SSM_MAX_ATTEMPTS);
    client.destroy();
  });
});

describe('createSsmClientProvider', () => {
  it('reuses one client per region', async () => {
    const clientFor = createSsmClientProvider({ maxAttempts: 2 });

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
    const clientFor = createSsmClientProvider();

    expect(() => clientFor('moon-1', '111122223333')).toThrow(/Invalid AWS region "moon-1"/);
  });
});
