/**
 * The OCSF finding reader (`Findings Imported V2`), through the real FindingSource, on the OCSF
 * fixture event and variants of it.
 */
import { describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import { FindingSource } from '../../../src/sources/securityhub/finding-source.js';
import type { SyncEngine } from '../../../src/sync/engine.js';
import { createEventHandler } from '../../../src/sync/event-handler.js';
import { createLogger } from '../../../src/ops/logger.js';
import { rejectionOf } from '../../support/capture.js';
import { eventWith, OCSF_CONFIG_CONTROL, rejectionReason, viewOf, type Finding } from './support.js';

const SEVERITY_IDS = '0 (Unknown), 1 (Informational), 2 (Low), 3 (Medium), 4 (High), 5 (Critical), 6 (Fatal), 99 (Other)';
const STATUS_IDS = '0 (Unknown), 1 (New), 2 (In Progress), 3 (Suppressed), 4 (Resolved), 5 (Archived), 6 (Deleted), 99 (Other)';

function ocsfEvent(change: (finding: Finding) => void = () => {}): EventBridgeEvent {
  return eventWith(OCSF_CONFIG_CONTROL, change);
}

describe('OCSF finding reader on the fixture', () => {
  it('normalizes the failed control', async () => {
    const view = await viewOf(ocsfEvent());

    expect(view.format).toBe('ocsf');
    expect(view.account).toBe('111122223333');
    expect(view.region).toBe('us-east-1');
    expect(view.id).toMatch(/^arn:aws:securityhub:us-east-1:111122223333:subscription\/cis-aws-foundations-benchmark\//);
    expect(view.severity).toBe('CRITICAL');
    expect(view.workflowStatus).toBe('NEW');
    expect(view.complianceStatus).toBe('FAILED');
    expect(view.controlId).toBe('Config.1');
    expect(view.remediationUrl).toBe('https://docs.aws.amazon.com/console/securityhub/Config.1/remediation');
  });
});

describe('OCSF required fields', () => {
  it.each([
    ['without cloud', (finding: Finding) => delete finding.cloud, 'cloud.account.uid'],
    ['without cloud.account', (finding: Finding) => delete finding.cloud.account, 'cloud.account.uid'],
    ['without cloud.account.uid', (finding: Finding) => delete finding.cloud.account.uid, 'cloud.account.uid'],
    ['without finding_info.uid', (finding: Finding) => delete finding.finding_info.uid, 'finding_info.uid'],
    ['without metadata.uid', (finding: Finding) => delete finding.metadata.uid, 'metadata.uid'],
    ['without metadata', (finding: Finding) => delete finding.metadata, 'metadata.uid'],
    ['without finding_info.title', (finding: Finding) => delete finding.finding_info.title, 'finding_info.title'],
  ])('rejects a finding %s, naming %s', async (_case, change, path) => {
    const reason = await rejectionReason(ocsfEvent(change));

    expect(reason).toContain(`detail.findings[0].${path} must be a non-empty string`);
    expect(reason).toMatch(/got nothing$/);
  });

  it('says what the account uid holds', async () => {
    const reason = await rejectionReason(ocsfEvent((finding) => delete finding.cloud));

    expect(reason).toBe(
      'detail.findings[0].cloud.account.uid must be a non-empty string (the id of the AWS account that owns the finding), got nothing',
    );
  });

  it.each([
    [42, 'got 42'],
    ['', 'got an empty string'],
    [null, 'got null'],
    [['111122223333'], 'got an array'],
  ])('rejects cloud.account.uid %j, showing the value', async (value, shown) => {
    const reason = await rejectionReason(ocsfEvent((finding) => (finding.cloud.account.uid = value)));

    expect(reason).toContain('detail.findings[0].cloud.account.uid must be a non-empty string');
    expect(reason).toContain(shown);
  });

  it('rejects a cloud that is not an object, naming cloud', async () => {
    const reason = await rejectionReason(ocsfEvent((finding) => (finding.cloud = 'us-east-1')));

    expect(reason).toBe('detail.findings[0].cloud must be an object, got "us-east-1"');
  });

  it('names the position of a bad finding in a longer event', async () => {
    const event = ocsfEvent();
    const findings = (event.detail as { findings: Finding[] }).findings;
    const second = structuredClone(findings[0]!);
    delete second.finding_info.uid;
    findings.push(second);

    const reason = await rejectionReason(event);

    expect(reason).toContain('detail.findings[1].finding_info.uid must be a non-empty string');
  });

  it('rejects an entry of detail.findings that is not an object', async () => {
    const event = ocsfEvent();
    (event.detail as { findings: unknown[] }).findings = ['finding'];

    expect(await rejectionReason(event)).toBe('detail.findings[0] must be a finding object, got "finding"');
  });
});

describe('OCSF severity_id', () => {
  it.each([
    [0, 'INFORMATIONAL'],
    [1, 'INFORMATIONAL'],
    [2, 'LOW'],
    [3, 'MEDIUM'],
    [4, 'HIGH'],
    [5, 'CRITICAL'],
    [6, 'CRITICAL'],
  ])('maps %i to %s', async (id, label) => {
    const view = await viewOf(ocsfEvent((finding) => (finding.severity_id = id)));

    expect(view.severity).toBe(label);
  });

  it('follows the id, not the caption, below 99', async () => {
    const view = await viewOf(
      ocsfEvent((finding) => {
        finding.severity_id = 2;
        finding.severity = 'Critical';
      }),
    );

    expect(view.severity).toBe('LOW');
  });

  it.each([
    [42, '42'],
    [7, '7'],
    [-1, '-1'],
    [4.5, '4.5'],
    ['4', '"4"'],
    [null, 'null'],
  ])('rejects %j', async (id, shown) => {
    const reason = await rejectionReason(ocsfEvent((finding) => (finding.severity_id = id)));

    expect(reason).toBe(`detail.findings[0].severity_id ${shown} is not one of ${SEVERITY_IDS}`);
  });

  it('rejects a missing severity_id', async () => {
    const reason = await rejectionReason(
      ocsfEvent((finding) => {
        delete finding.severity_id;
        delete finding.severity;
      }),
    );

    expect(reason).toBe(`detail.findings[0].severity_id is missing; set it to one of ${SEVERITY_IDS}`);
  });
});

describe('OCSF severity_id 99 (Other)', () => {
  it.each([
    ['High', 'HIGH'],
    [' critical ', 'CRITICAL'],
    ['Fatal', 'CRITICAL'],
    ['MEDIUM', 'MEDIUM'],
    ['Other', 'INFORMATIONAL'],
    ['Severe', 'INFORMATIONAL'],
  ])('reads the caption %j as %s', async (caption, label) => {
    const view = await viewOf(
      ocsfEvent((finding) => {
        finding.severity_id = 99;
        finding.severity = caption;
      }),
    );

    expect(view.severity).toBe(label);
  });

  it.each([
    [undefined, 'got nothing'],
    ['', 'got an empty string'],
    [3, 'got 3'],
  ])('rejects the caption %j', async (caption, shown) => {
    const reason = await rejectionReason(
      ocsfEvent((finding) => {
        finding.severity_id = 99;
        finding.severity = caption;
      }),
    );

    expect(reason).toContain(`detail.findings[0].severity must be the producer's own label when severity_id is 99 (Other), ${shown}`);
    expect(reason).toContain('set severity_id to one of 0 (Unknown), 1 (Informational), 2 (Low), 3 (Medium), 4 (High), 5 (Critical), 6 (Fatal)');
  });
});

describe('OCSF status_id', () => {
  it.each([
    [0, 'NEW'],
    [1, 'NEW'],
    [2, 'NOTIFIED'],
    [3, 'SUPPRESSED'],
    [4, 'RESOLVED'],
    [5, 'RESOLVED'],
    [6, 'SUPPRESSED'],
  ])('maps %i to %s', async (id, status) => {
    const view = await viewOf(ocsfEvent((finding) => (finding.status_id = id)));

    expect(view.workflowStatus).toBe(status);
  });

  it('passes the status to the record for write-back', async () => {
    const [record] = await new FindingSource().toRecords(ocsfEvent((finding) => (finding.status_id = 3)));

    expect(record?.status).toBe('SUPPRESSED');
  });

  it.each([
    [42, '42'],
    [7, '7'],
    ['1', '"1"'],
    [true, 'true'],
  ])('rejects %j', async (id, shown) => {
    const reason = await rejectionReason(ocsfEvent((finding) => (finding.status_id = id)));

    expect(reason).toBe(`detail.findings[0].status_id ${shown} is not one of ${STATUS_IDS}`);
  });

  it('treats a missing status_id as NEW', async () => {
    const view = await viewOf(ocsfEvent((finding) => delete finding.status_id));

    expect(view.workflowStatus).toBe('NEW');
  });

  it.each([
    ['In Progress', 'NOTIFIED'],
    ['notified', 'NOTIFIED'],
    ['Resolved', 'RESOLVED'],
    ['Deleted', 'SUPPRESSED'],
    ['Other', 'NEW'],
    ['Waiting for vendor', 'NEW'],
  ])('reads the caption %j of 99 as %s', async (caption, status) => {
    const view = await viewOf(
      ocsfEvent((finding) => {
        finding.status_id = 99;
        finding.status = caption;
      }),
    );

    expect(view.workflowStatus).toBe(status);
  });

  it('rejects 99 without a caption', async () => {
    const reason = await rejectionReason(
      ocsfEvent((finding) => {
        finding.status_id = 99;
        delete finding.status;
      }),
    );

    expect(reason).toContain("detail.findings[0].status must be the producer's own label when status_id is 99 (Other), got nothing");
  });
});

describe('OCSF compliance.status_id', () => {
  it.each([
    [0, 'NOT_AVAILABLE'],
    [1, 'PASSED'],
    [2, 'WARNING'],
    [3, 'FAILED'],
  ])('maps %i to %s', async (id, status) => {
    const view = await viewOf(ocsfEvent((finding) => (finding.compliance.status_id = id)));

    expect(view.complianceStatus).toBe(status);
  });

  it('treats a missing status_id as NOT_AVAILABLE', async () => {
    const view = await viewOf(ocsfEvent((finding) => delete finding.compliance.status_id));

    expect(view.complianceStatus).toBe('NOT_AVAILABLE');
  });

  it('reads the caption of 99', async () => {
    const view = await viewOf(
      ocsfEvent((finding) => {
        finding.compliance.status_id = 99;
        finding.compliance.status = 'Fail';
      }),
    );

    expect(view.complianceStatus).toBe('FAILED');
  });

  it('rejects an id outside the enum', async () => {
    const reason = await rejectionReason(ocsfEvent((finding) => (finding.compliance.status_id = 42)));

    expect(reason).toBe('detail.findings[0].compliance.status_id 42 is not one of 0 (Unknown), 1 (Pass), 2 (Warning), 3 (Fail), 99 (Other)');
  });

  it('leaves complianceStatus null without a compliance section', async () => {
    const view = await viewOf(ocsfEvent((finding) => delete finding.compliance));

    expect(view.complianceStatus).toBeNull();
    expect(view.controlId).toBeNull();
  });
});

describe('OCSF event handling', () => {
  it('throws for an invalid severity, so the message goes to the dead-letter queue', async () => {
    const synced: unknown[] = [];
    const engine = { sync: async (record: unknown) => void synced.push(record) } as unknown as SyncEngine;
    const handle = createEventHandler({ adapters: [new FindingSource()], engine, logger: createLogger('silent') });

    const error = await rejectionOf(handle(ocsfEvent((finding) => (finding.severity_id = 42))));

    expect((error as Error).message).toContain('severity_id 42 is not one of');
    expect(synced).toEqual([]);
  });
});
