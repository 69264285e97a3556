/**
 * What createSecurityHubClient adds to the shared factory; the option checks, endpoint and logging
 * are tested once for all services in aws-client.test.ts.
 */
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createSecurityHubClient, DEFAULT_SECURITYHUB_MAX_ATTEMPTS } from '../../../src/writeback/securityhub-client.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createSecurityHubClient', () => {
  it('creates a SecurityHubClient for the region', async () => {
    const client = createSecurityHubClient({ region: 'eu-west-1' });

    expect(client).toBeInstanceOf(SecurityHubClient);
    expect(await client.config.region()).toBe('eu-west-1');
    client.destroy();
  });

  it('uses the Security Hub default maxAttempts', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', undefined);
    const client = createSecurityHubClient({ region: 'us-east-1' });

    expect(await client.config.maxAttempts()).toBe(DEFAULT_SECURITYHUB_MAX_ATTEMPTS);
    client.destroy();
  });

  it('checks its options', () => {
    expect(() => createSecurityHubClient({ region: 'US East' })).toThrow(/Invalid AWS region "US East"/);
  });
});
