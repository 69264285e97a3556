/**
 * Building the OpsItem record and view from GetOpsItem output (the corpus wire responses, with
 * timestamps turned into Date objects as the AWS SDK does).
 */
import { readFileSync } from 'node:fs';
import type { OpsItem } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';

import { recordFieldsOf } from '../../../src/rules/record-fields.js';
import { opsItemConsoleUrl, opsItemIdentity, opsItemToRecord } from '../../../src/sources/opsitem/opsitem-record.js';

const FIXTURES = new URL('../../fixtures/aws-events/ssm/', import.meta.url);
const TIMESTAMP_MEMBERS = ['CreatedTime', 'LastModifiedTime', 'PlannedStartTime', 'PlannedEndTime', 'ActualStartTime', 'ActualEndTime'];

/** The OpsItem of a wire-response fixture as SDK output: epoch seconds become Date objects. */
function sdkOpsItem(name: string): OpsItem {
  const wire = (JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as { OpsItem: Record<string, unknown> }).OpsItem;
  const output: Record<string, unknown> = { ...wire };
  for (const member of TIMESTAMP_MEMBERS) {
    if (typeof wire[member] === 'number') {
      output[member] = new Date((wire[member] as number) * 1000);
    }
  }
  return output as OpsItem;
}

const EVENT_CONTEXT = { opsItemId: 'oi-4f3a2b1c0d9e', account: '111122223333', region: 'us-east-1' };

describe('opsItemToRecord', () => {
  const issue = sdkOpsItem('get-ops-item-issue.wire-response.json');

  it('builds the record keys', () => {
    const { record, problems } = opsItemToRecord(issue, EVENT_CONTEXT);

    expect(problems).toEqual([]);
    expect(record.kind).toBe('opsitem');
    expect(record.format).toBe('opsitem');
    expect(record.identity).toBe('opsitem|111122223333|us-east-1|oi-4f3a2b1c0d9e');
    expect(record.displayId).toBe('oi-4f3a2b1c0d9e');
    expect(record.updatedAt).toBe('2025-03-10T16:45:19.872Z');
    expect(record.writebackKey).toEqual({ opsItemId: 'oi-4f3a2b1c0d9e', region: 'us-east-1', account: '111122223333' });
  });

  it('builds the view from the issue', () => {
    const { view } = opsItemToRecord(issue, EVENT_CONTEXT).record;

    expect(view).toMatchObject({
      id: 'oi-4f3a2b1c0d9e',
      account: '111122223333',
      region: 'us-east-1',
      arn: 'arn:aws:ssm:us-east-1:111122223333:opsitem/oi-4f3a2b1c0d9e',
      title: 'EC2 instance i-0a1b2c3d4e5f60718 stopped unexpectedly',
      description: 'Instance stopped outside a maintenance window.',
      status: 'Resolved',
      priority: 2,
      severity: '2',
      category: 'Availability',
      source: 'EC2',
      opsItemType: '/aws/issue',
      createdBy: 'arn:aws:sts::111122223333:assumed-role/OpsEngineer/casey.example',
      createdTime: '2025-03-10T14:30:02.431Z',
      lastModifiedBy: 'arn:aws:sts::111122223333:assumed-role/OpsEngineer/casey.example',
      lastModifiedTime: '2025-03-10T16:45:19.872Z',
      relatedResources: ['arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60718'],
      consoleUrl: 'https://us-east-1.console.aws.amazon.com/systems-manager/opsitems/oi-4f3a2b1c0d9e/workbench?region=us-east-1',
    });
  });

  it('sorts operational data and leaves out resources', () => {
    const { view } = opsItemToRecord(issue, EVENT_CONTEXT).record;

    expect(view.operationalData.map((entry) => entry.key)).toEqual(['/aws/automations', '/aws/dedup', 'instance-state', 'itsm:ticket']);
    expect(view.operationalData[2]).toEqual({ key: 'instance-state', value: 'stopped', type: 'String' });
  });

  it('keeps raw JSON-shaped', () => {
    const { view } = opsItemToRecord(issue, EVENT_CONTEXT).record;

    expect(view.raw.CreatedTime).toBe('2025-03-10T14:30:02.431Z');
    expect(view.raw.OpsItemId).toBe('oi-4f3a2b1c0d9e');
    expect(JSON.parse(JSON.stringify(view.raw))).toEqual(view.raw);
  });

  it('ignores the connector\'s own keys', () => {
    const before = opsItemToRecord(issue, EVENT_CONTEXT).record.view;
    const written: OpsItem = {
      ...issue,
      OperationalData: {
        ...issue.OperationalData,
        'itsm-sync:ticket': { Value: '{"system":"servicenow","number":"INC0010043","url":"https://itsm-dev.example.com"}', Type: 'SearchableString' },
        'itsm-sync:notes': { Value: '--- 2025-03-11T09:02:05.000Z ---\nResolved', Type: 'String' },
      },
    };

    const after = opsItemToRecord(written, EVENT_CONTEXT).record.view;

    expect(after.operationalData).toEqual(before.operationalData);
    expect(after.relatedResources).toEqual(before.relatedResources);
  });

  it('uses null for absent optional fields', () => {
    const changeRequest = sdkOpsItem('get-ops-item-changerequest.wire-response.json');

    const { view } = opsItemToRecord(changeRequest, { ...EVENT_CONTEXT, opsItemId: 'oi-7e6d5c4b3a21' }).record;

    expect(view.priority).toBeNull();
    expect(view.severity).toBeNull();
    expect(view.category).toBeNull();
    expect(view.relatedResources).toEqual([]);
    expect(view.operationalData).toEqual([]);
    expect(view.opsItemType).toBe('/aws/changerequest');
    expect(view.raw.PlannedStartTime).toBe('2025-03-10T23:00:00.000Z');
  });

  it('takes the account from the ARN', () => {
    const memberItem: OpsItem = { ...issue, OpsItemArn: 'arn:aws:ssm:us-east-1:444455556666:opsitem/oi-4f3a2b1c0d9e' };

    const { record } = opsItemToRecord(memberItem, EVENT_CONTEXT);

    expect(record.view.account).toBe('444455556666');
    expect(record.identity).toBe('opsitem|444455556666|us-east-1|oi-4f3a2b1c0d9e');
    expect(record.writebackKey.account).toBe('444455556666');
  });

  it('builds the ARN when GetOpsItem omits it', () => {
    const { OpsItemArn: _arn, ...withoutArn } = issue;

    const { view } = opsItemToRecord(withoutArn, { ...EVENT_CONTEXT, region: 'cn-north-1' }).record;

    expect(view.arn).toBe('arn:aws-cn:ssm:cn-north-1:111122223333:opsitem/oi-4f3a2b1c0d9e');
  });

  it('reports an unreadable resources value', () => {
    const broken: OpsItem = { ...issue, OperationalData: { '/aws/resources': { Value: 'i-0a1b2c3d4e5f60718', Type: 'SearchableString' } } };

    const { record, problems } = opsItemToRecord(broken, EVENT_CONTEXT);

    expect(record.view.relatedResources).toEqual([]);
    expect(problems).toEqual(['OperationalData /aws/resources is not JSON, so relatedResources is empty']);
  });

  it('skips resource entries without an ARN', () => {
    const mixed: OpsItem = {
      ...issue,
      OperationalData: { '/aws/resources': { Value: '[{"arn":"arn:aws:s3:::logs"},{"id":"x"}]', Type: 'SearchableString' } },
    };

    const { record, problems } = opsItemToRecord(mixed, EVENT_CONTEXT);

    expect(record.view.relatedResources).toEqual(['arn:aws:s3:::logs']);
    expect(problems).toHaveLength(1);
  });

  it('leaves updatedAt out without LastModifiedTime', () => {
    const { LastModifiedTime: _time, ...withoutTime } = issue;

    const { record } = opsItemToRecord(withoutTime, EVENT_CONTEXT);

    expect(record.updatedAt).toBeUndefined();
    expect(record.view.lastModifiedTime).toBeNull();
  });
});

describe('OpsItem helpers', () => {
  it('builds the identity', () => {
    expect(opsItemIdentity('111122223333', 'eu-west-1', 'oi-000000000001')).toBe('opsitem|111122223333|eu-west-1|oi-000000000001');
  });

  it('builds the console link', () => {
    expect(opsItemConsoleUrl('eu-west-1', 'oi-000000000001')).toBe(
      'https://eu-west-1.console.aws.amazon.com/systems-manager/opsitems/oi-000000000001/workbench?region=eu-west-1',
    );
  });

  it('lists every view field for rule checks', () => {
    const { view } = opsItemToRecord(sdkOpsItem('get-ops-item-issue.wire-response.json'), EVENT_CONTEXT).record;

    expect([...recordFieldsOf('opsitem')!].sort()).toEqual(Object.keys(view).sort());
  });
});
