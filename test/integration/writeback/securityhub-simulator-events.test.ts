/**
 * The events the Security Hub simulator emits after BatchUpdateFindings and BatchUpdateFindingsV2,
 * checked through the real SDK client.
 */
import { BatchUpdateFindingsCommand, BatchUpdateFindingsV2Command, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import { startSecurityHubSimulator, type SecurityHubSimulator } from '../../../src/simulators/securityhub/server.js';
import { FindingSource } from '../../../src/sources/securityhub/finding-source.js';
import { asffFinding, ocsfFinding, TEST_CREDENTIALS } from './support.js';

const s3Finding = asffFinding('imported-cspm-s3-bucket-control-failed.json');
const configFinding = ocsfFinding('findings-imported-v2-ocsf-compliance.json');

function eventFixture(name: string): EventBridgeEvent {
  return JSON.parse(readFileSync(new URL(`../../fixtures/aws-events/securityhub/${name}`, import.meta.url), 'utf8')) as EventBridgeEvent;
}

let simulator: SecurityHubSimulator;
let client: SecurityHubClient;
let events: EventBridgeEvent[];

beforeEach(async () => {
  simulator = await startSecurityHubSimulator({ clock: () => new Date('2025-03-11T09:30:00.750Z') });
  simulator.seedFindings([s3Finding]);
  simulator.seedOcsfFindings([configFinding]);
  events = [];
  simulator.onEvent((event) => {
    events.push(event);
  });
  client = new SecurityHubClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await simulator.stop();
});

describe('Security Hub simulator events', () => {
  it('emits Findings - Imported after BatchUpdateFindings', async () => {
    await client.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: s3Finding.Id, ProductArn: s3Finding.ProductArn }],
        Workflow: { Status: 'NOTIFIED' },
        Note: { Text: 'Tracked in INC0010043', UpdatedBy: 'itsm-sync' },
      }),
    );

    const reference = eventFixture('imported-cspm-s3-bucket-control-failed.json');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(Object.keys(event!)).toEqual(Object.keys(reference));
    expect(event).toMatchObject({
      'detail-type': 'Security Hub Findings - Imported',
      source: 'aws.securityhub',
      account: reference.account,
      region: reference.region,
      time: '2025-03-11T09:30:00Z',
      resources: reference.resources,
    });
    const [finding] = (event!.detail as { findings: Array<Record<string, unknown>> }).findings;
    expect((finding!.Workflow as { Status: string }).Status).toBe('NOTIFIED');
    expect((finding!.Note as { Text: string }).Text).toBe('Tracked in INC0010043');
    expect(finding!.ProcessedAt).toBe('2025-03-11T09:30:00.750Z');
    // BatchUpdateFindings leaves UpdatedAt to the finding provider (BatchUpdateFindings API reference).
    expect(finding!.UpdatedAt).toBe(s3Finding.UpdatedAt);
  });

  it('emits an event the finding source reads', async () => {
    await client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: s3Finding.Id, ProductArn: s3Finding.ProductArn }], Workflow: { Status: 'NOTIFIED' } }));

    const [record] = await new FindingSource().toRecords(events[0]!);

    expect(record?.view).toMatchObject({ id: s3Finding.Id, workflowStatus: 'NOTIFIED' });
  });

  it('emits Findings Imported V2 after BatchUpdateFindingsV2', async () => {
    await client.send(new BatchUpdateFindingsV2Command({ MetadataUids: [configFinding.metadata.uid], StatusId: 2, Comment: 'Tracked in INC0010043' }));

    const reference = eventFixture('findings-imported-v2-ocsf-compliance.json');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      'detail-type': 'Findings Imported V2',
      source: 'aws.securityhub',
      account: reference.account,
      region: reference.region,
      resources: [configFinding.metadata.uid],
    });
    const [finding] = (events[0]!.detail as { findings: Array<Record<string, unknown>> }).findings;
    expect(finding).toMatchObject({ status_id: 2, status: 'In Progress', comment: 'Tracked in INC0010043' });
  });

  it('emits nothing for unprocessed findings and reads', async () => {
    await client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: 'missing', ProductArn: s3Finding.ProductArn }], Workflow: { Status: 'NOTIFIED' } }));
    await client.send(new GetFindingsCommand({}));

    expect(events).toEqual([]);
  });

  it('emits nothing for a rejected call', async () => {
    simulator.injectFaults([{ status: 429 }]);

    await client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: s3Finding.Id, ProductArn: s3Finding.ProductArn }], Workflow: { Status: 'NOTIFIED' } })).catch(() => undefined);

    expect(events).toEqual([]);
  });
});
