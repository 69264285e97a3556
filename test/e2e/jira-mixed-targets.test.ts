/**
 * One deployment that syncs Security Hub findings to ServiceNow incidents and OpsItems to Jira
 * issues at once: a mappings folder with the shipped ServiceNow finding rule and the Jira OpsItem
 * rule, both ways, through SQS on loopback.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { fixture, Harness, JIRA_MAPPINGS, RESOLVER, S3_FAILED, SHIPPED_MAPPINGS } from '../support/harness.js';
import { AGENT, AGENT_NAME, issueMentioning, jiraOf } from '../support/jira.js';

type Event = Record<string, any>;

let harness: Harness;
let mappingsDir: string;

afterEach(async () => {
  await harness?.stop();
  rmSync(mappingsDir, { recursive: true, force: true });
});

/** Copy the ServiceNow finding rule and the Jira OpsItem rule into a new mappings folder. */
function mixedMappings(): string {
  const dir = mkdtempSync(join(tmpdir(), 'itsm-sync-mixed-'));
  copyFileSync(join(SHIPPED_MAPPINGS, 'securityhub-finding-to-incident.yaml'), join(dir, 'securityhub-finding-to-incident.yaml'));
  copyFileSync(join(JIRA_MAPPINGS, 'opsitem-to-issue.yaml'), join(dir, 'opsitem-to-issue.yaml'));
  return dir;
}

describe('findings to ServiceNow and OpsItems to Jira in one deployment', () => {
  it('routes each flow to its system, both ways', async () => {
    mappingsDir = mixedMappings();
    harness = await Harness.start({ forwardAwsEvents: true, mappingsDir, jira: { deployment: 'cloud' } });
    const jira = jiraOf(harness);

    const event = fixture<Event>(S3_FAILED);
    const findingId = event.detail.findings[0].Id as string;
    harness.securityHub.seedFindings(event.detail.findings);
    await harness.deliver(event);
    const opsItem = harness.ssm.seedOpsItem({ Title: 'Disk almost full on orders-db-1', Source: 'EC2', Priority: 3 }, { emitEvent: true });
    await harness.settle();

    // The finding became an incident only; the OpsItem an issue only.
    const [incident, ...otherIncidents] = harness.incidents();
    expect(otherIncidents).toHaveLength(0);
    expect(incident?.description).toContain(findingId);
    const [issue, ...otherIssues] = jira.issues();
    expect(otherIssues).toHaveLength(0);
    expect(issue?.key).toBe(issueMentioning(jira, 'ITS', `OpsItem: ${opsItem.OpsItemId}`).key);
    expect(issue?.fields.priority?.name).toBe('Medium');
    expect((harness.securityHub.getFinding(findingId) as Record<string, any>).Note.Text).toContain(incident!.number);
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.OperationalData['itsm-sync:ticket']?.Value).toContain(issue!.key);

    // People resolve both tickets; one poll brings both changes back.
    harness.editTicket('incident', incident!.sys_id!, { state: '6', close_code: 'Solution provided', close_notes: 'Blocked public access' });
    jira.transitionTo(issue!.key, 'Resolved', AGENT.cloud, { resolution: 'Done' });
    await harness.poll();

    const finding = harness.securityHub.getFinding(findingId) as Record<string, any>;
    expect(finding.Workflow.Status).toBe('RESOLVED');
    expect(finding.Note.Text).toContain(`was resolved by ${RESOLVER}`);
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Resolved');
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.OperationalData['itsm-sync:notes']?.Value).toContain(`is now Resolved (changed by ${AGENT_NAME})`);
    expect(harness.reverseResults.filter(({ result }) => result.outcome === 'applied').map(({ ticket }) => ticket.ref.system).sort()).toEqual(['jira', 'servicenow']);

    // Each system has its own change cursor.
    expect(await harness.connector.store.getCursor('changes:servicenow:incident')).toBeDefined();
    expect(await harness.connector.store.getCursor('changes:jira:ITS')).toBeDefined();
  });
});
