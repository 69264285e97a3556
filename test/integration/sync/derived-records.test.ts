import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadRules } from '../../../src/rules/loader.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/server.js';
import { placementRecordsAt } from '../../../src/sources/config/placement-records.js';
import { SqliteStateStore } from '../../../src/state/sqlite-store.js';
import { SyncEngine } from '../../../src/sync/engine.js';
import { ServiceNowClient } from '../../../src/targets/servicenow/client.js';
import { ServiceNowTarget } from '../../../src/targets/servicenow/servicenow-target.js';
import { SHIPPED_MAPPINGS } from '../../support/harness.js';

const USER = { username: 'derived', password: 'derived-password' };

let serviceNow: ServiceNowSimulator;

beforeEach(async () => {
  serviceNow = await startServiceNowSimulator({ users: [USER] });
});

afterEach(async () => {
  await serviceNow.stop();
});

async function engineWith(derivedRecordTtlMs?: number): Promise<SyncEngine> {
  const client = new ServiceNowClient({ instanceUrl: serviceNow.url, auth: { type: 'basic', ...USER }, retryBaseMs: 1, maxRetries: 0 });
  return new SyncEngine({
    rules: await loadRules(SHIPPED_MAPPINGS),
    targets: { servicenow: new ServiceNowTarget(client, { instanceUrl: serviceNow.url }) },
    writebacks: {},
    store: new SqliteStateStore(':memory:'),
    logger: pino({ level: 'silent' }),
    derivedRecordTtlMs,
  });
}

const [account] = placementRecordsAt({ account: '111122223333', region: 'us-east-1', seenAt: '2025-03-10T15:00:00.000Z' });

describe('derived records', () => {
  it('sync once, then not again while remembered', async () => {
    const engine = await engineWith();

    const first = await engine.sync(account!);
    const requests = serviceNow.requests.length;
    const second = await engine.sync(account!);

    expect(first.outcome).toBe('created');
    expect(second).toEqual({ outcome: 'unchanged', fields: [] });
    expect(serviceNow.requests).toHaveLength(requests);
  });

  it('sync again once the memory expires', async () => {
    const engine = await engineWith(0);

    await engine.sync(account!);
    const second = await engine.sync(account!);

    // A real sync names its rule; it found nothing to write.
    expect(second.outcome).toBe('unchanged');
    expect(second.rule).toBe('config-aws-account-to-cmdb');
  });

  it('are not remembered after a failed sync', async () => {
    const engine = await engineWith();
    serviceNow.injectFaults([{ status: 500, method: 'POST' }]);

    await expect(engine.sync(account!)).rejects.toThrow();
    const retried = await engine.sync(account!);

    expect(retried.outcome).toBe('created');
    expect(serviceNow.records('cmdb_ci_cloud_service_account')).toHaveLength(1);
  });
});
