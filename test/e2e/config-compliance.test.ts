/**
 * AWS Config rule compliance changes to incidents on the resource's CI, through SQS on loopback
 * with the shipped mappings. Covered: the ServiceNow incident and its cmdb_ci, resolution, stale
 * events, a resource without a CI, and the Jira issue that names the resource's Assets object.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { fixture, Harness, RESOLVER, snsEnvelope } from '../support/harness.js';
import { jiraOf, plainText, startJiraHarness } from '../support/jira.js';

type Event = Record<string, any>;

const BUCKET = 'example-analytics-exports-111122223333';
const SECURITY_GROUP = 'sg-0f1e2d3c4b5a69788';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

/** Build the bucket's evaluation by its rule, with `complianceType`, recorded `minutes` after the fixture's time. */
function bucketEvaluation(complianceType: string, minutes: number): Event {
  const event = fixture<Event>('aws-events/config/rules-compliance-change-noncompliant.json');
  const result = event.detail.newEvaluationResult;
  result.complianceType = complianceType;
  result.resultRecordedTime = new Date(Date.parse(result.resultRecordedTime) + minutes * 60_000).toISOString();
  event.id = crypto.randomUUID();
  return event;
}

/** Build the configuration item change that reports the bucket deleted, `minutes` after the fixture's capture time. */
function bucketDeletion(minutes: number): Event {
  const event = fixture<Event>('aws-events/config/configuration-item-change-update-s3-bucket.json');
  const item = event.detail.configurationItem;
  item.configurationItemStatus = 'ResourceDeleted';
  item.configurationItemCaptureTime = new Date(Date.parse(item.configurationItemCaptureTime) + minutes * 60_000).toISOString();
  item.configuration = null;
  item.supplementaryConfiguration = {};
  item.tags = {};
  item.relationships = [];
  event.detail.configurationItemDiff = { changeType: 'DELETE', changedProperties: {} };
  event.id = crypto.randomUUID();
  return event;
}

/** Return the outcomes of the compliance records synced so far, in order. */
function complianceOutcomes(): string[] {
  return harness.results.filter(({ record }) => record.kind === 'config-compliance').map(({ result }) => result.outcome);
}

function onlyIncident(): Record<string, string> {
  const incidents = harness.incidents();
  expect(incidents).toHaveLength(1);
  return incidents[0]!;
}

describe('AWS Config rule compliance to ServiceNow incidents', () => {
  it('opens an incident on the CI, resolves it, and drops a stale event', async () => {
    harness = await Harness.start();

    // The bucket's configuration item change, as EventBridge delivers it, makes the CI.
    await harness.deliver(fixture<Event>('aws-events/config/configuration-item-change-update-s3-bucket.json'));
    const [ci, ...otherCis] = harness.serviceNow.records('cmdb_ci_cloud_object_storage');
    expect(otherCis).toEqual([]);
    expect(ci?.object_id).toBe(BUCKET);

    await harness.deliver(bucketEvaluation('NON_COMPLIANT', 0));
    const opened = onlyIncident();
    expect(opened.cmdb_ci).toBe(ci!.sys_id);
    expect(opened.state).toBe('1');
    expect(opened.short_description).toContain(`s3-bucket-level-public-access-prohibited: AWS::S3::Bucket ${BUCKET}`);
    expect(opened.description).toContain('Rule annotation: Block Public Access settings are disabled at the bucket level.');
    expect(opened.correlation_id).toMatch(/^aws-cfg-rule-/);

    await harness.deliver(bucketEvaluation('COMPLIANT', 10));
    expect(onlyIncident().state).toBe('6');
    expect(onlyIncident().close_code).toBe('Solution provided');

    // A NON_COMPLIANT result recorded before the COMPLIANT one arrives late: it must not reopen.
    await harness.deliver(bucketEvaluation('NON_COMPLIANT', 5));
    expect(onlyIncident().state).toBe('6');
    expect(complianceOutcomes()).toEqual(['created', 'resolved', 'stale']);
  });

  it('resolves the incidents itsm-sync made on a CI when the CI retires', async () => {
    harness = await Harness.start();
    await harness.deliver(fixture<Event>('aws-events/config/configuration-item-change-update-s3-bucket.json'));
    await harness.deliver(bucketEvaluation('NON_COMPLIANT', 0));
    const ci = harness.serviceNow.records('cmdb_ci_cloud_object_storage')[0]!;
    // A person's incident on the same CI carries no correlation value, so it must stay open.
    const personal = harness.serviceNow.insertRecord('incident', { short_description: 'Bucket slow for the reporting team', cmdb_ci: ci.sys_id, state: '2' }, { user: RESOLVER });

    await harness.deliver(bucketDeletion(30));

    expect(harness.serviceNow.records('cmdb_ci_cloud_object_storage')[0]?.install_status).toBe('7');
    const [resolved, untouched] = [...harness.incidents()].sort((a, b) => (a.correlation_id ? -1 : 1) - (b.correlation_id ? -1 : 1));
    expect(resolved?.state).toBe('6');
    expect(resolved?.close_notes).toBe(`Resolved by itsm-sync: AWS Config reports AWS::S3::Bucket ${BUCKET} deleted, and its CI is retired.`);
    expect(untouched?.sys_id).toBe(personal.sys_id);
    expect(untouched?.state).toBe('2');

    // The link is resolved too: a late COMPLIANT result writes nothing.
    const writes = harness.serviceNowWrites().length;
    await harness.deliver(bucketEvaluation('COMPLIANT', 40));
    expect(harness.serviceNowWrites()).toHaveLength(writes);
  });

  it('resolves them when a reconcile pass retires the CI', async () => {
    harness = await Harness.start();
    await harness.deliver(fixture<Event>('aws-events/config/configuration-item-change-update-s3-bucket.json'));
    await harness.deliver(bucketEvaluation('NON_COMPLIANT', 0));

    // The bucket's deletion event was lost: AWS Config no longer lists it, and the pass retires its CI.
    const summary = await harness.configReconciler().run();

    expect(summary.retired).toBe(1);
    expect(onlyIncident().state).toBe('6');
    expect(onlyIncident().close_notes).toContain('deleted, and its CI is retired');
  });

  it('keeps an incident a person closed', async () => {
    harness = await Harness.start();
    await harness.deliver(bucketEvaluation('NON_COMPLIANT', 0));
    const incident = onlyIncident();

    harness.editTicket('incident', incident.sys_id!, { state: '7', close_code: 'Solution provided', close_notes: 'Public access blocked by hand.' });
    await harness.poll();
    const writesAfterClose = harness.serviceNowWrites().length;
    await harness.deliver(bucketEvaluation('COMPLIANT', 10));

    expect(onlyIncident().state).toBe('7');
    expect(harness.serviceNowWrites()).toHaveLength(writesAfterClose);
    expect(harness.reverseResults.map(({ result }) => result.outcome)).toContain('applied');
    expect(complianceOutcomes()).toEqual(['created', 'already-resolved']);
    // The way back has nothing to write to AWS for a compliance record, so it never tries.
    expect(harness.logLines.filter((line) => line.includes('to AWS'))).toEqual([]);
  });

  it('opens an incident without cmdb_ci for a resource with no CI', async () => {
    harness = await Harness.start();

    // The first evaluation of a security group that no configuration item event has reached yet.
    await harness.deliver(snsEnvelope(fixture<Event>('aws-events/config/rules-compliance-change-first-evaluation.json')));

    const incident = onlyIncident();
    expect(incident.cmdb_ci ?? '').toBe('');
    expect(incident.short_description).toContain(`restricted-ssh: AWS::EC2::SecurityGroup ${SECURITY_GROUP}`);
    expect(incident.description).toContain('(first evaluation)');
    expect(harness.serviceNow.records('cmdb_ci_compute_security_group')).toEqual([]);
    expect(complianceOutcomes()).toEqual(['created']);
  });
});

describe('AWS Config rule compliance to Jira issues', () => {
  it('names the Assets object of the resource in the issue', async () => {
    harness = await startJiraHarness('cloud');
    const jira = jiraOf(harness);

    await harness.deliver(fixture<Event>('aws-events/config/configuration-item-change-update-s3-bucket.json'));
    const [bucket, ...otherBuckets] = jira.assets.objects('S3 Bucket');
    expect(otherBuckets).toEqual([]);

    await harness.deliver(bucketEvaluation('NON_COMPLIANT', 0));
    const [issue, ...others] = jira.issues('SEC');
    expect(others).toEqual([]);
    expect(plainText(issue!.fields.description)).toContain(`Configuration item: ${bucket!.objectKey}`);
    expect(issue!.fields.labels).toContain('aws-config');

    await harness.deliver(bucketEvaluation('COMPLIANT', 10));
    expect(jira.issue(issue!.key)?.fields.status?.name).toBe('Resolved');
    expect(complianceOutcomes()).toEqual(['created', 'resolved']);
  });
});
