/**
 * The sync engine on AWS Config rule evaluations with the shipped mappings, against the ServiceNow
 * simulator: incidents open, resolve, reopen and recur, the resource's CI is bound as `$ci`, and no
 * write-back adapter is configured, because compliance records take none.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent, ItsmTarget, SourceRecord } from '../../../src/core/types.js';
import { loadRules } from '../../../src/rules/loader.js';
import type { SyncRule } from '../../../src/rules/sync-rule.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/server.js';
import { ConfigComplianceSource } from '../../../src/sources/config/config-compliance-source.js';
import { ConfigurationItemSource } from '../../../src/sources/config/configuration-item-source.js';
import { SqliteStateStore } from '../../../src/state/sqlite-store.js';
import { correlationFor } from '../../../src/sync/correlation.js';
import { SyncEngine } from '../../../src/sync/engine.js';
import { ServiceNowClient } from '../../../src/targets/servicenow/client.js';
import { ServiceNowTarget } from '../../../src/targets/servicenow/servicenow-target.js';
import { JIRA_MAPPINGS, SHIPPED_MAPPINGS } from '../../support/harness.js';
import { configEventFixture, settableClock } from './support.js';

const USER = { username: 'compliance', password: 'compliance-password' };
const DAY_MS = 24 * 60 * 60 * 1000;
const BUCKET = 'example-analytics-exports-111122223333';

let serviceNow: ServiceNowSimulator;
let store: SqliteStateStore;
let clock: ReturnType<typeof settableClock>;

const compliance = new ConfigComplianceSource();
const configurationItems = new ConfigurationItemSource({
  client: () => {
    throw new Error('these tests read no configuration item from AWS Config');
  },
  logger: pino({ level: 'silent' }),
});

beforeEach(async () => {
  serviceNow = await startServiceNowSimulator({ users: [USER] });
  store = new SqliteStateStore(':memory:');
  clock = settableClock('2025-03-10T15:00:00Z');
});

afterEach(async () => {
  await serviceNow.stop();
  await store.close();
});

/** Build the engine with `rules`, ServiceNow, and no AWS write-back at all. */
function engineWith(rules: SyncRule[], extraTargets: { jira?: ItsmTarget } = {}): SyncEngine {
  const client = new ServiceNowClient({ instanceUrl: serviceNow.url, auth: { type: 'basic', ...USER }, retryBaseMs: 1 });
  return new SyncEngine({
    rules,
    targets: { servicenow: new ServiceNowTarget(client, { instanceUrl: serviceNow.url }), ...extraTargets },
    writebacks: {},
    store,
    logger: pino({ level: 'silent' }),
    clock: clock.now,
  });
}

/** Build the S3 bucket's evaluation by its rule, with the given result, recorded `minutes` after the fixture's time. */
async function evaluation(complianceType: string, minutes: number, resourceId = BUCKET): Promise<SourceRecord> {
  const event = configEventFixture('rules-compliance-change-noncompliant.json');
  const result = event.detail.newEvaluationResult;
  result.complianceType = complianceType;
  result.resultRecordedTime = new Date(Date.parse(result.resultRecordedTime) + minutes * 60_000).toISOString();
  event.detail.resourceId = resourceId;
  const [record] = await compliance.toRecords(event);
  return record!;
}

/**
 * Build the configuration item of the S3 bucket from the update event fixture. The event's other
 * records are the bucket's account and Region, which come first.
 */
async function bucketItem(): Promise<SourceRecord> {
  const records = await configurationItems.toRecords(configEventFixture('configuration-item-change-update-s3-bucket.json') as EventBridgeEvent);
  expect(records.map((record) => record.type)).toEqual(['AWS::::Account', 'AWS::::Region', 'AWS::S3::Bucket']);
  return records.at(-1)!;
}

function onlyIncident(): Record<string, string> {
  const incidents = serviceNow.records('incident');
  expect(incidents).toHaveLength(1);
  return incidents[0]!;
}

describe('compliance incidents', () => {
  it('opens an incident on the CI of the resource', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    await engine.sync(await bucketItem());
    const [ci] = serviceNow.records('cmdb_ci_cloud_object_storage');

    const result = await engine.sync(await evaluation('NON_COMPLIANT', 0));

    expect(result.outcome).toBe('created');
    expect(result.rule).toBe('config-rule-noncompliant-to-incident');
    const incident = onlyIncident();
    expect(incident.cmdb_ci).toBe(ci!.sys_id);
    expect(incident.short_description).toBe(`[AWS Config] s3-bucket-level-public-access-prohibited: AWS::S3::Bucket ${BUCKET} is non-compliant (111122223333/us-east-1)`);
    expect(incident.description).toContain('Rule annotation: Block Public Access settings are disabled at the bucket level.');
    expect(incident.description).toContain('#/rules/details?configRuleName=s3-bucket-level-public-access-prohibited');
  });

  it('opens an incident without a CI when the resource has none', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));

    const result = await engine.sync(await evaluation('NON_COMPLIANT', 0));

    expect(result.outcome).toBe('created');
    const incident = onlyIncident();
    expect(incident.cmdb_ci ?? '').toBe('');
  });

  it('fills in the CI at the next event once it exists', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    await engine.sync(await evaluation('NON_COMPLIANT', 0));
    await engine.sync(await bucketItem());
    const [ci] = serviceNow.records('cmdb_ci_cloud_object_storage');

    const result = await engine.sync(await evaluation('INSUFFICIENT_DATA', 5));

    expect(result.outcome).toBe('updated');
    expect(result.fields).toContain('cmdb_ci');
    expect(onlyIncident().cmdb_ci).toBe(ci!.sys_id);
    expect(onlyIncident().state).toBe('1');
  });

  it('opens an account-level incident on the account CI', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    const [account] = await configurationItems.toRecords(configEventFixture('configuration-item-change-update-s3-bucket.json') as EventBridgeEvent);
    await engine.sync(account!);
    const [accountCi] = serviceNow.records('cmdb_ci_cloud_service_account');

    // An account-level rule evaluates the account, in the rule's Region (us-east-1 here).
    const event = configEventFixture('rules-compliance-change-noncompliant.json');
    Object.assign(event.detail, { resourceType: 'AWS::::Account', resourceId: '111122223333', configRuleName: 'iam-password-policy' });
    Object.assign(event.detail.newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier, { resourceType: 'AWS::::Account', resourceId: '111122223333', configRuleName: 'iam-password-policy' });
    const [record] = await compliance.toRecords(event);
    await engine.sync(record!);

    expect(accountCi?.account_id).toBe('111122223333');
    expect(onlyIncident().cmdb_ci).toBe(accountCi!.sys_id);
  });

  it('leaves out a retired CI', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    const item = await bucketItem();
    await engine.sync(item);
    const retired = { ...item, updatedAt: '2025-03-10T14:00:00.000Z', view: { ...item.view, deleted: true } };
    expect((await engine.sync(retired)).outcome).toBe('resolved');

    await engine.sync(await evaluation('NON_COMPLIANT', 0));

    expect(onlyIncident().cmdb_ci ?? '').toBe('');
  });

  it('never binds the CI of another ITSM system', async () => {
    // A Jira Assets rule has an open CI for the bucket; its object id means nothing in ServiceNow.
    const rules = [...(await loadRules(SHIPPED_MAPPINGS)), ...(await loadRules(JIRA_MAPPINGS)).filter((rule) => rule.name === 'config-s3-bucket-to-assets')];
    const untouchable = new Proxy({ system: 'jira' }, { get: (object, name) => (name === 'system' ? object.system : () => Promise.reject(new Error(`Jira must not be called (${String(name)})`))) });
    const engine = engineWith(rules, { jira: untouchable as unknown as ItsmTarget });
    const assetsRule = rules.find((rule) => rule.name === 'config-s3-bucket-to-assets')!;
    const now = clock.now().toISOString();
    await store.putLink({
      correlation: correlationFor(assetsRule.correlation.prefix, (await bucketItem()).identity),
      identity: (await bucketItem()).identity,
      kind: 'configuration-item',
      rule: assetsRule.name,
      status: 'open',
      ticket: { system: 'jira', table: 'assets/AWS/S3 Bucket', id: '88', number: 'AWS-88', url: 'https://example.atlassian.net/jira/assets/object/88' },
      written: {},
      writebacks: {},
      previousTickets: [],
      createdAt: now,
      updatedAt: now,
    });

    await engine.sync(await evaluation('NON_COMPLIANT', 0));

    expect(onlyIncident().cmdb_ci ?? '').toBe('');
  });
});

describe('compliance lifecycle', () => {
  it('resolves the incident when the resource complies', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    await engine.sync(await evaluation('NON_COMPLIANT', 0));

    const result = await engine.sync(await evaluation('COMPLIANT', 10));

    expect(result.outcome).toBe('resolved');
    const incident = onlyIncident();
    expect(incident.state).toBe('6');
    expect(incident.close_code).toBe('Solution provided');
    expect(incident.close_notes).toContain(`finds AWS::S3::Bucket ${BUCKET} compliant`);
  });

  it('resolves the incident when the rule no longer applies', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    await engine.sync(await evaluation('NON_COMPLIANT', 0));

    const result = await engine.sync(await evaluation('NOT_APPLICABLE', 10));

    expect(result.outcome).toBe('resolved');
    expect(onlyIncident().close_notes).toContain('NOT_APPLICABLE');
  });

  it('creates nothing for a compliant first evaluation', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));

    for (const complianceType of ['COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']) {
      expect((await engine.sync(await evaluation(complianceType, 0))).outcome).toBe('not-created');
    }
    expect(serviceNow.records('incident')).toEqual([]);
  });

  it('reopens the incident within 7 days', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    const created = await engine.sync(await evaluation('NON_COMPLIANT', 0));
    await engine.sync(await evaluation('COMPLIANT', 10));

    clock.set(new Date(clock.now().getTime() + 2 * DAY_MS).toISOString());
    const reopened = await engine.sync(await evaluation('NON_COMPLIANT', 2 * 24 * 60));

    expect(reopened.outcome).toBe('reopened');
    expect(reopened.ticket?.number).toBe(created.ticket?.number);
    expect(onlyIncident().state).toBe('1');
  });

  it('opens a new incident after 7 days, linked to the old one', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    const created = await engine.sync(await evaluation('NON_COMPLIANT', 0));
    await engine.sync(await evaluation('COMPLIANT', 10));

    clock.set(new Date(clock.now().getTime() + 8 * DAY_MS).toISOString());
    const recreated = await engine.sync(await evaluation('NON_COMPLIANT', 8 * 24 * 60));

    expect(recreated.outcome).toBe('recreated');
    const incidents = serviceNow.records('incident');
    expect(incidents).toHaveLength(2);
    expect(incidents.find((incident) => incident.number === recreated.ticket?.number)?.parent_incident).toBe(created.ticket?.id);
  });

  it('drops an evaluation older than the one synced', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));
    await engine.sync(await evaluation('NON_COMPLIANT', 10));

    const stale = await engine.sync(await evaluation('COMPLIANT', 0));

    expect(stale.outcome).toBe('stale');
    expect(onlyIncident().state).toBe('1');
  });

  it('keeps one incident per rule and resource', async () => {
    const engine = engineWith(await loadRules(SHIPPED_MAPPINGS));

    await engine.sync(await evaluation('NON_COMPLIANT', 0));
    await engine.sync(await evaluation('NON_COMPLIANT', 0, 'example-other-bucket'));
    const again = await engine.sync(await evaluation('NON_COMPLIANT', 0));

    expect(again.outcome).toBe('unchanged');
    expect(serviceNow.records('incident')).toHaveLength(2);
  });
});
