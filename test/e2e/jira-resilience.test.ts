/**
 * The findings flow on Jira when Jira misbehaves: search that lags behind writes, a lost state
 * store, rate limits, outages and HTML error pages, and requests Jira rejects. Everything runs
 * through SQS on loopback against the Jira simulator.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { DEFAULT_INTEGRATION_LOGIN, DEFAULT_INTEGRATION_SECRETS } from '../../src/simulators/jira/index.js';
import { fixture, Harness, JIRA_MAPPINGS, S3_FAILED } from '../support/harness.js';
import { AGENT, jiraOf, jiraWrites, transitionsOf, waitFor, waitUntilSearchable, type JiraDeployment } from '../support/jira.js';

type Event = Record<string, any>;

const FINDINGS_MAPPING = 'securityhub-finding-to-issue.yaml';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

function s3Event(change: (finding: Record<string, any>) => void = () => {}): Event {
  const event = fixture<Event>(S3_FAILED);
  event.id = crypto.randomUUID();
  change(event.detail.findings[0]);
  return event;
}

/** Creates of issues the simulator received (`POST /rest/api/{2,3}/issue`), failed ones included. */
function createRequests(): number {
  return jiraWrites(jiraOf(harness)).filter((request) => /\/rest\/api\/\d\/issue$/.test(request.path)).length;
}

/** Retry log lines of the Jira client, parsed. */
function retries(): Array<Record<string, any>> {
  return harness.logLines
    .filter((line) => line.includes('Jira request failed; retrying'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

describe.each(['cloud', 'datacenter'] as const)('search lag on Jira %s', (deployment: JiraDeployment) => {
  it('updates the issue it just created, then rebuilds its link after the lag', async () => {
    harness = await Harness.start({ mappingsDir: JIRA_MAPPINGS, jira: { deployment, searchLagMs: 5_000 } });
    const jira = jiraOf(harness);
    const event = s3Event();
    harness.securityHub.seedFindings(event.detail.findings);

    // Copies of the event come while search does not show the new issue yet: the link store decides.
    await harness.deliver(event);
    await harness.deliver(event);
    await harness.deliver(s3Event((finding) => ((finding.Severity = { Label: 'CRITICAL', Normalized: 90, Original: 'CRITICAL' }), (finding.UpdatedAt = '2025-03-10T15:00:00.000Z'))));

    const [issue, ...others] = jira.issues('SEC');
    expect(others).toHaveLength(0);
    expect(issue?.fields.priority?.name).toBe('Highest');
    expect(harness.outcomes()).toEqual(['created', 'unchanged', 'updated']);

    // A replaced task loses its SQLite file once search shows the issue: the link comes back from its labels.
    await waitUntilSearchable(harness, 'SEC', issue!.key);
    await harness.loseStateStore();
    const writes = jiraWrites(jira).length;
    await harness.deliver(s3Event((finding) => ((finding.Severity = { Label: 'CRITICAL', Normalized: 90, Original: 'CRITICAL' }), (finding.UpdatedAt = '2025-03-10T16:00:00.000Z'))));

    expect(harness.logLines.some((line) => line.includes('rebuilt 1 from correlation values in jira'))).toBe(true);
    expect(jira.issues('SEC')).toHaveLength(1);
    expect(createRequests()).toBe(1);
    // The rebuilt link contains what the issue shows, so the same finding writes no field; the
    // write-back, which the link no longer remembers, is made once more.
    expect(harness.outcomes().at(-1)).toBe('unchanged');
    expect(jiraWrites(jira)).toHaveLength(writes);
  }, 40_000);
});

describe('search lag on the way back', () => {
  it('applies a person\'s change once search shows it', async () => {
    harness = await Harness.start({ forwardAwsEvents: true, mappingsDir: JIRA_MAPPINGS, jira: { deployment: 'cloud', searchLagMs: 2_000 } });
    const jira = jiraOf(harness);
    const event = s3Event();
    const findingId = event.detail.findings[0].Id as string;
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(event);
    const key = jira.issues('SEC')[0]!.key;

    jira.transitionTo(key, 'Resolved', AGENT.cloud, { resolution: 'Done' });
    // Search still shows the issue as it was: the poll finds nothing new.
    await harness.poll();
    expect((harness.securityHub.getFinding(findingId) as Record<string, any>).Workflow.Status).toBe('NOTIFIED');

    await waitFor('the finding is resolved', async () => {
      await harness.poll();
      return (harness.securityHub.getFinding(findingId) as Record<string, any>).Workflow.Status === 'RESOLVED';
    });
    await harness.poll();
    const statusWrites = harness.reverseResults.flatMap(({ result }) => result.writes).filter((write) => write.startsWith('status'));
    expect(statusWrites).toEqual(['status RESOLVED']);
  });
});

describe('Jira errors that are retried', () => {
  const now = new Date();
  // Jira Cloud writes the reset time to the minute; a time already past means "now".
  const resetPast = `${new Date(now.getTime() - 60_000).toISOString().slice(0, 16)}Z`;

  it.each([
    ['429 with Retry-After', { status: 429, headers: { 'Retry-After': '1' } }, 1_000],
    ['429 with X-RateLimit-Reset', { status: 429, headers: { 'X-RateLimit-Reset': resetPast, 'RateLimit-Reason': 'jira-burst-based' } }, 0],
    ['503', { status: 503 }, undefined],
    ['an HTML error page', { status: 502, headers: { 'Content-Type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }, undefined],
  ] as const)('creates one issue after %s', async (_name, fault, expectedDelayMs) => {
    harness = await Harness.start({ mappingsDir: JIRA_MAPPINGS, jira: { deployment: 'cloud' } });
    const jira = jiraOf(harness);
    const event = s3Event();
    harness.securityHub.seedFindings(event.detail.findings);
    jira.failNext({ method: 'POST', pathPattern: '/rest/api/3/issue', ...fault });

    await harness.deliver(event);

    expect(jira.issues('SEC')).toHaveLength(1);
    expect(createRequests()).toBe(2);
    expect(harness.outcomes()).toEqual(['created']);
    const [retry, ...more] = retries();
    expect(more).toHaveLength(0);
    expect(retry).toMatchObject({ operation: 'create issue', status: fault.status });
    if (expectedDelayMs !== undefined) expect(retry?.delayMs).toBe(expectedDelayMs);
  });

  it('creates one issue when a gateway times out after Jira made it', async () => {
    harness = await Harness.start({ mappingsDir: JIRA_MAPPINGS, jira: { deployment: 'cloud' } });
    const jira = jiraOf(harness);
    const event = s3Event();
    harness.securityHub.seedFindings(event.detail.findings);
    jira.failNext({ method: 'POST', pathPattern: '/rest/api/3/issue', status: 504, afterProcessing: true });

    await harness.deliver(event);

    expect(jira.issues('SEC')).toHaveLength(1);
    expect(createRequests()).toBe(1);
    expect(harness.logLines.some((line) => line.includes('found the issue made by an earlier attempt'))).toBe(true);
    expect(harness.outcomes()).toEqual(['created']);
  });

  it('retries a failed transition hop', async () => {
    harness = await Harness.start({ mappingsDir: JIRA_MAPPINGS, jira: { deployment: 'datacenter' } });
    const jira = jiraOf(harness);
    const event = s3Event();
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(event);
    const key = jira.issues('SEC')[0]!.key;
    jira.failNext({ method: 'POST', pathPattern: /\/transitions$/, status: 503, times: 2 });

    await harness.deliver(s3Event((finding) => ((finding.Compliance.Status = 'PASSED'), (finding.UpdatedAt = '2025-03-10T15:00:00.000Z'))));

    expect(jira.issue(key)?.fields.status.name).toBe('Resolved');
    expect(jira.issue(key)?.fields.resolution?.name).toBe('Done');
    // Two hops carried out, the first after two failed attempts.
    expect(transitionsOf(jira, key)).toHaveLength(2);
    expect(retries().filter((retry) => retry.operation === 'transition issue')).toHaveLength(2);
    expect(harness.outcomes()).toEqual(['created', 'resolved']);
  });
});

describe.each(['cloud', 'datacenter'] as const)('Jira %s rejecting the credentials', (deployment: JiraDeployment) => {
  it('never logs the API token', async () => {
    harness = await Harness.start({ mappingsDir: JIRA_MAPPINGS, jira: { deployment } });
    const event = s3Event();
    harness.securityHub.seedFindings(event.detail.findings);
    jiraOf(harness).failNext({ method: 'POST', pathPattern: /\/issue$/, status: 401, times: 5 });

    await harness.queue.send(event);
    await waitFor('the sync failure is logged', () => harness.logLines.some((line) => line.includes('"level":50') && line.includes('JiraAuthError')));

    const basic = Buffer.from(`${DEFAULT_INTEGRATION_LOGIN.cloud}:${DEFAULT_INTEGRATION_SECRETS.apiToken}`).toString('base64');
    for (const line of harness.logLines) {
      expect(line).not.toContain(DEFAULT_INTEGRATION_SECRETS.apiToken);
      expect(line).not.toContain(DEFAULT_INTEGRATION_SECRETS.personalAccessToken);
      expect(line).not.toContain(basic);
    }
  });
});

describe('Jira rejecting a request', () => {
  /** Copy the Jira mappings into a temporary folder, with `extra` appended to the fields of the findings rule. */
  function mappingsWithField(extra: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'itsm-sync-jira-'));
    cpSync(JIRA_MAPPINGS, dir, { recursive: true });
    const file = join(dir, FINDINGS_MAPPING);
    writeFileSync(file, readFileSync(file, 'utf8').replace('\nfields:\n', `\nfields:\n${extra}\n`));
    return dir;
  }

  // The connector reads the site's field list, so it names an unknown field id before sending
  // anything; an invalid value of a known field reaches Jira, which rejects it with 400.
  it.each([
    ['an unknown field id', '  customfield_19999:\n    const: "S3.8"', 'customfield_19999', 'JiraMappingError', 0],
    ['an invalid option of a select field', '  customfield_10004:\n    const: "Catastrophic"', 'customfield_10004', 'JiraRequestError', 1],
  ])('leaves the message for the dead-letter queue on %s', async (_name, field, fieldId, errorName, rejectedCreates) => {
    harness = await Harness.start({
      mappingsDir: mappingsWithField(field),
      jira: { deployment: 'cloud' },
      // One receive, then the redrive policy moves the message on, after the 10-second visibility timeout.
      maxReceiveCount: 1,
      visibilityTimeoutSeconds: 10,
    });
    const event = s3Event();
    harness.securityHub.seedFindings(event.detail.findings);

    await harness.queue.send(event);
    await waitFor('the message is on the dead-letter queue', async () => (await harness.queue.receiveDeadLetters()).length === 1, 45_000);

    expect(jiraOf(harness).issues('SEC')).toHaveLength(0);
    const failures = harness.logLines.filter((line) => line.includes('"level":50') && line.includes('finding sync failed'));
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toContain(`"errorName":"${errorName}"`);
    expect(failures[0]).toContain(fieldId);
    const rejected = jiraOf(harness).requests.filter((request) => request.method === 'POST' && request.status === 400);
    expect(rejected).toHaveLength(rejectedCreates);
    // A rejected request is not retried by the client: the queue's redelivery is the only retry.
    expect(retries()).toHaveLength(0);
  }, 60_000);
});
