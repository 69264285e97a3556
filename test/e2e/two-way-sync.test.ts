import { afterEach, describe, expect, it } from 'vitest';

import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';

import { fixture, Harness, RESOLVER, S3_FAILED, S3_OCSF_TWIN } from '../support/harness.js';

type Event = Record<string, any>;

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

/** Start the connector with AWS events forwarded, so the echo of its own writes comes back too. */
async function start(options: { webhookSecret?: string } = {}): Promise<Harness> {
  harness = await Harness.start({ forwardAwsEvents: true, ...options });
  return harness;
}

/** Sync a Security Hub finding to its incident and write the link back. */
async function openFinding(): Promise<{ findingId: string; incident: Record<string, string> }> {
  const event = fixture<Event>(S3_FAILED);
  harness.securityHub.seedFindings(event.detail.findings);
  await harness.deliver(event);
  return { findingId: event.detail.findings[0].Id, incident: incidentFor(event.detail.findings[0].Id) };
}

function incidentFor(text: string): Record<string, string> {
  const incident = harness.incidents().find((candidate) => (candidate.description ?? '').includes(text));
  if (!incident) throw new Error(`No incident mentions ${text}`);
  return incident;
}

/** Writes each side received: ServiceNow Table API writes, UpdateOpsItem and BatchUpdateFindings calls. */
function writes(): { serviceNow: number; opsItem: number; finding: number } {
  return {
    serviceNow: harness.serviceNowWrites().length,
    opsItem: harness.ssm.calls.filter((call) => call.operation === 'UpdateOpsItem' && call.status === 200).length,
    finding: harness.securityHub.calls.filter((call) => call.operation.startsWith('BatchUpdateFindings') && call.status === 200).length,
  };
}

describe('OpsItems to incidents', () => {
  it('creates an incident from GetOpsItem', async () => {
    await start();
    const opsItem = await harness.openOpsItem();

    const incident = incidentFor(opsItem.OpsItemId);
    expect(incident.short_description).toBe('[AWS OpsCenter] CPU utilization above 90% on orders-api-prod-2 (111122223333/us-east-1)');
    // Priority 2: urgency High, impact Medium.
    expect(incident).toMatchObject({ urgency: '1', impact: '2', state: '1' });
    expect(incident.description).toContain('arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890');
    expect(incident.description).toContain('alarmName: orders-api-prod-cpu-high');
    expect(harness.opsItemTicket(opsItem.OpsItemId)).toMatchObject({ system: 'servicenow', number: incident.number });
    expect(harness.opsItemTicket(opsItem.OpsItemId).url).toContain(incident.sys_id);
    expect(harness.ssm.calls.some((call) => call.operation === 'GetOpsItem')).toBe(true);

    // The write-back's own OpsItem Update event came back through the queue and wrote nothing.
    expect(harness.outcomes()).toEqual(['created', 'unchanged']);
    expect(writes()).toEqual({ serviceNow: 1, opsItem: 1, finding: 0 });
  });

  it('leaves change requests to the change flow', async () => {
    await start();
    await harness.openOpsItem({ OpsItemType: '/aws/changerequest', Title: 'Patch the fleet' });
    expect(harness.incidents()).toEqual([]);
  });

  it('updates the incident when the priority changes in OpsCenter', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    const before = writes();

    harness.ssm.updateOpsItemAsHuman(opsItem.OpsItemId, { Priority: 1 });
    await harness.settle();

    expect(incidentFor(opsItem.OpsItemId)).toMatchObject({ urgency: '1', impact: '1' });
    expect(writes()).toEqual({ ...before, serviceNow: before.serviceNow + 1 });
  });

  it('drops an event older than what was synced', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    const stale = fixture<Event>('aws-events/ssm/opsitem-create.json');
    stale.detail['ops-item-id'] = opsItem.OpsItemId;
    const before = writes();

    // The event is only a trigger: the current OpsItem is read, which is what was synced.
    await harness.deliver(stale);
    expect(writes()).toEqual(before);
  });
});

describe('incident changes reaching AWS', () => {
  it('resolves the OpsItem when a person resolves the incident, without echo', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    const incident = incidentFor(opsItem.OpsItemId);
    const before = writes();

    harness.editTicket('incident', incident.sys_id!, { state: '6', close_code: 'Solution provided', close_notes: 'Scaled the service out' });
    await harness.poll();

    const after = harness.ssm.getOpsItem(opsItem.OpsItemId);
    expect(after?.Status).toBe('Resolved');
    expect(harness.opsItemNotes(opsItem.OpsItemId)).toContain(`ServiceNow incident ${incident.number} is now Resolved (changed by ${RESOLVER}): Scaled the service out`);

    // One UpdateOpsItem; its OpsItem Update event came back and changed nothing in ServiceNow.
    expect(writes()).toEqual({ ...before, opsItem: before.opsItem + 1 });
    expect(harness.outcomes().at(-1)).toBe('already-resolved');
    expect(harness.incidents().find((candidate) => candidate.sys_id === incident.sys_id)?.state).toBe('6');

    // Polling again finds nothing new.
    await harness.poll();
    expect(writes()).toEqual({ ...before, opsItem: before.opsItem + 1 });
  });

  it('does not send its own resolve of the incident back to AWS', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    harness.ssm.updateOpsItemAsHuman(opsItem.OpsItemId, { Status: 'Resolved' });
    await harness.settle();
    const incident = incidentFor(opsItem.OpsItemId);
    expect(incident.state).toBe('6');
    const before = writes();

    // The poller reads the incident that itsm-sync resolved: a change, but its own.
    await harness.poll();

    expect(writes()).toEqual(before);
    expect(harness.reverseResults.map(({ result }) => result.outcome)).not.toContain('applied');
    expect(harness.opsItemNotes(opsItem.OpsItemId)).not.toContain('is now Resolved');
  });

  it('maps incident states to OpsItem statuses', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    const incident = incidentFor(opsItem.OpsItemId);

    harness.editTicket('incident', incident.sys_id!, { state: '2' });
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('InProgress');

    harness.editTicket('incident', incident.sys_id!, { state: '3', hold_reason: '4' });
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Open');
  });

  it('resolves the finding with a note', async () => {
    await start();
    const { findingId, incident } = await openFinding();
    const ocsf = fixture<Event>(S3_OCSF_TWIN);
    harness.securityHub.seedOcsfFindings(ocsf.detail.findings);
    await harness.deliver(ocsf);
    const before = writes();

    harness.editTicket('incident', incident.sys_id!, { state: '6', close_code: 'Solution provided', close_notes: 'Blocked public access' });
    await harness.poll();

    const finding = harness.securityHub.getFinding(findingId) as Record<string, any>;
    expect(finding.Workflow.Status).toBe('RESOLVED');
    expect(finding.Note.Text).toBe(`ServiceNow incident ${incident.number} was resolved by ${RESOLVER} (Solution provided): Blocked public access`);
    const ocsfFinding = harness.securityHub.getOcsfFinding(ocsf.detail.findings[0].metadata.uid) as Record<string, any>;
    expect(ocsfFinding.status_id).toBe(4);
    expect(JSON.stringify(ocsfFinding)).toContain(`was resolved by ${RESOLVER}`);

    // One write per format; the findings' own update events came back and wrote nothing.
    expect(writes()).toEqual({ ...before, finding: before.finding + 2 });
  });

  it('suppresses the finding when the incident is closed as risk accepted', async () => {
    await start();
    const { findingId, incident } = await openFinding();

    harness.editTicket('incident', incident.sys_id!, { state: '6', close_code: 'Risk Accepted', close_notes: 'Public by design: static website' });
    await harness.poll();

    const finding = harness.securityHub.getFinding(findingId) as Record<string, any>;
    expect(finding.Workflow.Status).toBe('SUPPRESSED');
    expect(finding.Note.Text).toContain('(Risk Accepted): Public by design');
  });

  it('keeps the ticket owner status and notes what an analyst set in AWS', async () => {
    await start();
    const { findingId, incident } = await openFinding();

    // An analyst suppresses the finding in Security Hub (its event comes back through the queue);
    // then a resolver resolves the incident, which owns the status.
    const securityHub = new SecurityHubClient({ region: 'us-east-1' });
    const productArn = (harness.securityHub.getFinding(findingId) as Record<string, string>).ProductArn;
    await securityHub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: findingId, ProductArn: productArn }], Workflow: { Status: 'SUPPRESSED' } }));
    securityHub.destroy();
    await harness.settle();
    harness.editTicket('incident', incident.sys_id!, { state: '6', close_code: 'Solution provided', close_notes: 'Fixed the bucket policy' });
    await harness.poll();

    expect((harness.securityHub.getFinding(findingId) as Record<string, any>).Workflow.Status).toBe('RESOLVED');
    const notes = harness.serviceNow.records('sys_journal_field').filter((entry) => entry.element_id === incident.sys_id && entry.element === 'work_notes');
    expect(notes.map((entry) => entry.value).join('\n')).toContain('the finding status was changed in AWS to SUPPRESSED since the last sync');
  });

  it('does not miss a ticket reopened a moment after it was resolved', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    const incident = incidentFor(opsItem.OpsItemId);

    harness.editTicket('incident', incident.sys_id!, { state: '6', close_code: 'Solution provided', close_notes: 'Scaled out' });
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Resolved');

    // Reopened within the same second: the poll's overlap reads it again, with a newer version.
    harness.editTicket('incident', incident.sys_id!, { state: '2' });
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('InProgress');
  });

  it('keeps a person-closed ticket closed', async () => {
    await start();
    const { findingId, incident } = await openFinding();
    harness.editTicket('incident', incident.sys_id!, { state: '7', close_code: 'Solution provided', close_notes: 'Handled elsewhere' });
    await harness.poll();
    const before = writes();

    // Security Hub reports the finding again, still failing, as a new NOTIFIED event would.
    const again = fixture<Event>(S3_FAILED);
    again.id = crypto.randomUUID();
    again.detail.findings[0].UpdatedAt = new Date(Date.now() + 60_000).toISOString();
    await harness.deliver(again);

    expect(harness.outcomes().at(-1)).toBe('closed-not-patched');
    expect(harness.incidents().find((candidate) => candidate.sys_id === incident.sys_id)?.state).toBe('7');
    expect(writes()).toEqual(before);
    expect((harness.securityHub.getFinding(findingId) as Record<string, any>).Workflow.Status).toBe('RESOLVED');
  });

  it('sends each comment and work note once, and never the connector own', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    const incident = incidentFor(opsItem.OpsItemId);

    harness.editTicket('incident', incident.sys_id!, { comments: 'Customer sees timeouts' });
    harness.editTicket('incident', incident.sys_id!, { work_notes: 'Restarted two tasks ^ checking' });
    await harness.poll();
    await harness.poll();
    harness.editTicket('incident', incident.sys_id!, { urgency: '2' });
    await harness.poll();

    const notes = harness.opsItemNotes(opsItem.OpsItemId);
    expect(notes.split(`${incident.number} comment by ${RESOLVER}: Customer sees timeouts`)).toHaveLength(2);
    expect(notes.split(`${incident.number} work note by ${RESOLVER}: Restarted two tasks ^ checking`)).toHaveLength(2);
    expect(notes).not.toContain('Created by itsm-sync');
  });

  it('carries two edits made within one poll interval', async () => {
    await start();
    const first = await harness.openOpsItem();
    const second = await harness.openOpsItem({ Title: 'Disk almost full on orders-db-1' });
    const firstIncident = incidentFor(first.OpsItemId);
    const secondIncident = incidentFor(second.OpsItemId);

    harness.editTicket('incident', firstIncident.sys_id!, { state: '2' });
    harness.editTicket('incident', firstIncident.sys_id!, { comments: 'Working on it' });
    harness.editTicket('incident', secondIncident.sys_id!, { state: '6', close_code: 'Solution provided', close_notes: 'Freed space' });
    await harness.poll();

    expect(harness.ssm.getOpsItem(first.OpsItemId)?.Status).toBe('InProgress');
    expect(harness.opsItemNotes(first.OpsItemId)).toContain('Working on it');
    expect(harness.ssm.getOpsItem(second.OpsItemId)?.Status).toBe('Resolved');
  });

  it('notes the value the owner replaced', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    const incident = incidentFor(opsItem.OpsItemId);

    // A person raises urgency in ServiceNow, and the poller reads it. Then the OpsItem's owner changes
    // its priority, and urgency is owned by AWS.
    harness.editTicket('incident', incident.sys_id!, { urgency: '3' });
    await harness.poll();
    harness.ssm.updateOpsItemAsHuman(opsItem.OpsItemId, { Priority: 4 });
    await harness.settle();

    expect(incidentFor(opsItem.OpsItemId).urgency).toBe('2');
    const notes = harness.serviceNow.records('sys_journal_field').filter((entry) => entry.element_id === incident.sys_id && entry.element === 'work_notes');
    expect(notes.map((entry) => entry.value).join('\n')).toContain('- urgency: "3" was replaced by "2"');
  });

  it('resumes from its cursor after a restart, without loss or repeats', async () => {
    await start();
    const first = await harness.openOpsItem();
    const second = await harness.openOpsItem({ Title: 'Disk almost full on orders-db-1' });

    harness.editTicket('incident', incidentFor(first.OpsItemId).sys_id!, { state: '2' });
    await harness.poll();
    const afterFirst = writes();

    await harness.restartConnector();
    harness.editTicket('incident', incidentFor(second.OpsItemId).sys_id!, { state: '2' });
    await harness.poll();

    // Only the second edit was written; the first, read again in the overlap, was not repeated.
    expect(writes()).toEqual({ ...afterFirst, opsItem: afterFirst.opsItem + 1 });
    expect(harness.ssm.getOpsItem(second.OpsItemId)?.Status).toBe('InProgress');
    expect(await harness.connector.store.getCursor('changes:servicenow:incident')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('writes nothing for a rebuilt link until a person changes the ticket', async () => {
    await start();
    const opsItem = await harness.openOpsItem();
    const incident = incidentFor(opsItem.OpsItemId);
    harness.editTicket('incident', incident.sys_id!, { state: '2', comments: 'Looking into it' });
    await harness.poll();

    // A replaced task: the links are rebuilt from correlation values, without their history.
    await harness.loseStateStore();
    harness.ssm.updateOpsItemAsHuman(opsItem.OpsItemId, { Title: 'CPU utilization above 95% on orders-api-prod-2' });
    await harness.settle();
    const before = writes();
    await harness.poll();
    expect(writes()).toEqual(before);
    expect(harness.opsItemNotes(opsItem.OpsItemId).split('Looking into it')).toHaveLength(2);

    harness.editTicket('incident', incident.sys_id!, { state: '6', close_code: 'Solution provided', close_notes: 'Scaled out' });
    await harness.poll();
    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('Resolved');
  });

  it('takes signed webhook notifications without waiting for a poll', async () => {
    await start({ webhookSecret: 'e2e-webhook-secret-0123456789abcdef' });
    const opsItem = await harness.openOpsItem();
    const incident = incidentFor(opsItem.OpsItemId);

    harness.editTicket('incident', incident.sys_id!, { state: '2' });
    await harness.serviceNow.webhooksSettled();
    await harness.settle();

    expect(harness.ssm.getOpsItem(opsItem.OpsItemId)?.Status).toBe('InProgress');
    expect(harness.reverseResults.map(({ result }) => result.outcome)).toContain('applied');
    // The poller, the safety net, finds the version handled already.
    const before = writes();
    await harness.poll();
    expect(writes()).toEqual(before);
  });
});
