import { afterEach, describe, expect, it } from 'vitest';
import { createSecurityHubClient, DEFAULT_SECURITYHUB_MAX_ATTEMPTS } from '../../../src/writeback/securityhub-client.js';

const savedMaxAttempts = process.env.AWS_MAX_ATTEMPTS;

afterEach(() => {
  if (savedMaxAttempts === undefined) {
    delete process.env.AWS_MAX_ATTEMPTS;
  } else {
    process.env.AWS_MAX_ATTEMPTS = savedMaxAttempts;
  }
});

describe('createSecurityHubClient', () => {
  it('rejects an invalid region', () => {
    expect(() => createSecurityHubClient({ region: 'US East' })).toThrow(/Invalid AWS region "US East": expected a region code such as us-east-1/);
  });

  it('rejects maxAttempts below 1', () => {
    expect(() => createSecurityHubClient({ region: 'us-east-1', maxAttempts: 0 })).toThrow(/maxAttempts must be a whole number of at least 1, got 0/);
  });

  it('uses the default maxAttempts', async () => {
    delete process.env.AWS_MAX_ATTEMPTS;
    const client = createSecurityHubClient({ region: 'eu-west-1' });

    expect(await client.config.maxAttempts()).toBe(DEFAULT_SECURITYHUB_MAX_ATTEMPTS);
    client.destroy();
  });

  it('lets AWS_MAX_ATTEMPTS override the default', async () => {
    process.env.AWS_MAX_ATTEMPTS = '7';
    const client = createSecurityHubClient({ region: 'us-gov-west-1' });

    expect(await client.config.maxAttempts()).toBe(7);
    client.destroy();
  });

  it('prefers an explicit maxAttempts', async () => {
    process.env.AWS_MAX_ATTEMPTS = '7';
    const client = createSecurityHubClient({ region: 'us-east-1', maxAttempts: 2 });

    expect(await client.config.maxAttempts()).toBe(2);
    client.destroy();
  });

  it('sets no endpoint unless asked', () => {
    const client = createSecurityHubClient({ region: 'us-east-1' });

    // isCustomEndpoint false is what lets the SDK read AWS_ENDPOINT_URL_SECURITYHUB on the first request.
    expect(client.config.isCustomEndpoint).toBe(false);
    client.destroy();
  });
});
