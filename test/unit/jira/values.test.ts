import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { renderText } from '../../../src/targets/jira/document.js';
import { simplifyFieldValue } from '../../../src/targets/jira/values.js';

interface SearchPage {
  response: { body: { issues: Array<{ fields: Record<string, unknown> }> } };
}

const page = JSON.parse(readFileSync(new URL('../../fixtures/jira/platform/search-jql.page1.http.json', import.meta.url), 'utf8')) as SearchPage;
const cloudFields = page.response.body.issues[0]?.fields ?? {};

const dataCenterUser = { self: 'https://jira.example.test/rest/api/2/user?username=avery.agent', name: 'avery.agent', key: 'JIRAUSER10100', displayName: 'Avery Agent', active: true, timeZone: 'Europe/Berlin' };

describe('simplifyFieldValue on Cloud', () => {
  it('flattens the fields of a corpus search result', () => {
    const simplified = Object.fromEntries(Object.entries(cloudFields).map(([field, value]) => [field, simplifyFieldValue(field, value, 'cloud')]));

    expect(simplified).toEqual({
      summary: '[AWS Security Hub] HIGH: S3 general purpose buckets should block public access (111122223333/us-east-1)',
      status: 'In Progress',
      updated: '2025-03-10T14:05:09.123+0000',
      labels: ['account-111122223333', 'aws-securityhub', 'control-S3.8'],
      customfield_10060: 'arn:aws:securityhub:us-east-1:111122223333:security-control/S3.8/finding/d9f5fc82-ae37-5f1e-abd7-6e9c80df15b3',
      priority: 'High',
      assignee: '5b10ac8d82e05b22cc7d4ef5',
      resolution: null,
    });
  });

  it('reads ADF text as plain text', () => {
    expect(simplifyFieldValue('description', renderText('Line one\nLine two', 'cloud'), 'cloud')).toBe('Line one\nLine two');
    expect(simplifyFieldValue('customfield_10070', renderText('Notes', 'cloud'), 'cloud')).toBe('Notes');
  });

  it('reads option, component and version lists by their names and values', () => {
    expect(simplifyFieldValue('customfield_10080', { self: 'x', value: 'Production', id: '10021' }, 'cloud')).toBe('Production');
    expect(simplifyFieldValue('customfield_10081', [{ value: 'EC2' }, { value: 'S3' }], 'cloud')).toEqual(['EC2', 'S3']);
    expect(simplifyFieldValue('components', [{ id: '10000', name: 'Storage' }], 'cloud')).toEqual(['Storage']);
    expect(simplifyFieldValue('fixVersions', [{ id: '10001', name: '2025.03', released: false }], 'cloud')).toEqual(['2025.03']);
    expect(simplifyFieldValue('issuetype', { id: '10004', name: '[System] Incident', subtask: false }, 'cloud')).toBe('[System] Incident');
  });

  it('reads project and status category by key', () => {
    expect(simplifyFieldValue('project', { id: '10000', key: 'SEC', name: 'Security' }, 'cloud')).toBe('SEC');
    expect(simplifyFieldValue('statusCategory', { id: 4, key: 'indeterminate', name: 'In Progress' }, 'cloud')).toBe('indeterminate');
  });

  it('reads the JSM request type as its id', () => {
    const requestType = { _links: {}, requestType: { id: '10', name: 'Report a security finding' }, currentStatus: { status: 'Open' } };

    expect(simplifyFieldValue('customfield_10010', requestType, 'cloud')).toBe('10');
  });

  it('keeps plain values as they are', () => {
    expect(simplifyFieldValue('customfield_10090', 42, 'cloud')).toBe(42);
    expect(simplifyFieldValue('customfield_10091', true, 'cloud')).toBe(true);
    expect(simplifyFieldValue('duedate', '2025-03-31', 'cloud')).toBe('2025-03-31');
    expect(simplifyFieldValue('summary', 'a *b* \\c', 'cloud')).toBe('a *b* \\c');
    expect(simplifyFieldValue('timetracking', {}, 'cloud')).toEqual({});
  });

  it('turns null and undefined into null', () => {
    expect(simplifyFieldValue('assignee', null, 'cloud')).toBeNull();
    expect(simplifyFieldValue('assignee', undefined, 'cloud')).toBeNull();
  });
});

describe('simplifyFieldValue on Data Center', () => {
  it('reads users by name', () => {
    expect(simplifyFieldValue('assignee', dataCenterUser, 'datacenter')).toBe('avery.agent');
    expect(simplifyFieldValue('customfield_10100', [dataCenterUser], 'datacenter')).toEqual(['avery.agent']);
  });

  it('reads the wiki text of rich-text fields as plain text', () => {
    const wiki = renderText('Bucket *public*\nSee https://example.com/a_b', 'datacenter');

    expect(simplifyFieldValue('description', wiki, 'datacenter')).toBe('Bucket *public*\nSee https://example.com/a_b');
    expect(simplifyFieldValue('customfield_10070', wiki, 'datacenter', { wikiTextFields: new Set(['customfield_10070']) })).toBe(
      'Bucket *public*\nSee https://example.com/a_b',
    );
  });

  it('leaves plain-text fields alone', () => {
    expect(simplifyFieldValue('summary', 'C:\\temp \\*not markup\\*', 'datacenter')).toBe('C:\\temp \\*not markup\\*');
    expect(simplifyFieldValue('customfield_10070', '\\*kept\\*', 'datacenter')).toBe('\\*kept\\*');
  });

  it('reads named fields by name', () => {
    expect(simplifyFieldValue('status', { id: '1', name: 'Open', statusCategory: { key: 'new' } }, 'datacenter')).toBe('Open');
    expect(simplifyFieldValue('resolution', { id: '10000', name: 'Done' }, 'datacenter')).toBe('Done');
  });
});
