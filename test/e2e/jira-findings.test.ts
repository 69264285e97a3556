/**
 * Security Hub findings to Jira issues and back, on Jira Cloud (REST v3, ADF) and Data Center
 * (REST v2, wiki markup): the connector as `itsm-sync run` builds it, fed through SQS on loopback,
 * with the default Jira mappings. Assertions read the simulators' state.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { TEXT_FIELD_MAX_LENGTH } from '../../src/targets/jira/field-limits.js';
import { findingVariant, fixture, type Harness, laterUpdate, S3_FAILED, S3_OCSF_TWIN, snsEnvelope } from '../support/harness.js';
import { AGENT, AGENT_NAME, commentTexts, jiraOf, jiraWrites, plainText, startJiraHarness, transitionsOf } from '../support/jira.js';

type Event = Record<string, any>;

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

/** Sync the S3 finding to a new issue; return the finding id and the issue key. */
async function openFinding(): Promise<{ findingId: string; key: string }> {
  const event = fixture<Event>(S3_FAILED);
  harness.securityHub.seedFindings(event.detail.findings);
  await harness.deliver(event);
  const [issue] = jiraOf(harness).issues('SEC');
  if (issue === undefined) throw new Error(`No SEC issue was created; outcomes: ${harness.outcomes().join(', ')}`);
  return { findingId: event.detail.findings[0].Id, key: issue.key };
}

function finding(id: string): Record<string, any> {
  return harness.securityHub.getFinding(id) as Record<string, any>;
}

/** Notes the connector wrote to the ASFF finding, one per BatchUpdateFindings call, oldest first. */
function notesWritten(): string[] {
  return harness.securityHub.calls
    .filter((call) => call.operation === 'BatchUpdateFindings' && call.status === 200)
    .map((call) => (call.body as { Note?: { Text?: string } }).Note?.Text)
    .filter((text): text is string => text !== undefined);
}

function reverseOutcomes(): string[] {
  return harness.reverseResults.map(({ result }) => result.outcome);
}

describe.each(['cloud', 'datacenter'] as const)('findings to Jira %s', (deployment) => {
  it('creates one issue and writes the link back', async () => {
    harness = await startJiraHarness(deployment);
    const { findingId, key } = await openFinding();
    const jira = jiraOf(harness);

    const issues = jira.issues('SEC');
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    expect(issue.fields.summary).toBe('[AWS Security Hub] HIGH: S3 general purpose buckets should block public access (111122223333/us-east-1)');
    expect(issue.fields.issuetype.name).toBe('[System] Incident');
    expect(issue.fields.priority?.name).toBe('High');
    expect(issue.fields.status.name).toBe('Open');
    expect(issue.fields.labels).toEqual(expect.arrayContaining(['itsm-sync', 'aws-security-hub', 'severity-high']));
    expect(issue.fields.labels.some((label) => label.startsWith('aws-jsh-'))).toBe(true);
    expect(plainText(issue.fields.description)).toContain(`Finding ID: ${findingId}`);
    expect(plainText(issue.fields.description)).toContain('- arn:aws:s3:::example-analytics-exports-111122223333');

    const written = finding(findingId);
    expect(written.Workflow.Status).toBe('NOTIFIED');
    expect(written.Note.Text).toBe(`Jira issue ${key}: ${jira.url}/browse/${key}`);
    // The write-back's own Findings - Imported event came back and changed nothing.
    expect(harness.outcomes()).toEqual(['created', 'unchanged']);
  });

  it('writes the description as the deployment reads it', async () => {
    harness = await startJiraHarness(deployment);
    const { key } = await openFinding();
    const description = jiraOf(harness).issue(key)!.fields.description;
    const create = jiraOf(harness).requests.find((request) => request.method === 'POST' && /\/rest\/api\/\d\/issue$/.test(request.path));

    if (deployment === 'cloud') {
      // REST v3 takes ADF only; the simulator rejects a string or an invalid document with 400.
      expect(create?.path).toBe('/rest/api/3/issue');
      expect(description).toMatchObject({ type: 'doc', version: 1 });
      // The console URL became a link mark.
      expect(JSON.stringify(description)).toContain('"type":"link"');
    } else {
      expect(create?.path).toBe('/rest/api/2/issue');
      expect(typeof description).toBe('string');
      expect(description).toContain('Severity: HIGH');
    }
    expect(create?.status).toBe(201);
  });

  it('creates one issue for redeliveries, a restart and copies at once', async () => {
    harness = await startJiraHarness(deployment);
    const event = fixture<Event>(S3_FAILED);
    harness.securityHub.seedFindings(event.detail.findings);

    await harness.deliver(...Array.from({ length: 6 }, () => event));
    await harness.deliver(event);
    await harness.restartConnector();
    await harness.deliver(event);

    const jira = jiraOf(harness);
    expect(jira.issues('SEC')).toHaveLength(1);
    expect(jiraWrites(jira).filter((request) => /\/issue$/.test(request.path))).toHaveLength(1);
    expect(harness.outcomes().filter((outcome) => outcome === 'created')).toHaveLength(1);
  });

  it('links the ASFF and OCSF forms to one issue', async () => {
    harness = await startJiraHarness(deployment);
    const { key } = await openFinding();
    const ocsf = fixture<Event>(S3_OCSF_TWIN);
    harness.securityHub.seedOcsfFindings(ocsf.detail.findings);

    await harness.deliver(snsEnvelope(ocsf));

    expect(jiraOf(harness).issues('SEC')).toHaveLength(1);
    const comment = (harness.securityHub.getOcsfFinding(ocsf.detail.findings[0].metadata.uid) as Record<string, any>).comment;
    expect(JSON.stringify(comment)).toContain(key);
  });

  it('sends nothing to Jira for an event that changes no mapped field', async () => {
    harness = await startJiraHarness(deployment);
    await openFinding();
    const jira = jiraOf(harness);
    const requestsBefore = jira.totalCalls();

    await harness.deliver(
      findingVariant(S3_FAILED, (finding) => {
        finding.LastObservedAt = new Date().toISOString();
        finding.ProductFields = { ...finding.ProductFields, 'aws/securityhub/annotation': 'seen again' };
        laterUpdate(finding, 5);
      }),
    );

    // The create, the echo of its write-back, and this event.
    expect(harness.outcomes()).toEqual(['created', 'unchanged', 'unchanged']);
    expect(jira.totalCalls()).toBe(requestsBefore);
  });

  it('updates only the changed fields', async () => {
    harness = await startJiraHarness(deployment);
    const { key } = await openFinding();
    const jira = jiraOf(harness);
    const writesBefore = jiraWrites(jira).length;

    await harness.deliver(
      findingVariant(S3_FAILED, (finding) => {
        finding.Severity = { Label: 'CRITICAL', Normalized: 90, Original: 'CRITICAL' };
        laterUpdate(finding, 5);
      }),
    );

    const issue = jira.issue(key)!;
    expect(issue.fields.priority?.name).toBe('Highest');
    expect(issue.fields.summary).toContain('CRITICAL:');
    // One PUT; the create-only labels stay as they were.
    expect(jiraWrites(jira).slice(writesBefore).map((request) => request.method)).toEqual(['PUT']);
    expect(harness.results.at(-1)?.result.fields.sort()).toEqual(['description', 'priority', 'summary']);
    expect(issue.fields.labels).toContain('severity-high');
  });

  it('resolves through two transitions with the resolution on the screen', async () => {
    harness = await startJiraHarness(deployment);
    const { findingId, key } = await openFinding();
    const jira = jiraOf(harness);

    await harness.deliver(
      findingVariant(S3_FAILED, (finding) => {
        finding.Compliance.Status = 'PASSED';
        finding.Workflow = { Status: 'NOTIFIED' };
        laterUpdate(finding, 10);
      }),
    );

    const issue = jira.issue(key)!;
    expect(issue.fields.status.name).toBe('Resolved');
    expect(issue.fields.resolution?.name).toBe('Done');
    // Open → In Progress, then In Progress → Resolved with the resolution the screen requires.
    const hops = transitionsOf(jira, key);
    expect(hops).toHaveLength(2);
    expect(hops[0]?.body).not.toHaveProperty('fields.resolution');
    expect(hops[1]?.body).toMatchObject({ fields: { resolution: { name: 'Done' } } });
    expect(commentTexts(jira, key).join('\n')).toContain(`Resolved by itsm-sync: Security Hub reports that the check now passes. Finding: ${findingId}`);
    expect(harness.outcomes()).toContain('resolved');
    expect(finding(findingId).Note.Text).toBe(`Jira issue ${key} was resolved by itsm-sync.`);

    // The poller reads the connector's own walk through In Progress to Resolved: nothing goes back.
    const notesBefore = notesWritten().length;
    await harness.poll();
    expect(reverseOutcomes()).not.toContain('applied');
    expect(notesWritten()).toHaveLength(notesBefore);
  });

  it('reopens the issue when the finding fails again', async () => {
    harness = await startJiraHarness(deployment);
    const { findingId, key } = await openFinding();
    const jira = jiraOf(harness);
    await harness.deliver(findingVariant(S3_FAILED, (finding) => ((finding.Compliance.Status = 'PASSED'), laterUpdate(finding, 10))));
    expect(jira.issue(key)?.fields.status.name).toBe('Resolved');

    await harness.deliver(findingVariant(S3_FAILED, (finding) => ((finding.Workflow = { Status: 'NOTIFIED' }), laterUpdate(finding, 20))));

    const issue = jira.issue(key)!;
    expect(issue.fields.status.name).toBe('Reopened');
    expect(issue.fields.resolution).toBeNull();
    expect(commentTexts(jira, key).at(-1)).toBe(`Reopened by itsm-sync: Security Hub finding ${findingId} is failing again.`);
    expect(harness.outcomes()).toContain('reopened');
    expect(jira.issues('SEC')).toHaveLength(1);
  });

  it('cuts a summary at the 255-character limit', async () => {
    harness = await startJiraHarness(deployment);
    // ASFF allows 256-character titles; with its prefix and suffix the summary exceeds Jira's 255.
    // The control character is dropped. (The local SQS server rejects characters beyond U+FFFF,
    // which real SQS accepts, so the title has none.)
    const title = `Bucket “public” policy \u0007allows reads — ${'x'.repeat(256)}`.slice(0, 256);
    const event = findingVariant(S3_FAILED, (finding) => (finding.Title = title));
    harness.securityHub.seedFindings(event.detail.findings);

    await harness.deliver(event);

    const [issue] = jiraOf(harness).issues('SEC');
    expect(issue!.fields.summary.length).toBeLessThanOrEqual(255);
    expect(issue!.fields.summary.startsWith('[AWS Security Hub] HIGH: Bucket “public” policy allows reads — xxx')).toBe(true);
    expect(plainText(issue!.fields.description).startsWith('Bucket “public” policy allows reads — xxx')).toBe(true);
  });

  it('cuts an oversized description to the limit with a pointer', async () => {
    harness = await startJiraHarness(deployment);
    // Security Hub caps Description at 1,024 characters; a longer one stands for any text the
    // mapping builds beyond Jira's limit. Markup characters make the rendered value longer.
    const event = findingVariant(S3_FAILED, (finding) => (finding.Description = 'Public [access] *denied* {x} | '.repeat(1_500)));
    harness.securityHub.seedFindings(event.detail.findings);

    await harness.deliver(event);

    const [issue] = jiraOf(harness).issues('SEC');
    const description = issue!.fields.description;
    const rendered = typeof description === 'string' ? description : JSON.stringify(description);
    expect(rendered.length).toBeLessThanOrEqual(TEXT_FIELD_MAX_LENGTH);
    expect(rendered.length).toBeGreaterThan(TEXT_FIELD_MAX_LENGTH - 500);
    const text = plainText(description);
    expect(text.startsWith('S3 general purpose buckets should block public access\n\nPublic [access] *denied* {x} |')).toBe(true);
    expect(text.endsWith(`… [cut by itsm-sync; the full text is on Security Hub finding ${event.detail.findings[0].Id}]`)).toBe(true);
  });
});

describe.each(['cloud', 'datacenter'] as const)('Jira %s issues reaching Security Hub', (deployment) => {
  it('suppresses the finding when a person resolves the issue as Won\'t Do', async () => {
    harness = await startJiraHarness(deployment);
    const { findingId, key } = await openFinding();
    const jira = jiraOf(harness);

    jira.transitionTo(key, 'Resolved', AGENT[deployment], { resolution: "Won't Do" });
    await harness.poll();

    expect(finding(findingId).Workflow.Status).toBe('SUPPRESSED');
    expect(finding(findingId).Note.Text).toBe(`Jira issue ${key} is Resolved (changed by ${AGENT_NAME}), resolution Won't Do.`);
    // The person went through In Progress: only the status the poll read is reported, once.
    expect(harness.reverseResults.filter(({ result }) => result.outcome === 'applied').map(({ result }) => result.writes)).toEqual([['status SUPPRESSED']]);

    // Polling again, and the echo of the write-back, change nothing.
    const notesBefore = notesWritten().length;
    await harness.poll();
    expect(notesWritten()).toHaveLength(notesBefore);
    expect(jira.issue(key)?.fields.status.name).toBe('Resolved');
  });

  it('resolves both finding formats and notes a reopen', async () => {
    harness = await startJiraHarness(deployment);
    const { findingId, key } = await openFinding();
    const jira = jiraOf(harness);
    const ocsf = fixture<Event>(S3_OCSF_TWIN);
    const ocsfId = ocsf.detail.findings[0].metadata.uid as string;
    harness.securityHub.seedOcsfFindings(ocsf.detail.findings);
    await harness.deliver(ocsf);

    jira.transitionTo(key, 'Resolved', AGENT[deployment], { resolution: 'Done' });
    await harness.poll();
    expect(finding(findingId).Workflow.Status).toBe('RESOLVED');
    expect(finding(findingId).Note.Text).toBe(`Jira issue ${key} is Resolved (changed by ${AGENT_NAME}), resolution Done.`);
    const ocsfFinding = harness.securityHub.getOcsfFinding(ocsfId) as Record<string, any>;
    expect(ocsfFinding.status_id).toBe(4);
    expect(JSON.stringify(ocsfFinding)).toContain(`Jira issue ${key} is Resolved (changed by ${AGENT_NAME})`);

    jira.transitionTo(key, 'Reopened', AGENT[deployment]);
    await harness.poll();
    expect(finding(findingId).Workflow.Status).toBe('NOTIFIED');
    expect(finding(findingId).Note.Text).toBe(`Jira issue ${key} was reopened by ${AGENT_NAME}.`);
  });

  it('keeps an issue a person closed closed', async () => {
    harness = await startJiraHarness(deployment);
    const { findingId, key } = await openFinding();
    const jira = jiraOf(harness);
    jira.transitionTo(key, 'Closed', AGENT[deployment], { resolution: 'Done' });
    await harness.poll();
    const writes = jiraWrites(jira).length;

    // Security Hub reports the finding again, still failing.
    await harness.deliver(findingVariant(S3_FAILED, (finding) => ((finding.Workflow = { Status: 'NOTIFIED' }), laterUpdate(finding, 60))));

    expect(harness.outcomes().at(-1)).toBe('closed-not-patched');
    expect(jira.issue(key)?.fields.status.name).toBe('Closed');
    expect(jiraWrites(jira)).toHaveLength(writes);
    expect(jira.issues('SEC')).toHaveLength(1);
    expect(finding(findingId).Workflow.Status).toBe('RESOLVED');
  });

  it('sends each comment once, and never the connector\'s own', async () => {
    harness = await startJiraHarness(deployment);
    const { key } = await openFinding();
    const jira = jiraOf(harness);
    // The connector's own comment, made when it resolves and reopens the issue.
    await harness.deliver(findingVariant(S3_FAILED, (finding) => ((finding.Compliance.Status = 'PASSED'), laterUpdate(finding, 10))));
    await harness.deliver(findingVariant(S3_FAILED, (finding) => ((finding.Workflow = { Status: 'NOTIFIED' }), laterUpdate(finding, 20))));

    jira.addComment(key, 'Bucket owner contacted', AGENT[deployment]);
    jira.addComment(key, 'Policy fix is scheduled.\nChange window: Monday 02:00 UTC', AGENT[deployment]);
    await harness.poll();
    await harness.poll();
    jira.editIssue(key, { priority: { name: 'Low' } }, AGENT[deployment]);
    await harness.poll();

    const notes = notesWritten().filter((note) => note.includes(' comment by '));
    expect(notes).toEqual([
      `${key} comment by ${AGENT_NAME}: Bucket owner contacted`,
      `${key} comment by ${AGENT_NAME}: Policy fix is scheduled.\nChange window: Monday 02:00 UTC`,
    ]);
    expect(notesWritten().some((note) => note.includes('itsm-sync:'))).toBe(false);
  });
});
