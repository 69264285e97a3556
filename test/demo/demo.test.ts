import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { APPROVAL_COMMENT, type ChangeApprovalReport } from '../../src/demo/change-approval.js';
import { formatChangeApproval, type ChangeWording } from '../../src/demo/change-report.js';
import type { ChangeView, CmdbLifecycle } from '../../src/demo/demo-target.js';
import { DemoFailedError, failuresOf } from '../../src/demo/checks.js';
import type { ConfigurationItemsReport } from '../../src/demo/configuration-items.js';
import { DemoStateError, playDemo, runDemo, type DemoReport } from '../../src/demo/demo.js';
import { playJiraDemo, type JiraDemoReport } from '../../src/demo/jira-demo.js';
import { DemoSampleError, loadFindingSamples, loadOpsItemSamples, loadResourceSamples } from '../../src/demo/samples.js';
import { APPROVER } from '../../src/demo/servicenow-demo-target.js';
import type { SyncOutcome } from '../../src/sync/engine.js';
import { REPOSITORY_ROOT } from '../support/harness.js';

const MFA_FINDING = 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.6/finding/f1ddf319-3e60-5921-830d-cb9bd7a12376';
const CPU_OPSITEM = 'oi-4f2a9c81d0e7';
const OTHER_OPSITEM = 'oi-4f3a2b1c0d9e';

/** Outcomes after which the incident was written. */
const TICKET_WRITES: ReadonlySet<SyncOutcome> = new Set(['created', 'adopted', 'updated', 'resolved', 'reopened', 'recreated']);

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'itsm-sync-demo-'));
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function play(fresh = false): Promise<{ report: DemoReport; text: string }> {
  let text = '';
  const report = await playDemo({ dataDir, fresh, logLevel: 'error', output: { write: (chunk: string) => (text += chunk) } });
  return { report, text };
}

async function playJira(deployment: 'cloud' | 'datacenter', jiraDataDir: string): Promise<{ report: JiraDemoReport; text: string }> {
  let text = '';
  const report = await playJiraDemo({ dataDir: jiraDataDir, fresh: false, logLevel: 'error', deployment, output: { write: (chunk: string) => (text += chunk) } });
  return { report, text };
}

function entryFor(report: Pick<DemoReport, 'timeline'>, recordId: string, index = 0) {
  const entries = report.timeline.filter((entry) => entry.record.displayId === recordId);
  const entry = entries[index];
  if (!entry) throw new Error(`The timeline has no entry ${index} for ${recordId}`);
  return entry;
}

/** Reads the records of one table that the demo saved in the data folder. */
function savedRecords(table: string): Array<Record<string, string>> {
  const snapshot = JSON.parse(readFileSync(join(dataDir, 'servicenow-records.json'), 'utf8')) as { tables: Record<string, Array<Record<string, string>>> };
  return snapshot.tables[table] ?? [];
}

/** Reads the change_request records that the demo saved in the data folder. */
function savedChanges(): Array<Record<string, string>> {
  return savedRecords('change_request');
}

/** The CMDB steps of the demo's first run: four resources recorded, then the instance deleted. */
const SAMPLE_CI_FIRST_RUN_STEPS = [
  ['recorded', 'AWS::EC2::VPC', ['created']],
  ['recorded', 'AWS::EC2::Subnet', ['created']],
  ['recorded', 'AWS::EC2::SecurityGroup', ['created']],
  ['recorded', 'AWS::EC2::Instance', ['created']],
  ['deleted', 'AWS::EC2::Instance', ['resolved']],
];
/** The CI class tables of the sample resources, in sample order. */
const SAMPLE_CI_CLASSES = ['cmdb_ci_network', 'cmdb_ci_cloud_subnet', 'cmdb_ci_compute_security_group', 'cmdb_ci_vm_instance'];
/** The CI class tables of the samples' account and Region. */
const PLACEMENT_CI_CLASSES = ['cmdb_ci_cloud_service_account', 'cmdb_ci_aws_datacenter'];

function changeStep(report: ChangeApprovalReport, action: string) {
  const step = report.steps.find((candidate) => candidate.action === action);
  if (!step) throw new Error(`The change approval has no ${action} step; it has ${report.steps.map((candidate) => candidate.action).join(', ')}`);
  return step;
}

/** Counts the links in a state file that another process writes, or 0 before it has any. */
function linkCount(stateFile: string): number {
  if (!existsSync(stateFile)) return 0;
  const db = new Database(stateFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS count FROM links').get() as { count: number }).count;
  } catch {
    // The connector has not created its tables yet.
    return 0;
  } finally {
    db.close();
  }
}

function echoOutcomes(report: Pick<DemoReport, 'timeline' | 'wayBack'>): SyncOutcome[] {
  return [...report.timeline.flatMap((entry) => entry.echoes.map((echo) => echo.outcome)), ...report.wayBack.echoes.map(({ result }) => result.outcome)];
}

describe('demo', () => {
  it('first run syncs and resolves the way back', async () => {
    const { report, text } = await play();

    expect(report.earlierRun).toBe(false);
    expect(report.incidentsCreated).toBe(6);
    expect(entryFor(report, MFA_FINDING).result.outcome).toBe('created');
    expect(entryFor(report, CPU_OPSITEM).result.outcome).toBe('created');
    expect(entryFor(report, OTHER_OPSITEM).result.outcome).toBe('created');

    // The write-back of each new link came back through the queue and wrote nothing.
    expect(entryFor(report, MFA_FINDING).echoes.map((echo) => echo.outcome)).toEqual(['unchanged']);
    expect(entryFor(report, CPU_OPSITEM).echoes.map((echo) => echo.outcome)).toEqual(['unchanged']);
    expect(echoOutcomes(report).filter((outcome) => TICKET_WRITES.has(outcome))).toEqual([]);

    const steps = report.wayBack.steps;
    expect(steps.map((step) => step.action)).toEqual(['resolved', 'resolved']);
    const [finding, opsItem] = steps;
    if (finding?.action !== 'resolved' || opsItem?.action !== 'resolved') throw new Error('expected two resolved steps');
    expect(finding.before.status).toBe('Workflow NOTIFIED');
    expect(finding.after.status).toBe('Workflow SUPPRESSED');
    expect(finding.after.note).toContain(`${finding.ticket} was resolved by jane.doe (Risk Accepted)`);
    expect(opsItem.before.status).toBe('Status Open');
    expect(opsItem.after.status).toBe('Status Resolved');
    expect(opsItem.after.note).toContain(`${opsItem.ticket} is now Resolved (changed by jane.doe)`);

    expect(report.wayBack.writes).toEqual({ itsm: 0, updateOpsItem: 1, batchUpdateFindings: 1, sendAutomationSignal: 0 });
    expect(report.wayBack.echoes.map(({ result }) => result.outcome).sort()).toEqual(['already-resolved', 'closed-not-patched']);

    expect(text).toContain('OpsItem');
    expect(text).toContain('Way back: jane.doe resolves 2 incidents');
    expect(text).toContain('No echo:');
  });

  it('second run creates no incident', async () => {
    await play();
    const { report, text } = await play();

    expect(report.earlierRun).toBe(true);
    expect(report.incidentsCreated).toBe(0);
    expect(report.incidentsTotal).toBe(6);
    expect(entryFor(report, MFA_FINDING).result.outcome).toBe('closed-not-patched');
    // The OpsItem Create event is delivered again with the state it had before the first run.
    expect(entryFor(report, CPU_OPSITEM).result.outcome).toBe('stale');
    expect(entryFor(report, OTHER_OPSITEM).result.outcome).toBe('stale');

    expect(report.wayBack.steps.map((step) => step.action)).toEqual(['already-closed', 'already-closed']);
    expect(report.wayBack.reverseResults.filter(({ result }) => result.outcome === 'applied')).toEqual([]);
    expect(report.writes.timeline).toEqual({ itsm: 0, updateOpsItem: 0, batchUpdateFindings: 0, sendAutomationSignal: 0 });
    expect(report.writes.wayBack).toEqual({ itsm: 0, updateOpsItem: 0, batchUpdateFindings: 0, sendAutomationSignal: 0 });

    expect(text).toContain('Way back: nothing for jane.doe to resolve in this run.');
    expect(text).toContain('jane.doe resolved it in an earlier run');
  });

  it('starts over with --fresh', async () => {
    await play();
    const { report } = await play(true);

    expect(report.earlierRun).toBe(false);
    expect(report.incidentsCreated).toBe(6);
    expect(report.incidentsTotal).toBe(6);
    expect(report.wayBack.steps.map((step) => step.action)).toEqual(['resolved', 'resolved']);
    expect(report.changeApproval.earlierChanges).toEqual([]);
    expect(report.changeApproval.changeCount).toBe(1);
    expect(report.changeApproval.decisions).toHaveLength(1);
  });

  it('first run approves a change once', async () => {
    const { report, text } = await play();
    const changeApproval = report.changeApproval;

    expect(changeApproval.steps.map((step) => step.action)).toEqual(['filed', 'approved', 'polled', 'finished']);
    expect(changeApproval.stoppedBecause).toBeUndefined();

    const filed = changeStep(changeApproval, 'filed');
    expect(filed.executionStatus).toBe('PendingApproval');
    expect(filed.change).toMatchObject({ type: 'normal', state: '-4', approval: 'requested', closeCode: '' });
    expect(filed.syncOutcomes[0]).toBe('created');
    const number = filed.change!.number;

    // ServiceNow alone moves the change on; AWS waits until the poll sends the signal.
    const approved = changeStep(changeApproval, 'approved');
    expect(approved.executionStatus).toBe('PendingApproval');
    expect(approved.change?.approval).toBe('approved');

    const polled = changeStep(changeApproval, 'polled');
    expect(polled.reverseWrites).toEqual(['signal Approve']);
    expect(polled.executionStatus).toBe('InProgress');
    expect(polled.change?.state).toBe('-1');

    const finished = changeStep(changeApproval, 'finished');
    expect(finished.executionStatus).toBe('Success');
    expect(finished.change).toMatchObject({ number, state: '3', closeCode: 'successful' });

    expect(changeApproval.signals).toHaveLength(1);
    expect(changeApproval.signals[0]).toMatchObject({ executionId: changeApproval.executionId, signalType: 'Approve', accepted: true });
    expect(changeApproval.signals[0]?.payload?.Comment?.[0]).toBe(`Approved in ServiceNow ${number} by ${APPROVER}: ${APPROVAL_COMMENT}`);
    expect(changeApproval.writes.sendAutomationSignal).toBe(1);

    expect(changeApproval.decisions).toHaveLength(1);
    expect(changeApproval.decisions[0]).toMatchObject({ executionId: changeApproval.executionId, ticketNumber: number, signal: 'Approve', status: 'sent', approver: APPROVER });
    expect(changeApproval.auditTrail).toContain(changeApproval.executionId);
    expect(changeApproval.auditTrail).toMatch(new RegExp(`${number} .* Approve .* ${APPROVER} .* sent`));

    expect(changeApproval.earlierChanges).toEqual([]);
    expect(changeApproval.changeCount).toBe(1);
    expect(text).toContain('Change approval:');
    expect(text).toContain(`AWS received exactly 1 SendAutomationSignal for execution ${changeApproval.executionId}`);
    expect(text).toContain(changeApproval.auditTrail.trimEnd());
    // The third part comes after the way back and before the write counts.
    expect(text.indexOf('Change approval:')).toBeGreaterThan(text.indexOf('The change poll read'));
    expect(text.indexOf('Change approval:')).toBeLessThan(text.indexOf('Writes in this run'));
  });

  it('second run files a change of its own', async () => {
    const first = (await play()).report.changeApproval;
    const { report, text } = await play();
    const second = report.changeApproval;

    expect(second.executionId).not.toBe(first.executionId);
    expect(second.earlierChanges).toEqual([{ view: changeStep(first, 'finished').change, executionId: first.executionId }]);
    expect(second.stoppedBecause).toBeUndefined();
    expect(changeStep(second, 'finished').change).toMatchObject({ state: '3', closeCode: 'successful' });
    expect(changeStep(second, 'filed').change?.number).not.toBe(changeStep(first, 'filed').change?.number);
    expect(second.signals.filter((signal) => signal.accepted)).toHaveLength(1);

    // Each execution has exactly one change, read from the records the demo saved.
    const changes = savedChanges();
    expect(changes).toHaveLength(2);
    for (const executionId of [first.executionId, second.executionId]) {
      expect(changes.filter((change) => change.description?.includes(executionId))).toHaveLength(1);
    }
    expect(second.changeCount).toBe(2);
    expect(second.duplicateCorrelations).toEqual([]);

    // The audit trail keeps the first run's decision. Both can fall in the same second of the
    // simulator's clock, and then the store orders them by execution id, so the order is not checked.
    expect(second.decisions.map((decision) => decision.executionId).sort()).toEqual([first.executionId, second.executionId].sort());
    expect(second.auditTrail).toContain(first.executionId);
    expect(second.auditTrail).toContain(second.executionId);
    expect(text).toContain(`${changeStep(first, 'filed').change?.number} from an earlier run is Closed (3), close code successful`);
    expect(text).toContain('so that execution is gone: this run files a new change request');
    expect(text).toContain('Changes in the ServiceNow simulator: 2, each for a different AWS execution.');
  });

  it('first run makes CIs and retires one', async () => {
    const { report, text } = await play();
    const { steps, objects, placements, inventory } = report.configurationItems;

    expect(steps.map((step) => [step.action, step.resource.resourceType, step.outcomes])).toEqual(SAMPLE_CI_FIRST_RUN_STEPS);
    expect(objects.map(({ object }) => object?.className)).toEqual(SAMPLE_CI_CLASSES);
    expect(objects.map(({ object }) => object?.objectId)).toEqual(objects.map(({ resource }) => resource.resourceId));
    expect(objects.map(({ object }) => object?.name)).toEqual(['orders-vpc', 'orders-private-a', 'orders-api-sg', 'orders-api-prod-2']);

    // Right after it was recorded, the instance is installed and related to everything it uses.
    expect(steps[3]?.object).toMatchObject({ status: 'Installed (1)', lifecycle: 'in-use' });
    expect(steps[3]?.object?.references).toEqual(['Contained by: orders-private-a', 'Contained by: orders-vpc', 'Hosted on: us-east-1', 'Uses: orders-api-sg']);

    // The deletion retires the same CI and removes its relationships.
    const instance = objects[3]?.object;
    expect(instance).toMatchObject({ number: steps[3]?.object?.number, status: 'Retired (7)', lifecycle: 'retired', references: [] });
    expect(objects[1]?.object).toMatchObject({ status: 'Installed (1)', references: ['Contained by: orders-vpc', 'Hosted on: us-east-1'] });

    expect(placements.map(({ displayId }) => displayId)).toEqual(['AWS::::Account 111122223333', 'AWS::::Region us-east-1 in 111122223333']);
    expect(placements.map(({ object }) => object?.className)).toEqual(PLACEMENT_CI_CLASSES);
    const [account, region] = placements.map(({ object }) => object);
    expect(account).toMatchObject({ name: '111122223333', objectId: '111122223333', status: 'Installed (1)', references: ['Hosts: us-east-1'] });
    expect(region).toMatchObject({ name: 'us-east-1', objectId: 'us-east-1', status: 'Installed (1)' });
    expect(region?.references).toEqual(['Hosted on: 111122223333', 'Hosts: orders-api-sg', 'Hosts: orders-private-a', 'Hosts: orders-vpc']);
    expect(inventory).toEqual({ before: 0, after: 6, retired: 1, duplicates: [] });

    // The saved ServiceNow records, which the next run restores, contain one CI per class and the retirement.
    for (const table of [...SAMPLE_CI_CLASSES, ...PLACEMENT_CI_CLASSES]) expect(savedRecords(table)).toHaveLength(1);
    expect(savedRecords('cmdb_ci_vm_instance')[0]).toMatchObject({ object_id: 'i-0a1b2c3d4e5f60718', install_status: '7', operational_status: '6' });
    expect(savedRecords('cmdb_rel_ci')).toHaveLength(6);
    expect(report.writes.configurationItems.itsm).toBeGreaterThanOrEqual(7);

    expect(text).toContain("the connector writes the resource's CI in the ServiceNow CMDB:");
    expect(text).toMatch(/│ deleted +│ AWS::EC2::Instance +│ resolved +│ cmdb_ci_vm_instance +│ Retired \(7\) +│ - +│/);
    expect(text).toContain('cmdb_ci_cloud_service_account');
    expect(text).toContain('(cmdb_rel_ci)');
    expect(text).toContain('CIs in the ServiceNow CMDB: 6, 6 of them new in this run and 1 retired.');
    expect(text).toContain('New CIs: 6. CIs in the ServiceNow CMDB: 6, 1 of them retired.');
    expect(text).toContain('without creating any incident or CI twice');
    // The CMDB part comes after the change approval and before the write counts.
    expect(text.indexOf('Configuration items:')).toBeGreaterThan(text.indexOf('Change approval:'));
    expect(text.indexOf('Configuration items:')).toBeLessThan(text.indexOf('Writes in this run'));
  });

  it('second run makes no CI twice', async () => {
    const first = (await play()).report.configurationItems;
    const relationshipsAfterFirst = savedRecords('cmdb_rel_ci').map((row) => `${row.parent} ${row.type} ${row.child}`).sort();
    const { report, text } = await play();
    const second = report.configurationItems;

    // The restored CIs match their links. The instance, recorded as running again, gets its CI back until the deletion.
    expect(second.steps.map((step) => [step.action, step.resource.resourceType, step.outcomes])).toEqual([
      ['recorded', 'AWS::EC2::VPC', ['unchanged']],
      ['recorded', 'AWS::EC2::Subnet', ['unchanged']],
      ['recorded', 'AWS::EC2::SecurityGroup', ['unchanged']],
      ['recorded', 'AWS::EC2::Instance', ['reopened']],
      ['deleted', 'AWS::EC2::Instance', ['resolved']],
    ]);
    expect(second.steps[3]?.object).toMatchObject({ status: 'Installed (1)', lifecycle: 'in-use' });
    expect(second.objects.map(({ object }) => object?.number)).toEqual(first.objects.map(({ object }) => object?.number));
    expect(second.objects[3]?.object).toMatchObject({ status: 'Retired (7)', lifecycle: 'retired' });
    expect(second.placements.map(({ object }) => object?.number)).toEqual(first.placements.map(({ object }) => object?.number));
    expect(second.inventory).toEqual({ before: 6, after: 6, retired: 1, duplicates: [] });

    for (const table of [...SAMPLE_CI_CLASSES, ...PLACEMENT_CI_CLASSES]) expect(savedRecords(table)).toHaveLength(1);
    expect(savedRecords('cmdb_ci_vm_instance')[0]?.install_status).toBe('7');
    expect(savedRecords('cmdb_rel_ci').map((row) => `${row.parent} ${row.type} ${row.child}`).sort()).toEqual(relationshipsAfterFirst);

    expect(text).toContain('CIs in the ServiceNow CMDB: 6, 0 of them new in this run and 1 retired.');
    expect(text).toContain('each configuration item matched its link, so no CI was created twice');
    expect(text).toContain('AWS Config recorded i-0a1b2c3d4e5f60718 again as running');
    expect(text).toContain('  reopened: AWS Config recorded the resource of a retired CI again');
    expect(text).toContain('New CIs: 0. CIs in the ServiceNow CMDB: 6, 1 of them retired.');
    expect(text).toContain('so no incident or CI was created twice');
  });

  it('rejects invalid saved ServiceNow records', async () => {
    const file = join(dataDir, 'servicenow-records.json');
    writeFileSync(file, '{"tables": ');

    await expect(play()).rejects.toThrow(DemoStateError);
    await expect(play()).rejects.toThrow(/servicenow-records\.json: not valid JSON .*--fresh/);
    expect(readFileSync(file, 'utf8')).toBe('{"tables": ');
  });

  it('rejects links without saved records', async () => {
    writeFileSync(join(dataDir, 'state.db'), '');

    await expect(play()).rejects.toThrow(DemoStateError);
    await expect(play()).rejects.toThrow(/servicenow-records\.json: the file is missing, while .*state\.db contains the links of an earlier run .*--fresh/);
  });

  it.each([
    ['Ctrl-C', 'SIGINT', 130],
    ['a closed terminal', 'SIGHUP', 129],
  ] as const)('carries on after %s', async (_cause, signal, exitCode) => {
    const demoProcess = spawn(process.execPath, [join(REPOSITORY_ROOT, 'bin/itsm-sync.js'), 'demo', '--data-dir', dataDir, '--log-level', 'error'], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    demoProcess.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(demoProcess, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    try {
      // Stop the run once it has linked some records, and before it has finished.
      await vi.waitFor(() => expect(linkCount(join(dataDir, 'state.db'))).toBeGreaterThanOrEqual(2), { timeout: 60_000, interval: 20 });
      demoProcess.kill(signal);
      const [code] = await exited;

      expect(code).toBe(exitCode);
      expect(stderr).toContain(`The demo was stopped (${signal}); its state is saved`);
      expect(savedRecords('incident').length).toBeGreaterThanOrEqual(2);
    } finally {
      demoProcess.kill();
    }

    // The next run completes, with one incident per sample whatever the interrupted run had done.
    const { report } = await play();
    expect(report.incidentsTotal).toBe(6);
  }, 120_000);
});

describe.each(['cloud', 'datacenter'] as const)('Jira %s demo', (deployment) => {
  // One run serves every test of a deployment: each test reads another part of it.
  let jiraDataDir: string;
  let played: { report: JiraDemoReport; text: string };

  beforeAll(async () => {
    jiraDataDir = mkdtempSync(join(tmpdir(), 'itsm-sync-jira-demo-'));
    played = await playJira(deployment, jiraDataDir);
  });

  afterAll(() => {
    rmSync(jiraDataDir, { recursive: true, force: true });
  });

  it('syncs the samples to issues', () => {
    const { report, text } = played;

    expect(report.issuesCreated).toBe(6);
    const mfa = entryFor(report, MFA_FINDING);
    expect(mfa.result.outcome).toBe('created');
    expect(mfa.result.ticket?.number).toMatch(/^SEC-\d+$/);
    expect(mfa.ticket).toMatchObject({ priority: 'Highest', state: 'Open', closed: false });
    expect(mfa.echoes.map((echo) => echo.outcome)).toEqual(['unchanged']);
    expect(entryFor(report, CPU_OPSITEM).result.ticket?.number).toMatch(/^ITS-\d+$/);
    expect(entryFor(report, CPU_OPSITEM).ticket?.priority).toBe('High');
    expect(entryFor(report, OTHER_OPSITEM).ticket?.priority).toBe('Medium');
    expect(echoOutcomes(report).filter((outcome) => TICKET_WRITES.has(outcome))).toEqual([]);

    expect(text).toContain(deployment === 'cloud' ? 'REST API v3, text as Atlassian Document Format' : 'REST API v2, text as wiki markup');
    expect(text).toMatch(/│ Issue +│ Priority +│ Status +│/);
    expect(text).toContain(`${mfa.result.ticket?.number}    │ Highest  │ Open`);
  });

  it('carries the comment and resolution back', () => {
    const { report, text } = played;

    const [finding, opsItem] = report.wayBack.steps;
    if (finding?.action !== 'resolved' || opsItem?.action !== 'resolved') throw new Error(`expected two resolved steps, got ${JSON.stringify(report.wayBack.steps)}`);
    expect(finding.before.status).toBe('Workflow NOTIFIED');
    expect(finding.after.status).toBe('Workflow SUPPRESSED');
    expect(finding.after.note).toBe(`${finding.ticket} comment by Avery Agent: ${finding.edit.note}`);
    expect(opsItem.before.status).toBe('Status Open');
    expect(opsItem.after.status).toBe('Status Resolved');
    // The poll added two notes to the OpsItem: the resolution, then the comment.
    expect(opsItem.after.note).toBe(
      `Jira issue ${opsItem.ticket} is now Resolved (changed by Avery Agent), resolution Done.\n${opsItem.ticket} comment by Avery Agent: ${opsItem.edit.note}`,
    );

    const applied = report.wayBack.reverseResults.filter(({ result }) => result.outcome === 'applied');
    expect(applied.map(({ ticket, result }) => [ticket.ref.number, result.writes])).toEqual(
      expect.arrayContaining([
        [finding.ticket, ['status SUPPRESSED', 'journal 1']],
        [opsItem.ticket, ['status Resolved', 'journal 1']],
      ]),
    );
    expect(report.wayBack.writes).toMatchObject({ itsm: 0, sendAutomationSignal: 0 });
    expect(text).toContain('Way back: Avery Agent resolves 2 issues in Jira');
  });

  it('second delivery creates no issue', () => {
    const { report, text } = played;

    expect(report.issuesCreatedBySecondDelivery).toBe(0);
    expect(report.issuesTotal).toBe(6);
    expect(entryFor({ timeline: report.secondDelivery }, MFA_FINDING).result.outcome).toBe('closed-not-patched');
    expect(entryFor({ timeline: report.secondDelivery }, CPU_OPSITEM).result.outcome).toBe('stale');
    expect(report.secondDelivery.map((entry) => entry.result.outcome)).not.toContain('created');
    expect(report.writes.secondDelivery).toEqual({ itsm: 0, updateOpsItem: 0, batchUpdateFindings: 0, sendAutomationSignal: 0 });
    expect(text).toContain('New issues from the second delivery: 0.');
  });

  it('approves the change in Jira once', () => {
    const { report, text } = played;
    const changeApproval = report.changeApproval;

    expect(changeApproval.stoppedBecause).toBeUndefined();
    expect(changeApproval.steps.map((step) => step.action)).toEqual(['filed', 'approved', 'polled', 'finished']);
    const filed = changeStep(changeApproval, 'filed');
    expect(filed.change).toMatchObject({ type: '[System] Change', state: 'Awaiting approval', approval: 'pending', awaitingApproval: true });
    expect(filed.change?.number).toMatch(/^ITS-\d+$/);
    // The approval moves the change in Jira; AWS waits for the poll.
    expect(changeStep(changeApproval, 'approved')).toMatchObject({ executionStatus: 'PendingApproval', change: { state: 'Awaiting implementation', approval: 'approved' } });
    expect(changeStep(changeApproval, 'polled')).toMatchObject({ executionStatus: 'InProgress', reverseWrites: ['signal Approve'], change: { state: 'Implementing' } });
    expect(changeStep(changeApproval, 'finished')).toMatchObject({ executionStatus: 'Success', change: { state: 'Completed', closeCode: 'Done', final: true } });

    expect(changeApproval.signals).toHaveLength(1);
    expect(changeApproval.signals[0]).toMatchObject({ signalType: 'Approve', accepted: true });
    expect(changeApproval.signals[0]?.payload?.Comment?.[0]).toBe(`Approved in Jira ${filed.change?.number} by Casey Example`);
    expect(changeApproval.decisions).toHaveLength(1);
    expect(changeApproval.changeCount).toBe(1);
    expect(text).toContain(`Casey Example approves its change in ${deployment === 'cloud' ? 'Jira Cloud' : 'Jira Data Center'}, and the connector`);
  });

  it('retires the deleted resource in Assets', () => {
    const { report, text } = played;
    const { steps, objects } = report.configurationItems;

    expect(steps.map((step) => [step.action, step.resource.resourceType, step.outcomes])).toEqual(SAMPLE_CI_FIRST_RUN_STEPS);
    const [vpc, subnet, securityGroup, instance] = objects.map(({ object }) => object);
    expect(vpc?.status).toBe('Active');
    expect(securityGroup?.name).toBe('orders-api-sg');

    // The samples are in one account and Region, whose objects the first event made.
    const { placements } = report.configurationItems;
    expect(placements.map(({ displayId }) => displayId)).toEqual(['AWS::::Account 111122223333', 'AWS::::Region us-east-1 in 111122223333']);
    const [account, region] = placements.map(({ object }) => object);
    expect(account).toMatchObject({ name: '111122223333', status: 'Active', references: [] });
    expect(region).toMatchObject({ name: 'us-east-1', status: 'Active', references: [`Owned by Account: ${account?.number}`] });
    expect(vpc?.references).toEqual([`Located in Region: ${region?.number}`]);
    expect(steps[3]?.object?.references).toEqual([
      `Contained in VPC: ${vpc?.number}`,
      `In Subnet: ${subnet?.number}`,
      `Uses Security Groups: ${securityGroup?.number}`,
      `Located in Region: ${region?.number}`,
    ]);
    expect(text).toContain('for each account and Region the resources are in');
    expect(instance).toMatchObject({ number: steps[3]?.object?.number, status: 'Retired' });
    expect(report.writes.configurationItems.itsm).toBeGreaterThanOrEqual(5);
    expect(text).toContain('the connector writes the resource\'s object in JSM Assets');
  });
});

describe('demo exit code', () => {
  it('names a saved state it cannot read', async () => {
    writeFileSync(join(dataDir, 'servicenow-records.json'), '[');
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);

    const code = await runDemo({ dataDir, fresh: false, logLevel: 'error', output: { write: () => true } });
    vi.restoreAllMocks();

    expect(code).toBe(1);
    expect(stderr.join('')).toMatch(/servicenow-records\.json: not valid JSON/);
  });

  it('names a data folder that is a file', async () => {
    const file = join(dataDir, 'a-file');
    writeFileSync(file, '');
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);

    const code = await runDemo({ dataDir: file, fresh: false, logLevel: 'error', output: { write: () => true } });
    vi.restoreAllMocks();

    expect(code).toBe(1);
    expect(stderr.join('')).toBe(`Cannot use ${file} as the demo's data folder: it is a file. Pass --data-dir a folder, or remove the file.\n`);
  });

  it('runs the Jira demo to exit code 0', async () => {
    let text = '';
    const code = await runDemo({ dataDir, fresh: false, logLevel: 'error', target: 'jira', output: { write: (chunk: string) => (text += chunk) } });

    expect(code).toBe(0);
    expect(text).toContain('Jira Cloud simulator');
  });
});

describe('demo checks', () => {
  const ACTIVE_PLACEMENTS: ConfigurationItemsReport['placements'] = [
    { displayId: 'AWS::::Account 111122223333', object: { number: 'AWS-1', name: '111122223333', status: 'Active', references: [], lifecycle: 'in-use' } },
    {
      displayId: 'AWS::::Region us-east-1 in 111122223333',
      object: { number: 'AWS-2', name: 'us-east-1', status: 'Active', references: ['Owned by Account: AWS-1'], lifecycle: 'in-use' },
    },
  ];
  const VPC_OBJECT: ConfigurationItemsReport['objects'][number] = {
    resource: { resourceType: 'AWS::EC2::VPC', resourceId: 'vpc-0e1d2c3b4a5f60789' },
    object: { number: 'AWS-3', name: 'orders-vpc', status: 'Active', references: ['Located in Region: AWS-2'], lifecycle: 'in-use' },
  };
  const LIFECYCLES: Record<string, CmdbLifecycle> = { Active: 'in-use', Retired: 'retired' };
  const lifecycleOf = (status: string): CmdbLifecycle => LIFECYCLES[status] ?? 'other';
  const retired = (status: string, placements = ACTIVE_PLACEMENTS, others: ConfigurationItemsReport['objects'] = []): ConfigurationItemsReport => ({
    steps: [],
    objects: [
      ...others,
      { resource: { resourceType: 'AWS::EC2::Instance', resourceId: 'i-0a1b2c3d4e5f60718' }, object: { number: 'AWS-4', name: 'orders-api-prod-2', status, references: [], lifecycle: lifecycleOf(status) } },
    ],
    placements,
    writes: { itsm: 0, updateOpsItem: 0, batchUpdateFindings: 0, sendAutomationSignal: 0 },
  });

  it('passes a run that went as shown', () => {
    expect(failuresOf({ secondDeliveryCreated: 0, configurationItems: retired('Retired', ACTIVE_PLACEMENTS, [VPC_OBJECT]), ticketNoun: 'issue' })).toEqual([]);
  });

  it('reports tickets made twice', () => {
    expect(failuresOf({ secondDeliveryCreated: 2, ticketNoun: 'issue' })).toEqual([
      'delivering the samples a second time created 2 issue(s); every sample should have matched its link',
    ]);
  });

  it('reports a deleted resource still active', () => {
    expect(failuresOf({ configurationItems: retired('Active'), ticketNoun: 'issue' })).toEqual([
      'AWS::EC2::Instance i-0a1b2c3d4e5f60718 was deleted, but its CI AWS-4 (orders-api-prod-2) is Active, not retired',
    ]);
  });

  it('reports missing account and Region objects', () => {
    expect(failuresOf({ configurationItems: retired('Retired', []), ticketNoun: 'issue' })).toEqual([
      'no CI was made for the account of the sample resources',
      'no CI was made for the Region of the sample resources',
    ]);
  });

  it('reports a missing Region object', () => {
    expect(failuresOf({ configurationItems: retired('Retired', [ACTIVE_PLACEMENTS[0]!]), ticketNoun: 'issue' })).toEqual(['no CI was made for the Region of the sample resources']);
  });

  it('reports a retired resource not deleted', () => {
    const vpc = { ...VPC_OBJECT, object: { ...VPC_OBJECT.object!, status: 'Retired (7)', lifecycle: 'retired' as const } };

    expect(failuresOf({ configurationItems: retired('Retired', ACTIVE_PLACEMENTS, [vpc]), ticketNoun: 'incident' })).toEqual([
      'the CI AWS-3 (orders-vpc) of AWS::EC2::VPC vpc-0e1d2c3b4a5f60789 is Retired (7), though the resource was not deleted',
    ]);
  });

  it('reports a CI without relationships', () => {
    const vpc = { ...VPC_OBJECT, object: { ...VPC_OBJECT.object!, references: [] } };

    expect(failuresOf({ configurationItems: retired('Retired', ACTIVE_PLACEMENTS, [vpc]), ticketNoun: 'incident' })).toEqual([
      'the CI AWS-3 (orders-vpc) of AWS::EC2::VPC vpc-0e1d2c3b4a5f60789 has no relationship, not even to its Region',
    ]);
  });

  it('reports a resource without a CI', () => {
    const vpc = { resource: VPC_OBJECT.resource };

    expect(failuresOf({ configurationItems: retired('Retired', ACTIVE_PLACEMENTS, [vpc]), ticketNoun: 'incident' })).toEqual([
      'the configuration item of AWS::EC2::VPC vpc-0e1d2c3b4a5f60789 has no CI in the CMDB',
    ]);
  });

  it('reports a CI made twice', () => {
    const report = { ...retired('Retired', ACTIVE_PLACEMENTS, [VPC_OBJECT]), inventory: { before: 6, after: 7, retired: 1, duplicates: ['cmdb_ci_network vpc-0e1d2c3b4a5f60789'] } };

    expect(failuresOf({ configurationItems: report, ticketNoun: 'incident' })).toEqual([
      'cmdb_ci_network vpc-0e1d2c3b4a5f60789 (CI class and object id) has more than one CI; each resource must have one',
    ]);
  });

  it('reports a Region object that is not Active', () => {
    const [account, region] = ACTIVE_PLACEMENTS;
    const placements = [account!, { ...region!, object: { ...region!.object!, status: 'Retired', lifecycle: 'retired' as const } }];

    expect(failuresOf({ configurationItems: retired('Retired', placements), ticketNoun: 'issue' })).toEqual([
      'the CI AWS-2 (us-east-1) of AWS::::Region us-east-1 in 111122223333 is Retired, but account and Region CIs are never retired',
    ]);
  });

  it('lists every failure in the error', () => {
    const error = new DemoFailedError(['the change approval stopped early: no change', 'delivering the samples a second time created 1 issue(s)']);

    expect(error.message).toContain('  - the change approval stopped early: no change\n  - delivering the samples');
    expect(error.message).toContain('--log-level info');
  });
});

describe('demo samples', () => {
  it('reads the shipped samples in number order', () => {
    const findings = loadFindingSamples(join(import.meta.dirname, '../../src/demo/events'));
    const opsItems = loadOpsItemSamples(join(import.meta.dirname, '../../src/demo/opsitems'));

    expect(findings.map((sample) => sample.file.split('/').at(-1)?.split('-')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(findings.filter((sample) => sample.viaSns)).toHaveLength(2);
    expect(opsItems.map((sample) => sample.opsItem.OpsItemId)).toEqual([CPU_OPSITEM, OTHER_OPSITEM]);
  });

  it('reads the shipped resources in number order', () => {
    const resources = loadResourceSamples(join(import.meta.dirname, '../../src/demo/resources'));

    expect(resources.map(({ item }) => item.resourceType)).toEqual(['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup', 'AWS::EC2::Instance']);
  });

  it('names a resource without a configuration', () => {
    const dir = join(dataDir, 'resources');
    mkdirSync(dir);
    writeFileSync(join(dir, '1-vpc.json'), JSON.stringify({ resourceType: 'AWS::EC2::VPC', resourceId: 'vpc-1' }));

    expect(() => loadResourceSamples(dir)).toThrow(DemoSampleError);
    expect(() => loadResourceSamples(dir)).toThrow(/1-vpc\.json: configuration is missing/);
  });

  it('names the file of an OpsItem without an id', () => {
    const dir = join(dataDir, 'opsitems');
    mkdirSync(dir);
    writeFileSync(join(dir, '1-no-id.opsitem.json'), JSON.stringify({ OpsItem: { Title: 'Disk full' } }));

    expect(() => loadOpsItemSamples(dir)).toThrow(DemoSampleError);
    expect(() => loadOpsItemSamples(dir)).toThrow(/1-no-id\.opsitem\.json: OpsItem\.OpsItemId is missing/);
  });

  it('names the file of an event that is not JSON', () => {
    const dir = join(dataDir, 'events');
    mkdirSync(dir);
    writeFileSync(join(dir, '1-broken.asff.json'), '{"detail-type": ');

    expect(() => loadFindingSamples(dir)).toThrow(/1-broken\.asff\.json: not valid JSON/);
  });

  it('rejects an event that is not from Security Hub', () => {
    const dir = join(dataDir, 'events');
    mkdirSync(dir);
    writeFileSync(join(dir, '1-opsitem.json'), JSON.stringify({ 'detail-type': 'OpsItem Create', detail: {} }));

    expect(() => loadFindingSamples(dir)).toThrow(/1-opsitem\.json: expected a Security Hub event .*got "detail-type" "OpsItem Create"/);
  });
});

describe('change approval output', () => {
  const wording: ChangeWording = { name: 'ServiceNow', approver: APPROVER, closeCodeColumn: 'Close code', changeOutcomeMeanings: {} };
  const STATE_NAMES: Record<string, string> = { '-4': 'Assess (-4)', '-2': 'Scheduled (-2)', '3': 'Closed (3)' };

  /** Builds the report of a run in which AWS refused the signal, after earlier runs left several changes. */
  function refusedReport(): ChangeApprovalReport {
    const change = (number: string, state: string, closeCode = ''): ChangeView => ({
      number,
      type: 'normal',
      state,
      stateName: STATE_NAMES[state] ?? state,
      approval: 'approved',
      awaitingApproval: false,
      final: state === '3',
      closeCode,
    });
    return {
      executionId: 'e2c4a6b8-0000-4000-8000-000000000001',
      approverArn: 'arn:aws:sts::111122223333:assumed-role/itsm-sync-task/itsm-sync',
      earlierChanges: [
        { view: change('CHG0030001', '3', 'successful'), executionId: 'x-1' },
        { view: change('CHG0030002', '3', 'successful'), executionId: 'x-2' },
        { view: change('CHG0030003', '3', 'successful'), executionId: 'x-3' },
        { view: change('CHG0030004', '-4'), executionId: 'x-4' },
        { view: change('CHG0030005', '3', 'successful') },
      ],
      steps: [
        { action: 'filed', executionStatus: 'PendingApproval', change: change('CHG0030006', '-4'), syncOutcomes: ['created'], reverseWrites: [] },
        { action: 'polled', executionStatus: 'PendingApproval', change: change('CHG0030006', '-2'), syncOutcomes: [], reverseWrites: [] },
      ],
      stoppedBecause: 'execution e2c4a6b8-0000-4000-8000-000000000001 is PendingApproval after the poll, so its runbook did not start',
      signals: [{ executionId: 'e2c4a6b8-0000-4000-8000-000000000001', signalType: 'Approve', callerArn: 'arn', accepted: false, errorType: 'InvalidAutomationSignalException' }],
      decisions: [],
      auditTrail: 'No decisions in sqlite:/tmp/state.db.\n',
      changeCount: 7,
      duplicateCorrelations: ['aws-cr-0123'],
      writes: { itsm: 1, updateOpsItem: 0, batchUpdateFindings: 0, sendAutomationSignal: 0 },
    };
  }

  it('says why the part stopped', () => {
    const text = formatChangeApproval(refusedReport(), wording);

    expect(text).toContain('Stopped early: execution e2c4a6b8-0000-4000-8000-000000000001 is PendingApproval after the poll');
    expect(text).toContain('Approve, refused with InvalidAutomationSignalException, no comment');
    expect(text).toContain('poll: no AWS write');
  });

  it('reports duplicate changes', () => {
    const text = formatChangeApproval(refusedReport(), wording);

    expect(text).toContain('Changes in the ServiceNow simulator: 7, with duplicates');
    expect(text).toContain('aws-cr-0123');
  });

  it('lists only the newest earlier changes', () => {
    const text = formatChangeApproval(refusedReport(), wording);

    expect(text).toContain('Earlier runs left 2 older changes (Closed (3) ×2), and these:');
    expect(text).not.toContain('CHG0030001 from an earlier run');
    expect(text).toContain('CHG0030004 from an earlier run is Assess (-4), for execution x-4.');
    expect(text).toContain('CHG0030005 from an earlier run is Closed (3), close code successful, for execution (no link in the state store).');
    // CHG0030004 waits for an execution that is gone.
    expect(text).toContain('stays as it is, because its execution is gone');
  });
});
