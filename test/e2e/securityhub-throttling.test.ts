import { afterEach, describe, expect, it } from 'vitest';

import { findingVariant, Harness, S3_FAILED } from '../support/harness.js';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

describe('Security Hub throttling', () => {
  it('writes back a burst of new findings at the documented rate, losing none', { timeout: 120_000 }, async () => {
    // BatchUpdateFindings takes 10 requests a second with bursts of 30; each new finding needs one.
    // The SDK's default attempts for Security Hub (5), not the harness's 2.
    harness = await Harness.start({ securityHubRateLimit: { perSecond: 10, burst: 30 }, concurrency: 20, awsMaxAttempts: 5 });
    const events = Array.from({ length: 90 }, (_, index) =>
      findingVariant(S3_FAILED, (finding) => {
        finding.Id = `${finding.Id}/burst-${index}`;
      }),
    );
    harness.securityHub.seedFindings(events.map((event) => event.detail.findings[0]));

    await harness.deliver(...events);

    expect(harness.incidents()).toHaveLength(90);
    const statuses = events.map((event) => (harness.securityHub.getFinding(event.detail.findings[0].Id) as Record<string, any>).Workflow.Status);
    expect(new Set(statuses)).toEqual(new Set(['NOTIFIED']));
    const throttled = harness.securityHub.calls.filter((call) => call.status === 429).length;
    const written = harness.securityHub.calls.filter((call) => call.operation === 'BatchUpdateFindings' && call.status === 200).length;
    expect(written).toBe(90);
    // The SDK's adaptive retry mode slows the client after the first throttles: 5 to 10 calls are
    // throttled here, where the standard mode had about 100 and left messages for redelivery.
    expect(throttled).toBeGreaterThan(0);
    expect(throttled).toBeLessThan(30);
    expect(harness.outcomes().filter((outcome) => outcome === 'created')).toHaveLength(90);
  });
});
