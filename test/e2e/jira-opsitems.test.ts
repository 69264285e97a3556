/**
 * OpsCenter OpsItems to Jira issues and back, on Jira Cloud and Data Center, through SQS on
 * loopback with the default Jira mappings. The OpsItem events the SSM simulator emits, including
 * the echo of the connector's own write-back, reach the queue as EventBridge would send them.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { Harness } from '../support/harness.js';
import {
  AGENT,
  AGENT_NAME,
  commentTexts,
  issueMentioning,
  jiraOf,
  jiraWrites,
  plainText,
  startJiraHarness,
  transitionsOf,
  type JiraDeployment,
} from '../support/jira.js';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

function keyFor(opsItemId: string): string {
  return issueMentioning(jiraOf(harness), 'ITS', `OpsItem: ${opsItemId}`).key;
}

/** Start the connector, open an OpsItem, and return it with the key of its issue and the Jira simulator. */
async function startWithIssue(deployment: JiraDeployment, timeZone?: string) {
  harness = await startJiraHarness(deployment, { timeZone });
  const opsItem = await harness.openOpsItem();
  return { opsItem, key: keyFor(opsItem.OpsItemId), jira: jiraOf(harness) };
}

/** Writes each side received: Jira writes and successful UpdateOpsItem calls. */
function writes(): { jira: number; opsItem: number } {
  return {
    jira: jiraWrites(jiraOf(harness)).length,
    opsItem: harness.ssm.calls.filter((call) => call.operation === 'UpdateOpsItem' && call.status === 200).length,
  };
}

describe.each(['cloud', 'datacenter'] as const)('OpsItems to Jira %s issues', (deployment) => {
  it('creates an issue from GetOpsItem and links it', async () => {
    harness = await startJiraHarness(deployment);
    const opsItem = await harness.openOpsItem();
    const jira = jiraOf(harness);

    const [issue, ...others] = jira.issues('ITS');
    expect(others).toHaveLength(0);
    expect(issue!.fields.summary).toBe('[AWS OpsCenter] CPU utilization above 90% on orders-api-prod-2 (111122223333/us-east-1)');
    expect(issue!.fields.priority?.name).toBe('High');
    expect(issue!.fields.issuetype.name).toBe('[System] Incident');
    expect(issue!.fields.labels).toEqual(expect.arrayContaining(['itsm-sync', 'aws-opscenter']));
    const description = plainText(issue!.fields.description);
    expect(description).toContain('- arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890');
    expect(description).toContain('- alarmName: orders-api-prod-cpu-high');

    expect(harness.opsItemTicket(opsItem.OpsItemId)).toMatchObject({ system: 'jira', number: issue!.key, url: `${jira.url}/browse/${issue!.key}` });
    expect(harness.opsItemNotes(opsItem.OpsItemId)).toContain(`Jira issue ${issue!.key} tracks this OpsItem: ${jira.url}/browse/${issue!.key}`);
    // The write-back's own OpsItem Update event came back through the queue and wrote nothing.
    expect(harness.outcomes()).toEqual(['created', 'unchanged']);
    expect(writes()).toEqual({ jira: 1, opsItem: 1 });
  });

  it('updates the priority when it changes in OpsCenter', async () => {
    harness = await startJiraHarness(deployment);
    const opsItem = await harness.openOpsItem();
    const before = writes();

    harness.ssm.updateOpsItemAsHuman(opsItem.OpsItemId, { Priority: 1 });
    await harness.settle();

    expect(jiraOf(harness).issue(keyFor(opsItem.OpsItemId))?.fields.priority?.name).toBe('Highest');
    expect(writes()).toEqual({ ...before, jira: before.jira + 1 });
  });

  it('resolves the issue when the OpsItem is resolved, without echo', async () => {
    const { opsItem, key, jira } = await startWithIssue(deployment);

    harness.ssm.updateOpsItemAsHuman(opsItem.OpsItemId, { Status: 'Resolved' }, 'arn:aws:iam::111122223333:user/ops-oncall');
    await harness.settle();

    const issue = jira.issue(key)!;
    expect(issue.fields.status.name).toBe('Resolved');
    expect(issue.fields.resolution?.name).toBe('Done');
    expect(transitionsOf(jira, key)).toHaveLength(2);
    expect(commentTexts(jira, key).at(-1)).toBe(`Resolved by itsm-sync: OpsItem ${opsItem.OpsItemId} was resolved in OpsCenter by arn:aws:iam::111122223333:user/ops-oncall.`);

    // The poller reads the connector's own walk through In Progress: nothing goes back to AWS.
    const before = writes();
    await harness.poll();
    expect(writes()).toEqual(before);
    expect(harness.opsItemNotes(opsItem.OpsItemId)).not.toContain('is now');
  });
});

describe.each(['cloud', 'datacenter'] as const)('Jira %s issues reaching OpsCenter', (deployment) => {
  it('maps each status a person sets, and notes it', async () => {
    const { opsItem, key, jira } = await startWithIssue(deployment);

    jira.transitionTo(key, 'In Progress', AGENT[deployment]);
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('InProgress');
    expect(harness.opsItemNotes(opsItem.OpsItemId)).toContain(`Jira issue ${key} is now In Progress (changed by ${AGENT_NAME}).`);

    jira.transitionTo(key, 'Resolved', AGENT[deployment], { resolution: 'Done' });
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Resolved');
    expect(harness.opsItemNotes(opsItem.OpsItemId)).toContain(`Jira issue ${key} is now Resolved (changed by ${AGENT_NAME}), resolution Done.`);

    // The OpsItem Update event of that write came back: the issue stays as the person left it.
    expect(harness.outcomes().at(-1)).toBe('already-resolved');
    expect(jira.issue(key)?.fields.status.name).toBe('Resolved');

    jira.transitionTo(key, 'Reopened', AGENT[deployment]);
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Open');

    // Nothing new: the next poll writes nothing.
    const before = writes();
    await harness.poll();
    expect(writes()).toEqual(before);
  });

  it('reports only where a walk of several transitions ended', async () => {
    const { opsItem, key, jira } = await startWithIssue(deployment);
    const before = writes();

    // Open → In Progress → Resolved → Closed between two polls.
    jira.transitionTo(key, 'Closed', AGENT[deployment], { resolution: 'Done' });
    await harness.poll();

    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Resolved');
    expect(writes().opsItem).toBe(before.opsItem + 1);
    expect(harness.opsItemNotes(opsItem.OpsItemId)).not.toContain('is now In Progress');
    expect(harness.opsItemNotes(opsItem.OpsItemId)).toContain(`Jira issue ${key} is now Closed (changed by ${AGENT_NAME}), resolution Done.`);
  });

  it('sends each comment once, and never the connector\'s own', async () => {
    const { opsItem, key, jira } = await startWithIssue(deployment);

    jira.addComment(key, 'Customer sees timeouts', AGENT[deployment]);
    jira.addComment(key, 'Restarted two tasks, checking', AGENT[deployment], { internal: true });
    await harness.poll();
    await harness.poll();
    // The connector comments on the issue when it resolves it: that comment is its own.
    harness.ssm.updateOpsItemAsHuman(opsItem.OpsItemId, { Status: 'Resolved' });
    await harness.settle();
    await harness.poll();

    const notes = harness.opsItemNotes(opsItem.OpsItemId);
    expect(notes.split(`${key} comment by ${AGENT_NAME}: Customer sees timeouts`)).toHaveLength(2);
    expect(notes.split(`${key} comment by ${AGENT_NAME}: Restarted two tasks, checking`)).toHaveLength(2);
    expect(notes).not.toContain('Resolved by itsm-sync');
    expect(commentTexts(jira, key).some((text) => text.startsWith('Resolved by itsm-sync'))).toBe(true);
  });

  it('resumes from its cursor after a restart, without repeats', async () => {
    harness = await startJiraHarness(deployment);
    const first = await harness.openOpsItem();
    const second = await harness.openOpsItem({ Title: 'Disk almost full on orders-db-1' });
    const jira = jiraOf(harness);

    jira.transitionTo(keyFor(first.OpsItemId), 'In Progress', AGENT[deployment]);
    await harness.poll();
    const afterFirst = writes();

    await harness.restartConnector();
    jira.transitionTo(keyFor(second.OpsItemId), 'In Progress', AGENT[deployment]);
    await harness.poll();

    // Only the second edit was written; the first, read again in the overlap, was not repeated.
    expect(writes()).toEqual({ ...afterFirst, opsItem: afterFirst.opsItem + 1 });
    expect(harness.ssm.getOpsItem(second.OpsItemId)?.Status).toBe('InProgress');
    expect(await harness.connector.store.getCursor('changes:jira:ITS')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('reads changes when the integration user\'s time zone is behind UTC', async () => {
    // JQL reads date literals in the user's zone: a poll that wrote them in UTC would look hours ahead.
    const { opsItem, key, jira } = await startWithIssue(deployment, 'America/Los_Angeles');

    jira.transitionTo(key, 'In Progress', AGENT[deployment]);
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('InProgress');

    // The second poll starts from the stored cursor, not from the first poll's 24-hour lookback.
    jira.transitionTo(key, 'Resolved', AGENT[deployment], { resolution: 'Done' });
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Resolved');
  });

  it('writes nothing for a rebuilt link until a person changes the issue', async () => {
    const { opsItem, key, jira } = await startWithIssue(deployment);
    jira.transitionTo(key, 'In Progress', AGENT[deployment]);
    jira.addComment(key, 'Looking into it', AGENT[deployment]);
    await harness.poll();

    // A replaced task: the links are rebuilt from the issues' labels, without their history.
    await harness.loseStateStore();
    harness.ssm.updateOpsItemAsHuman(opsItem.OpsItemId, { Title: 'CPU utilization above 95% on orders-api-prod-2' });
    await harness.settle();
    expect(jira.issue(key)?.fields.summary).toContain('above 95%');
    const before = writes();
    await harness.poll();
    expect(writes()).toEqual(before);
    expect(harness.opsItemNotes(opsItem.OpsItemId).split('Looking into it')).toHaveLength(2);

    jira.transitionTo(key, 'Resolved', AGENT[deployment], { resolution: 'Done' });
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Resolved');
  });
});
