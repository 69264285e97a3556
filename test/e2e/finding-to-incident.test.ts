import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { findingVariant, fixture, Harness, laterUpdate, S3_FAILED, S3_OCSF_TWIN, SERVICENOW_USER, snsEnvelope } from '../support/harness.js';

type Event = Record<string, any>;

const ROOT_MFA = 'aws-events/securityhub/imported-cspm-iam-root-hardware-mfa-failed.json';
const INSPECTOR = 'aws-events/securityhub/imported-inspector-package-vulnerability.json';
const ARCHIVED = 'aws-events/securityhub/imported-archived-resource-deleted.json';

let harness: Harness;

beforeEach(async () => {
  harness = await Harness.start();
});

afterEach(async () => {
  await harness.stop();
});

describe('finding to incident through SQS', () => {
  it('creates an incident and writes the link back', async () => {
    const event = fixture<Event>(S3_FAILED);
    const finding = event.detail.findings[0];
    harness.securityHub.seedFindings([finding]);

    await harness.deliver(event);

    const [incident, ...others] = harness.incidents();
    expect(others).toHaveLength(0);
    expect(incident?.short_description).toBe('[AWS Security Hub] HIGH: S3 general purpose buckets should block public access (111122223333/us-east-1)');
    expect(incident?.urgency).toBe('1');
    expect(incident?.impact).toBe('2');
    expect(incident?.state).toBe('1');
    expect(incident?.description).toContain('111122223333');
    expect(incident?.description).toContain('arn:aws:s3:::example-analytics-exports-111122223333');
    expect(incident?.correlation_id).toMatch(/^[A-Za-z0-9._:-]{1,100}$/);

    const updated = harness.securityHub.getFinding(finding.Id) as Record<string, any>;
    expect(updated.Workflow.Status).toBe('NOTIFIED');
    expect(updated.Note.Text).toContain(incident?.number);
    expect(updated.Note.Text).toContain(harness.serviceNow.url);
    expect(harness.outcomes()).toEqual(['created']);
  });

  it('accepts SNS-wrapped events', async () => {
    const event = fixture<Event>(ROOT_MFA);
    harness.securityHub.seedFindings(event.detail.findings);

    await harness.deliver(snsEnvelope(event));

    expect(harness.incidents().map((incident) => incident.short_description)).toEqual([
      '[AWS Security Hub] CRITICAL: Hardware MFA should be enabled for the root user (111122223333/us-east-1)',
    ]);
    expect(harness.incidents()[0]?.urgency).toBe('1');
  });

  it('links ASFF and OCSF forms to one incident', async () => {
    const asff = fixture<Event>(S3_FAILED);
    const ocsf = fixture<Event>(S3_OCSF_TWIN);
    harness.securityHub.seedFindings(asff.detail.findings);
    harness.securityHub.seedOcsfFindings(ocsf.detail.findings);

    await harness.deliver(asff);
    await harness.deliver(snsEnvelope(ocsf));

    expect(harness.incidents()).toHaveLength(1);
    expect(harness.outcomes()).toEqual(['created', 'unchanged']);
    const comment = (harness.securityHub.getOcsfFinding(ocsf.detail.findings[0].metadata.uid) as Record<string, any>).comment;
    expect(JSON.stringify(comment)).toContain(harness.incidents()[0]?.number);
  });

  it('creates nothing twice on redelivery or restart', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);

    await harness.deliver(event);
    const writesAfterCreate = harness.serviceNowWrites().length;
    const writebacksAfterCreate = harness.securityHub.calls.length;

    await harness.deliver(event, event);
    await harness.restartConnector();
    await harness.deliver(event);

    expect(harness.incidents()).toHaveLength(1);
    expect(harness.serviceNowWrites()).toHaveLength(writesAfterCreate);
    expect(harness.securityHub.calls).toHaveLength(writebacksAfterCreate);
    expect(harness.outcomes()).toEqual(['created', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('rebuilds links after the state store is lost', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(event);
    const writes = harness.serviceNowWrites().length;

    await harness.loseStateStore();
    await harness.deliver(event);

    expect(harness.incidents()).toHaveLength(1);
    expect(harness.serviceNowWrites()).toHaveLength(writes);
    expect(harness.outcomes()).toEqual(['created', 'unchanged']);
    expect(harness.logLines.some((line) => line.includes('rebuilt 1 from correlation values'))).toBe(true);
  });

  it('creates one incident for copies processed at once', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);

    await harness.deliver(...Array.from({ length: 8 }, () => event));

    expect(harness.incidents()).toHaveLength(1);
    expect(harness.serviceNowWrites().filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it('patches only the fields that changed', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(event);

    await harness.deliver(
      findingVariant(S3_FAILED, (finding) => {
        finding.Severity = { Label: 'CRITICAL', Normalized: 90, Original: 'CRITICAL' };
        laterUpdate(finding, 5);
      }),
    );

    const patches = harness.serviceNow.requests.filter((request) => request.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(harness.incidents()[0]?.impact).toBe('1');
    // Urgency stays 1 from HIGH to CRITICAL; the severity also shows in the texts.
    expect(harness.results.at(-1)?.result.fields.sort()).toEqual(['description', 'impact', 'short_description']);
  });

  it('keeps syncing a linked finding whose severity fell', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(event);

    await harness.deliver(
      findingVariant(S3_FAILED, (finding) => {
        finding.Severity = { Label: 'INFORMATIONAL', Normalized: 0, Original: 'INFORMATIONAL' };
        laterUpdate(finding, 5);
      }),
    );

    expect(harness.outcomes()).toEqual(['created', 'updated']);
    expect(harness.incidents()[0]?.urgency).toBe('3');
  });

  it.each([
    ['compliance PASSED', (finding: Record<string, any>) => (finding.Compliance.Status = 'PASSED')],
    ['compliance NOT_AVAILABLE', (finding: Record<string, any>) => (finding.Compliance.Status = 'NOT_AVAILABLE')],
    ['record ARCHIVED', (finding: Record<string, any>) => (finding.RecordState = 'ARCHIVED')],
  ])('resolves the incident on %s', async (_name, change) => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(event);

    await harness.deliver(
      findingVariant(S3_FAILED, (finding) => {
        change(finding);
        // The compliance or record state decides, whatever the workflow status is.
        finding.Workflow = { Status: 'NOTIFIED' };
        laterUpdate(finding, 10);
      }),
    );

    const incident = harness.incidents()[0];
    expect(incident?.state).toBe('6');
    expect(incident?.close_code).toBeTruthy();
    expect(incident?.close_notes).toBeTruthy();
    expect(harness.outcomes()).toEqual(['created', 'resolved']);
  });

  it('never patches a resolved incident silently', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(event);
    await harness.deliver(findingVariant(S3_FAILED, (finding) => ((finding.Compliance.Status = 'PASSED'), laterUpdate(finding, 10))));
    const writes = harness.serviceNowWrites().length;

    await harness.deliver(
      findingVariant(S3_FAILED, (finding) => {
        finding.Compliance.Status = 'PASSED';
        finding.Title = 'A new title while the incident is resolved';
        laterUpdate(finding, 20);
      }),
    );

    expect(harness.serviceNowWrites()).toHaveLength(writes);
    expect(harness.outcomes().at(-1)).toBe('already-resolved');
  });

  it.each([
    ['SUPPRESSED', (finding: Record<string, any>) => (finding.Workflow = { Status: 'SUPPRESSED' })],
    ['RESOLVED', (finding: Record<string, any>) => (finding.Workflow = { Status: 'RESOLVED' })],
    ['ARCHIVED', (finding: Record<string, any>) => (finding.RecordState = 'ARCHIVED')],
  ])('creates nothing for a first event already %s', async (_name, change) => {
    await harness.deliver(findingVariant(S3_FAILED, change));

    expect(harness.incidents()).toHaveLength(0);
    expect(harness.outcomes()).toEqual(['not-created']);
  });

  it('maps findings without a Compliance section', async () => {
    const inspector = fixture<Event>(INSPECTOR);
    const archived = fixture<Event>(ARCHIVED);
    harness.securityHub.seedFindings([...inspector.detail.findings, ...archived.detail.findings]);

    await harness.deliver(inspector, archived);

    expect(harness.incidents().map((incident) => incident.short_description)).toEqual([
      '[AWS Security Hub] HIGH: CVE-2023-0286 - openssl-libs, openssl (111122223333/us-east-1)',
    ]);
  });

  it('drops an event older than the synced state', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(findingVariant(S3_FAILED, (finding) => laterUpdate(finding, 30)));

    await harness.deliver(
      findingVariant(S3_FAILED, (finding) => {
        finding.Severity = { Label: 'LOW', Normalized: 20, Original: 'LOW' };
      }),
    );

    expect(harness.outcomes()).toEqual(['created', 'stale']);
    expect(harness.incidents()[0]?.urgency).toBe('1');
  });
});

describe('messages that cannot be synced', () => {
  it('acknowledges and counts unknown event types', async () => {
    const unknown = { version: '0', id: crypto.randomUUID(), 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', account: '111122223333', time: '2025-03-10T14:00:00Z', region: 'us-east-1', resources: [], detail: { state: 'running' } };

    await harness.deliver(unknown);

    const metric = await harness.metrics.ignoredEvents.get();
    expect(metric.values.find((value) => value.labels.source === 'aws.ec2')?.value).toBe(1);
    expect(await harness.queue.receiveDeadLetters()).toHaveLength(0);
  });
});

describe('failure handling', () => {
  beforeEach(async () => {
    await harness.stop();
    harness = await Harness.start({ maxReceiveCount: 2, visibilityTimeoutSeconds: 10 });
  });

  it('leaves a body that is not JSON for the dead-letter queue', async () => {
    await harness.queue.send('this is not an event {');
    // The consumer keeps the message; the visibility timeout is lowered by nothing, so wait for
    // the redrive: two receives, each after the visibility timeout.
    await waitFor(async () => (await harness.queue.receiveDeadLetters()).length === 1, 40_000);

    const logged = harness.logLines.find((line) => line.includes('this is not an event'));
    expect(logged).toBeDefined();
    expect(harness.connector.consumer?.isRunning).toBe(true);
  }, 60_000);

  it('retries after ServiceNow errors without a second incident', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);
    harness.serviceNow.injectFaults([
      { status: 503, body: { error: { message: 'Service Unavailable', detail: null }, status: 'failure' } },
      { status: 429, headers: { 'Retry-After': '0' }, body: { error: { message: 'Rate limit exceeded', detail: null }, status: 'failure' } },
    ]);

    await harness.deliver(event);

    expect(harness.incidents()).toHaveLength(1);
    expect(harness.outcomes()).toEqual(['created']);
  });

  it('never logs the ServiceNow password', async () => {
    const event = fixture<Event>(S3_FAILED);
    harness.serviceNow.injectFaults([{ status: 401, body: { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' } }]);

    await harness.queue.send(event);
    await waitFor(async () => harness.logLines.some((line) => line.includes('"level":50')), 20_000);

    const encoded = Buffer.from(`${SERVICENOW_USER.username}:${SERVICENOW_USER.password}`).toString('base64');
    for (const line of harness.logLines) {
      expect(line).not.toContain(SERVICENOW_USER.password);
      expect(line).not.toContain(encoded);
    }
  }, 30_000);
});

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
