import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';

import type { SourceRecord } from '../../../src/core/types.js';
import { loadRules } from '../../../src/rules/loader.js';
import { startSecurityHubSimulator } from '../../../src/simulators/securityhub/server.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/server.js';
import { FindingSource } from '../../../src/sources/securityhub/finding-source.js';
import { SqliteStateStore } from '../../../src/state/sqlite-store.js';
import { SyncEngine } from '../../../src/sync/engine.js';
import { ServiceNowClient } from '../../../src/targets/servicenow/client.js';
import { ServiceNowTarget } from '../../../src/targets/servicenow/servicenow-target.js';
import { createSecurityHubClient, SecurityHubWriteback } from '../../../src/writeback/securityhub-writeback.js';
import { fixture, SHIPPED_MAPPINGS } from '../../support/harness.js';

type Event = Record<string, any>;
const DAY_MS = 24 * 60 * 60 * 1000;
const USER = { username: 'lifecycle', password: 'lifecycle-password' };

let serviceNow: ServiceNowSimulator;
let securityHub: Awaited<ReturnType<typeof startSecurityHubSimulator>>;
let engine: SyncEngine;
let now: Date;

beforeEach(async () => {
  serviceNow = await startServiceNowSimulator({ users: [USER] });
  securityHub = await startSecurityHubSimulator({});
  now = new Date('2025-03-10T15:00:00Z');

  const client = new ServiceNowClient({ instanceUrl: serviceNow.url, auth: { type: 'basic', ...USER }, retryBaseMs: 1 });
  engine = new SyncEngine({
    rules: await loadRules(SHIPPED_MAPPINGS),
    targets: { servicenow: new ServiceNowTarget(client, { instanceUrl: serviceNow.url }) },
    writebacks: {
      finding: new SecurityHubWriteback({
        client: createSecurityHubClient({ region: 'us-east-1', endpoint: securityHub.url, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
        logger: pino({ level: 'silent' }),
      }),
    },
    store: new SqliteStateStore(':memory:'),
    logger: pino({ level: 'silent' }),
    clock: () => now,
  });
});

afterEach(async () => {
  await Promise.all([serviceNow.stop(), securityHub.stop()]);
});

/** Build the S3.8 control finding, failed or passed, updated `minutes` after the fixture's time. */
async function s3Finding(compliance: 'FAILED' | 'PASSED', minutes: number): Promise<SourceRecord> {
  const event = fixture<Event>('aws-events/securityhub/imported-cspm-s3-bucket-control-failed.json');
  const finding = event.detail.findings[0];
  finding.Compliance.Status = compliance;
  finding.UpdatedAt = new Date(Date.parse(finding.UpdatedAt) + minutes * 60_000).toISOString();
  securityHub.seedFindings([finding]);

  const [record] = await new FindingSource().toRecords(event as never);
  return record!;
}

describe('recurring finding', () => {
  it('reopens the incident within the window', async () => {
    const created = await engine.sync(await s3Finding('FAILED', 0));
    await engine.sync(await s3Finding('PASSED', 10));

    now = new Date(now.getTime() + 2 * DAY_MS);
    const reopened = await engine.sync(await s3Finding('FAILED', 3 * 24 * 60));

    expect(reopened.outcome).toBe('reopened');
    expect(reopened.ticket?.number).toBe(created.ticket?.number);
    const [incident, ...others] = serviceNow.records('incident');
    expect(others).toHaveLength(0);
    expect(incident?.state).toBe('1');
  });

  it('opens a new incident after the window', async () => {
    const created = await engine.sync(await s3Finding('FAILED', 0));
    await engine.sync(await s3Finding('PASSED', 10));

    now = new Date(now.getTime() + 8 * DAY_MS);
    const recreated = await engine.sync(await s3Finding('FAILED', 9 * 24 * 60));

    expect(recreated.outcome).toBe('recreated');
    expect(recreated.ticket?.number).not.toBe(created.ticket?.number);
    const incidents = serviceNow.records('incident');
    expect(incidents).toHaveLength(2);
    const newer = incidents.find((incident) => incident.number === recreated.ticket?.number);
    expect(newer?.parent_incident).toBe(created.ticket?.id);
    expect(incidents.find((incident) => incident.number === created.ticket?.number)?.state).toBe('6');
  });

  it('writes back to the finding again after a reopen', async () => {
    await engine.sync(await s3Finding('FAILED', 0));
    await engine.sync(await s3Finding('PASSED', 10));
    const callsBeforeReopen = securityHub.calls.length;

    now = new Date(now.getTime() + DAY_MS);
    await engine.sync(await s3Finding('FAILED', 2 * 24 * 60));

    expect(securityHub.calls.length).toBe(callsBeforeReopen + 1);
  });
});
