import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { InvalidJiraSimulatorOptionError, startJiraSimulator, type JiraSimulator } from '../../../src/simulators/jira/index.js';
import { adf, client, CLOUD_AUTH, DATA_CENTER_AUTH, DC_AGENT, DC_APPROVER, JIRA_TIMESTAMP, rawRequest } from './support.js';

describe('Cloud and Data Center differences', () => {
  let cloud: JiraSimulator;
  let dataCenter: JiraSimulator;

  beforeAll(async () => {
    cloud = await startJiraSimulator({ deployment: 'cloud', timeZone: 'Europe/Berlin' });
    dataCenter = await startJiraSimulator({
      deployment: 'datacenter',
      changeApprovers: [DC_APPROVER],
      users: [
        { login: 'itsm-sync-bot', displayName: 'AWS ITSM Sync (bot)', personalAccessToken: 'local-only-pat', timeZone: 'Asia/Kolkata' },
        { login: DC_AGENT, displayName: 'Avery Agent', password: 'agent-password' },
        { login: DC_APPROVER, displayName: 'Casey Example' },
      ],
    });
  });

  afterAll(async () => {
    await Promise.all([cloud.close(), dataCenter.close()]);
  });

  it('serves myself with accountId on Cloud and key and name on Data Center', async () => {
    const onCloud = (await client(cloud.url).get('/rest/api/3/myself')).json as Record<string, unknown>;
    const onDataCenter = (await client(dataCenter.url, DATA_CENTER_AUTH).get('/rest/api/2/myself')).json as Record<string, unknown>;

    expect(onCloud).toMatchObject({ accountId: '712020:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', displayName: 'AWS ITSM Sync (bot)', timeZone: 'Europe/Berlin' });
    expect(onCloud).not.toHaveProperty('name');
    expect(onCloud).not.toHaveProperty('key');
    expect(onDataCenter).toMatchObject({ name: 'itsm-sync-bot', key: 'JIRAUSER10100', displayName: 'AWS ITSM Sync (bot)', timeZone: 'Asia/Kolkata' });
    expect(onDataCenter).not.toHaveProperty('accountId');
  });

  it('reports the deployment type in serverInfo', async () => {
    const onCloud = (await client(cloud.url).get('/rest/api/3/serverInfo')).json as Record<string, unknown>;
    const onDataCenter = (await client(dataCenter.url, DATA_CENTER_AUTH).get('/rest/api/2/serverInfo')).json as Record<string, unknown>;

    expect(onCloud.deploymentType).toBe('Cloud');
    expect(onDataCenter.deploymentType).toBe('Server');
    expect(onDataCenter.serverTime).toMatch(/\+0530$/);
  });

  it('stores wiki strings on Data Center and rejects ADF', async () => {
    const api = client(dataCenter.url, DATA_CENTER_AUTH);
    const fields = { project: { key: 'SEC' }, issuetype: { name: '[System] Incident' }, summary: 'x' };

    const withString = await api.post('/rest/api/2/issue', { fields: { ...fields, description: '*Bold* {noformat}arn{noformat}' } });
    const withAdf = await api.post('/rest/api/2/issue', { fields: { ...fields, description: adf('x') } });
    const key = (withString.json as { key: string }).key;
    const comment = await api.post(`/rest/api/2/issue/${key}/comment`, { body: 'Wiki *comment*' });

    expect(withString.status).toBe(201);
    expect(dataCenter.issue(key)?.fields.description).toBe('*Bold* {noformat}arn{noformat}');
    expect(withAdf.status).toBe(400);
    expect(withAdf.json).toEqual({ errorMessages: [], errors: { description: 'Operation value must be a string' } });
    expect(comment.status).toBe(201);
    expect(comment.json).not.toHaveProperty('jsdPublic');
    expect((comment.json as { created: string }).created).toMatch(/\+0530$/);
  });

  it('names users by name on Data Center and by accountId on Cloud', async () => {
    const dcAnswer = await client(dataCenter.url, DATA_CENTER_AUTH).post('/rest/api/2/issue', {
      fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x', assignee: { name: DC_AGENT } },
    });
    const cloudByName = await client(cloud.url).post('/rest/api/3/issue', {
      fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x', assignee: { name: 'avery.agent' } },
    });

    expect(dcAnswer.status).toBe(201);
    expect(dataCenter.issue((dcAnswer.json as { key: string }).key)?.fields.assignee).toMatchObject({ name: DC_AGENT, key: 'JIRAUSER10101' });
    expect(cloudByName.status).toBe(400);
    expect(cloudByName.json).toEqual({ errorMessages: [], errors: { assignee: 'Specify a valid value for assignee' } });
  });

  it('shows Data Center approvers by key and name', async () => {
    const key = dataCenter.createIssue({ project: { key: 'ITS' }, issuetype: { name: '[System] Change' }, summary: 'x' }).key;
    dataCenter.transitionTo(key, 'Awaiting approval', DC_AGENT);

    const page = (await client(dataCenter.url, DATA_CENTER_AUTH).get(`/rest/servicedeskapi/request/${key}/approval`)).json as {
      values: Array<{ approvers: Array<{ approver: Record<string, unknown> }> }>;
    };

    expect(page.values[0]?.approvers[0]?.approver).toMatchObject({ key: 'JIRAUSER10102', name: DC_APPROVER, displayName: 'Casey Example' });
    expect(page.values[0]?.approvers[0]?.approver).not.toHaveProperty('accountId');
  });

  it('takes a personal access token or a password on Data Center', async () => {
    const password = `Basic ${Buffer.from(`${DC_AGENT}:agent-password`).toString('base64')}`;

    const withPat = await rawRequest(dataCenter.url, 'GET', '/rest/api/2/myself', { authorization: DATA_CENTER_AUTH });
    const withPassword = await rawRequest(dataCenter.url, 'GET', '/rest/api/2/myself', { authorization: password });
    const wrongPat = await rawRequest(dataCenter.url, 'GET', '/rest/api/2/myself', { authorization: 'Bearer nope' });
    const cloudTokenOnDc = await rawRequest(dataCenter.url, 'GET', '/rest/api/2/myself', { authorization: CLOUD_AUTH });

    expect(withPat.status).toBe(200);
    expect((withPassword.json as { name: string }).name).toBe(DC_AGENT);
    expect(wrongPat.status).toBe(401);
    expect(cloudTokenOnDc.status).toBe(401);
  });

  it('lists fields with the JSM request type and a textarea', async () => {
    const fields = (await client(cloud.url).get('/rest/api/3/field')).json as Array<Record<string, any>>;
    const byId = new Map(fields.map((field) => [field.id, field]));

    expect(byId.get('summary')).toMatchObject({ custom: false, schema: { type: 'string', system: 'summary' } });
    expect(byId.get('customfield_10010')).toMatchObject({
      name: 'Request Type',
      custom: true,
      clauseNames: expect.arrayContaining(['cf[10010]']),
      schema: { custom: 'com.atlassian.servicedesk:vp-origin', customId: 10010 },
    });
    expect(byId.get('customfield_10061')).toMatchObject({ custom: true, schema: { type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textarea' } });
    expect(byId.get('labels')).toMatchObject({ schema: { type: 'array', items: 'string' } });
  });

  it('finds statuses by name or id', async () => {
    const api = client(cloud.url);

    const byName = await api.get('/rest/api/3/status/in progress');
    const byId = await api.get('/rest/api/3/status/10101');
    const unknown = await api.get('/rest/api/3/status/Nope');

    expect(byName.json).toMatchObject({ id: '3', name: 'In Progress', statusCategory: { key: 'indeterminate' } });
    expect(byId.json).toMatchObject({ name: 'Awaiting approval' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ errorMessages: [expect.stringContaining('Nope')], errors: {} });
  });

  it('lists projects, priorities and resolutions', async () => {
    const api = client(cloud.url);

    const project = (await api.get('/rest/api/3/project/SEC')).json as { key: string; issueTypes: Array<{ name: string }> };
    const priorities = (await api.get('/rest/api/3/priority')).json as Array<{ name: string }>;
    const resolutions = (await api.get('/rest/api/3/resolution')).json as Array<{ name: string }>;
    const missing = await api.get('/rest/api/3/project/NOPE');

    expect(project.key).toBe('SEC');
    expect(project.issueTypes.map((type) => type.name)).toEqual(['Task', '[System] Incident', '[System] Service request', '[System] Change']);
    expect(priorities.map((priority) => priority.name)).toEqual(['Highest', 'High', 'Medium', 'Low', 'Lowest']);
    expect(resolutions.map((resolution) => resolution.name)).toContain('Declined');
    expect(missing.status).toBe(404);
  });

  it('sets the JSM request type on create', async () => {
    const api = client(cloud.url);
    const fields = { project: { key: 'SEC' }, issuetype: { name: '[System] Incident' }, summary: 'x' };

    const valid = await api.post('/rest/api/3/issue', { fields: { ...fields, customfield_10010: '10' } });
    const wrongType = await api.post('/rest/api/3/issue', { fields: { ...fields, customfield_10010: '11' } });
    const key = (valid.json as { key: string }).key;
    const read = await api.get(`/rest/api/3/issue/${key}`, { fields: 'customfield_10010' });

    expect(valid.status).toBe(201);
    expect(wrongType.status).toBe(400);
    expect((read.json as { fields: Record<string, any> }).fields.customfield_10010).toMatchObject({
      requestType: { id: '10', name: 'Report a security finding', issueTypeId: '10004', serviceDeskId: '1' },
      currentStatus: { status: 'Open', statusCategory: 'NEW' },
    });
  });
});

describe('Assets routes', () => {
  it('serves each simulator its own Assets workspace', async () => {
    const cloud = await startJiraSimulator({ deployment: 'cloud', assets: { workspaceId: 'workspace-1' } });
    const dataCenter = await startJiraSimulator({ deployment: 'datacenter' });
    try {
      const onCloud = await client(cloud.url).get('/jsm/assets/workspace/workspace-1/v1/objectschema/list');
      const otherWorkspace = await client(cloud.url).get('/jsm/assets/workspace/workspace-2/v1/objectschema/list');
      const onDataCenter = await client(dataCenter.url, DATA_CENTER_AUTH).get('/rest/assets/1.0/objectschema/list');
      const unauthenticated = await rawRequest(cloud.url, 'GET', '/jsm/assets/workspace/workspace-1/v1/objectschema/list', { authorization: null });
      const unknownPath = await client(cloud.url).get('/jsm/nothing');

      expect(cloud.assets.workspaceId).toBe('workspace-1');
      expect(onCloud.status).toBe(200);
      expect(otherWorkspace.status).toBe(404);
      expect(onDataCenter.status).toBe(200);
      expect(unauthenticated.status).toBe(401);
      expect(unknownPath.status).toBe(404);
      expect(unknownPath.json).toMatchObject({ errorMessages: [expect.stringContaining('/jsm/nothing')], errors: {} });
    } finally {
      await Promise.all([cloud.close(), dataCenter.close()]);
    }
  });
});

describe('OAuth 2.0 client credentials on Cloud', () => {
  let cloud: JiraSimulator;

  beforeAll(async () => {
    cloud = await startJiraSimulator({
      deployment: 'cloud',
      oauthClients: [{ clientId: 'sync-client', clientSecret: 'sync-secret' }],
      tokenTtlSeconds: 900,
    });
  });

  afterAll(async () => {
    await cloud.close();
  });

  const requestToken = (body: unknown, contentType?: string) =>
    rawRequest(cloud.url, 'POST', '/oauth/token', { body, authorization: null, contentType });

  it('issues a bearer token that acts as the integration user', async () => {
    const answer = await requestToken({ grant_type: 'client_credentials', client_id: 'sync-client', client_secret: 'sync-secret' });
    const token = answer.json as { access_token: string; expires_in: number; token_type: string };

    const me = await rawRequest(cloud.url, 'GET', '/rest/api/3/myself', { authorization: `Bearer ${token.access_token}` });

    expect(answer.status).toBe(200);
    expect(token).toMatchObject({ expires_in: 900, token_type: 'Bearer' });
    expect(token.access_token.length).toBeGreaterThan(20);
    expect((me.json as { displayName: string }).displayName).toBe('AWS ITSM Sync (bot)');
  });

  it('takes a form-encoded token request too', async () => {
    const answer = await requestToken('grant_type=client_credentials&client_id=sync-client&client_secret=sync-secret', 'application/x-www-form-urlencoded');

    expect(answer.status).toBe(200);
  });

  it('rejects a wrong secret and another grant type', async () => {
    const wrongSecret = await requestToken({ grant_type: 'client_credentials', client_id: 'sync-client', client_secret: 'nope' });
    const otherGrant = await requestToken({ grant_type: 'password', client_id: 'sync-client', client_secret: 'sync-secret' });

    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
    expect(otherGrant.status).toBe(400);
    expect(otherGrant.json).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('rejects expired tokens', async () => {
    const answer = await requestToken({ grant_type: 'client_credentials', client_id: 'sync-client', client_secret: 'sync-secret' });
    const bearer = `Bearer ${(answer.json as { access_token: string }).access_token}`;

    cloud.expireTokens();
    const me = await rawRequest(cloud.url, 'GET', '/rest/api/3/myself', { authorization: bearer });

    expect(me.status).toBe(401);
  });

  it('keeps the client secret out of the request log', async () => {
    await requestToken({ grant_type: 'client_credentials', client_id: 'sync-client', client_secret: 'sync-secret' });

    const logged = cloud.requests.filter((request) => request.path === '/oauth/token');

    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged)).not.toContain('sync-secret');
  });

  it('has no token endpoint on Data Center', async () => {
    const dataCenter = await startJiraSimulator({ deployment: 'datacenter' });
    try {
      const answer = await rawRequest(dataCenter.url, 'POST', '/oauth/token', { body: { grant_type: 'client_credentials' }, authorization: DATA_CENTER_AUTH });
      expect(answer.status).toBe(404);
    } finally {
      await dataCenter.close();
    }
  });
});

describe('simulator options', () => {
  it.each([
    [{ deployment: 'server' }, 'deployment'],
    [{ deployment: 'cloud', timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ deployment: 'cloud', searchLagMs: -1 }, 'searchLagMs'],
    [{ deployment: 'cloud', changeApprovers: ['nobody@example.com'] }, 'changeApprovers'],
    [{ deployment: 'cloud', projects: [{ key: 'sec' }] }, 'projects'],
    [{ deployment: 'cloud', projects: [{ key: 'SEC', issueTypes: ['Epic'] }] }, 'projects'],
    [{ deployment: 'cloud', projects: [{ key: 'SEC', requiredFields: { Task: ['customfield_99999'] } }] }, 'projects'],
    [{ deployment: 'cloud', users: [{ login: 'a@example.com', displayName: 'A', timeZone: 'Nowhere/Else' }] }, 'users'],
    [{ deployment: 'datacenter', oauthClients: [{ clientId: 'a', clientSecret: 'b' }] }, 'oauthClients'],
    [{ deployment: 'cloud', requiredApprovals: 0 }, 'requiredApprovals'],
  ])('rejects %j', async (options, option) => {
    const started = startJiraSimulator(options as never);

    await expect(started).rejects.toBeInstanceOf(InvalidJiraSimulatorOptionError);
    await expect(started).rejects.toMatchObject({ option });
  });

  it('renders helper timestamps in the site time zone', async () => {
    const berlin = await startJiraSimulator({ deployment: 'cloud', timeZone: 'Europe/Berlin', clock: () => new Date('2025-03-10T14:05:09.123Z') });
    try {
      const issue = berlin.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x' });
      expect(issue.fields.created).toBe('2025-03-10T15:05:09.123+0100');
      expect(issue.fields.created).toMatch(JIRA_TIMESTAMP);
    } finally {
      await berlin.close();
    }
  });
});
