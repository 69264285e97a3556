import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startJiraSimulator, type JiraSimulator } from '../../../src/simulators/jira/index.js';
import { adf, client, loadJson } from './support.js';

const NOT_ADF = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
const examples = loadJson<Record<string, unknown>>('platform/adf-examples.json');

let jira: JiraSimulator;
let api: ReturnType<typeof client>;
let issueKey: string;

beforeAll(async () => {
  jira = await startJiraSimulator({ deployment: 'cloud' });
  api = client(jira.url);
  issueKey = jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'ADF target' }).key;
});

afterAll(async () => {
  await jira.close();
});

function create(fields: Record<string, unknown>, version = '3') {
  return api.post(`/rest/api/${version}/issue`, { fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x', ...fields } });
}

describe('ADF on Cloud REST v3', () => {
  const valid = Object.entries(examples).filter(([name]) => !name.startsWith('INVALID'));
  const invalid: Array<[string, unknown]> = [
    ...Object.entries(examples).filter(([name]) => name.startsWith('INVALID')),
    ['unknown node type', { type: 'doc', version: 1, content: [{ type: 'blink', content: [{ type: 'text', text: 'x' }] }] }],
    ['version 2', { type: 'doc', version: 2, content: [] }],
    ['heading inside a paragraph', { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'heading', attrs: { level: 1 } }] }] }],
    ['unknown mark', { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x', marks: [{ type: 'glitter' }] }] }] }],
    ['array', [adf('x')]],
    ['null inside content', { type: 'doc', version: 1, content: [null] }],
  ];

  it.each(valid)('accepts the %s example as description, textarea and comment', async (_name, document) => {
    const created = await create({ description: document, customfield_10061: document });
    const comment = await api.post(`/rest/api/3/issue/${issueKey}/comment`, { body: document });

    expect(created.status, created.text).toBe(201);
    expect(comment.status, comment.text).toBe(201);
    const stored = jira.issue((created.json as { key: string }).key);
    expect(stored?.fields.description).toEqual(document);
    expect(stored?.fields.customfield_10061).toEqual(document);
  });

  it.each(invalid)('rejects %s as description', async (_name, document) => {
    const answer = await create({ description: document });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errorMessages: [], errors: { description: NOT_ADF } });
  });

  it.each(invalid)('rejects %s as textarea and environment', async (_name, document) => {
    const answer = await create({ customfield_10061: document, environment: document });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errorMessages: [], errors: { customfield_10061: NOT_ADF, environment: NOT_ADF } });
  });

  it.each(invalid)('rejects %s as comment body', async (_name, document) => {
    const answer = await api.post(`/rest/api/3/issue/${issueKey}/comment`, { body: document });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errorMessages: [], errors: { comment: NOT_ADF } });
  });

  it('rejects ADF in an update comment and an edit', async () => {
    const edit = await api.put(`/rest/api/3/issue/${issueKey}`, { fields: { description: 'plain' } });
    const updateComment = await api.put(`/rest/api/3/issue/${issueKey}`, { update: { comment: [{ add: { body: 'plain' } }] } });

    expect(edit.json).toEqual({ errorMessages: [], errors: { description: NOT_ADF } });
    expect(updateComment.json).toEqual({ errorMessages: [], errors: { comment: NOT_ADF } });
  });

  it('accepts null to clear a description', async () => {
    const key = jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x', description: 'Some text' }).key;

    const answer = await api.put(`/rest/api/3/issue/${key}`, { fields: { description: null } });

    expect(answer.status).toBe(204);
    expect(jira.issue(key)?.fields.description).toBeNull();
  });

  it('counts the limit on the serialized document', async () => {
    // 32,700 characters of text fit as a v2 string, but not once wrapped in ADF JSON.
    const text = 'z'.repeat(32_700);

    const asAdf = await create({ description: adf(text) });
    const asString = await create({ description: text }, '2');

    expect(asAdf.status).toBe(400);
    expect((asAdf.json as { errors: Record<string, string> }).errors.description).toContain('32,767');
    expect(asString.status).toBe(201);
  });
});

describe('strings on Cloud REST v2', () => {
  it('takes strings and shows them as ADF through v3', async () => {
    const created = await create({ description: 'First paragraph\nsecond line\n\nSecond paragraph' }, '2');
    const key = (created.json as { key: string }).key;

    const v3 = await api.get(`/rest/api/3/issue/${key}`, { fields: 'description' });
    const v2 = await api.get(`/rest/api/2/issue/${key}`, { fields: 'description' });

    expect(created.status).toBe(201);
    expect((v3.json as { fields: { description: unknown } }).fields.description).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'First paragraph' }, { type: 'hardBreak' }, { type: 'text', text: 'second line' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Second paragraph' }] },
      ],
    });
    expect((v2.json as { fields: { description: unknown } }).fields.description).toBe('First paragraph\nsecond line\n\nSecond paragraph');
  });

  it('rejects an ADF document on v2', async () => {
    const answer = await create({ description: adf('x') }, '2');

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errorMessages: [], errors: { description: 'Operation value must be a string' } });
  });

  it('takes string comments on v2 and shows them as ADF on v3', async () => {
    const added = await api.post(`/rest/api/2/issue/${issueKey}/comment`, { body: 'A v2 comment' });
    const id = (added.json as { id: string }).id;

    const v3 = await api.get(`/rest/api/3/issue/${issueKey}/comment/${id}`);

    expect(added.status).toBe(201);
    expect((added.json as { body: unknown }).body).toBe('A v2 comment');
    expect((v3.json as { body: unknown }).body).toEqual(adf('A v2 comment'));
  });
});
