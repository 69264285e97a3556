import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DemoStateError, playDemo, type DemoReport } from '../../src/demo/demo.js';
import { DemoSampleError, loadFindingSamples, loadOpsItemSamples } from '../../src/demo/samples.js';
import type { SyncOutcome } from '../../src/sync/engine.js';

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

function entryFor(report: DemoReport, recordId: string, index = 0) {
  const entries = report.timeline.filter((entry) => entry.record.displayId === recordId);
  const entry = entries[index];
  if (!entry) throw new Error(`The timeline has no entry ${index} for ${recordId}`);
  return entry;
}

function echoOutcomes(report: DemoReport): SyncOutcome[] {
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
    expect(finding.after.note).toContain(`${finding.incident} was resolved by jane.doe (Risk Accepted)`);
    expect(opsItem.before.status).toBe('Status Open');
    expect(opsItem.after.status).toBe('Status Resolved');
    expect(opsItem.after.note).toContain(`${opsItem.incident} is now Resolved (changed by jane.doe)`);

    expect(report.wayBack.writes).toEqual({ serviceNow: 0, updateOpsItem: 1, batchUpdateFindings: 1 });
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
    expect(report.writes.timeline).toEqual({ serviceNow: 0, updateOpsItem: 0, batchUpdateFindings: 0 });
    expect(report.writes.wayBack).toEqual({ serviceNow: 0, updateOpsItem: 0, batchUpdateFindings: 0 });

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
  });

  it('rejects invalid saved ServiceNow records', async () => {
    const file = join(dataDir, 'servicenow-records.json');
    writeFileSync(file, '{"tables": ');

    await expect(play()).rejects.toThrow(DemoStateError);
    await expect(play()).rejects.toThrow(/servicenow-records\.json: not valid JSON .*--fresh/);
    expect(readFileSync(file, 'utf8')).toBe('{"tables": ');
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
