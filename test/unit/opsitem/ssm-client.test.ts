import { afterEach, describe, expect, it } from 'vitest';

import { createSsmClient, createSsmClientProvider, DEFAULT_SSM_MAX_ATTEMPTS } from '../../../src/writeback/ssm-client.js';

const savedMaxAttempts = process.env.AWS_MAX_ATTEMPTS;

afterEach(() => {
  if (savedMaxAttempts === undefined) {
    delete process.env.AWS_MAX_ATTEMPTS;
  } else {
    process.env.AWS_MAX_ATTEMPTS = savedMaxAttempts;
  }
});

describe('createSsmClient', () => {
  it('rejects an invalid region', () => {
    expect(() => createSsmClient({ region: 'US East' })).toThrow(/Invalid AWS region "US East": expected a region code such as us-east-1/);
  });

  it('rejects maxAttempts below 1', () => {
    expect(() => createSsmClient({ region: 'us-east-1', maxAttempts: 0 })).toThrow(/maxAttempts must be a whole number of at least 1, got 0/);
  });

  it('uses the default maxAttempts', async () => {
    delete process.env.AWS_MAX_ATTEMPTS;
    const client = createSsmClient({ region: 'eu-west-1' });

    expect(await client.config.maxAttempts()).toBe(DEFAULT_SSM_MAX_ATTEMPTS);
    client.destroy();
  });

  it('lets AWS_MAX_ATTEMPTS override the default', async () => {
    process.env.AWS_MAX_ATTEMPTS = '7';
    const client = createSsmClient({ region: 'us-east-1' });

    expect(await client.config.maxAttempts()).toBe(7);
    client.destroy();
  });

  it('sets no endpoint unless asked', () => {
    const client = createSsmClient({ region: 'us-east-1' });

    // isCustomEndpoint false is what lets the SDK read AWS_ENDPOINT_URL_SSM on the first request.
    expect(client.config.isCustomEndpoint).toBe(false);
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
