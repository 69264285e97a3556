import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  InvalidSimulatorOptionError,
  ReadOnlyTableError,
  startServiceNowSimulator,
  userSysId,
  type ServiceNowSimulator,
} from '../../../src/simulators/servicenow/index.js';
import { rawRequest, resultOf } from './support.js';

const PASSWORD = 'demo-password';
const UTC_USER = { username: 'itsm.sync', password: PASSWORD };
const LOS_ANGELES_USER = { username: 'la.sync', password: PASSWORD, timeZone: 'America/Los_Angeles' };
const KOLKATA_USER = { username: 'in.sync', password: PASSWORD, timeZone: 'Asia/Kolkata' };
/** A person who edits records in the instance and cannot use the API. */
const HUMAN = { username: 'jane.doe', timeZone: 'Europe/Berlin', name: 'Jane Doe', email: 'jane.doe@example.com' };

function basicAuth(user: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
}

let simulator: ServiceNowSimulator;
let now = new Date('2025-03-10T20:00:00Z');
const logLines: string[] = [];

beforeAll(async () => {
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  simulator = await startServiceNowSimulator({
    users: [UTC_USER, LOS_ANGELES_USER, KOLKATA_USER, HUMAN],
    oauthClients: [{ clientId: 'la-client', clientSecret: 'la-client-secret', username: 'la.sync' }],
    clock: () => now,
    tables: ['u_aws_account'],
    logger: pino({ level: 'warn' }, logStream),
  });
});

afterAll(async () => {
  await simulator.stop();
});

beforeEach(() => {
  simulator.reset();
  logLines.length = 0;
  now = new Date('2025-03-10T20:00:00Z');
});

/** List records as `user`, returning the given field of each. */
async function listAs(
  user: { username: string; password: string },
  table: string,
  query: string,
  field = 'short_description',
): Promise<string[]> {
  const answer = await rawRequest(simulator.url, 'GET', `/api/now/table/${table}`, {
    query: { sysparm_query: query },
    authorization: basicAuth(user),
  });
  expect(answer.status, answer.text).toBe(200);
  return resultOf<Array<Record<string, string>>>(answer).map((record) => record[field] ?? '');
}

/** Create an incident at a given UTC instant through the simulator's clock. */
function incidentAt(isoInstant: string, shortDescription: string, user = 'itsm.sync'): Record<string, string> {
  now = new Date(isoInstant);
  return simulator.insertRecord('incident', { short_description: shortDescription }, { user });
}

describe('simulator sys_user and sys_properties', () => {
  it('serves each user with its time zone', async () => {
    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/sys_user', {
      query: { sysparm_fields: 'sys_id,user_name,name,email,time_zone', sysparm_query: 'ORDERBYuser_name' },
    });
    const users = resultOf<Array<Record<string, string>>>(answer);

    expect(users).toEqual([
      { sys_id: userSysId('in.sync'), user_name: 'in.sync', name: 'in.sync', email: '', time_zone: 'Asia/Kolkata' },
      { sys_id: userSysId('itsm.sync'), user_name: 'itsm.sync', name: 'itsm.sync', email: '', time_zone: '' },
      { sys_id: userSysId('jane.doe'), user_name: 'jane.doe', name: 'Jane Doe', email: 'jane.doe@example.com', time_zone: 'Europe/Berlin' },
      { sys_id: userSysId('la.sync'), user_name: 'la.sync', name: 'la.sync', email: '', time_zone: 'America/Los_Angeles' },
    ]);
  });

  it('serves the system time zone property', async () => {
    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/sys_properties', {
      query: { sysparm_query: 'name=glide.sys.default.tz', sysparm_fields: 'name,value' },
    });

    expect(resultOf(answer)).toEqual([{ name: 'glide.sys.default.tz', value: 'UTC' }]);
  });

  it('serves a configured system time zone', async () => {
    const other = await startServiceNowSimulator({ systemTimeZone: 'America/New_York' });
    try {
      const answer = await rawRequest(other.url, 'GET', '/api/now/table/sys_properties', {
        query: { sysparm_query: 'name=glide.sys.default.tz', sysparm_fields: 'value' },
      });
      expect(resultOf(answer)).toEqual([{ value: 'America/New_York' }]);
    } finally {
      await other.stop();
    }
  });

  it('rejects writes to both tables', async () => {
    const [firstUser] = simulator.records('sys_user');
    const post = await rawRequest(simulator.url, 'POST', '/api/now/table/sys_user', { body: { user_name: 'intruder' } });
    const patch = await rawRequest(simulator.url, 'PATCH', `/api/now/table/sys_user/${firstUser?.sys_id}`, { body: { time_zone: 'UTC' } });
    const deletion = await rawRequest(simulator.url, 'DELETE', `/api/now/table/sys_user/${firstUser?.sys_id}`);
    const property = await rawRequest(simulator.url, 'POST', '/api/now/table/sys_properties', { body: { name: 'x', value: 'y' } });

    expect([post.status, patch.status, deletion.status, property.status]).toEqual([403, 403, 403, 403]);
    expect(post.json).toMatchObject({ status: 'failure', error: { message: 'User Not Authorized' } });
    expect(simulator.records('sys_user')).toHaveLength(4);
    expect(() => simulator.insertRecord('sys_user', { user_name: 'x' })).toThrow(ReadOnlyTableError);
    expect(() => simulator.updateRecord('sys_properties', 'a'.repeat(32), { value: 'x' })).toThrow(/read-only/);
  });

  it('keeps its users when restoring a snapshot', () => {
    const snapshot = simulator.snapshot();
    snapshot.tables.sys_user = [];

    simulator.restore(snapshot);

    expect(simulator.records('sys_user')).toHaveLength(4);
  });

  it('does not let a user without a password log in', async () => {
    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', { authorization: basicAuth({ username: 'jane.doe', password: '' }) });
    const record = simulator.insertRecord('incident', { short_description: 'edited by a person' }, { user: 'jane.doe' });

    expect(answer.status).toBe(401);
    expect(record).toMatchObject({ sys_created_by: 'jane.doe', opened_by: userSysId('jane.doe') });
  });
});

describe('simulator javascript: query values', () => {
  beforeEach(() => {
    simulator.insertRecord('incident', { short_description: 'opened by la' }, { user: 'la.sync' });
    simulator.insertRecord('incident', { short_description: 'opened by itsm' }, { user: 'itsm.sync' });
  });

  it('resolves gs.getUserID() to the acting user', async () => {
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'opened_by=javascript:gs.getUserID()')).toEqual(['opened by la']);
    expect(await listAs(UTC_USER, 'incident', 'opened_by=javascript:gs.getUserID()')).toEqual(['opened by itsm']);
    expect(await listAs(LOS_ANGELES_USER, 'sys_user', 'sys_id=javascript:gs.getUserID()', 'time_zone')).toEqual(['America/Los_Angeles']);
  });

  it('resolves gs.getUserName() to the acting user', async () => {
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_created_by=javascript:gs.getUserName()')).toEqual(['opened by la']);
    expect(await listAs(UTC_USER, 'sys_user', 'user_name=javascript:gs.getUserName()', 'user_name')).toEqual(['itsm.sync']);
  });

  it('resolves the OAuth client user', async () => {
    const response = await fetch(new URL('/oauth_token.do', simulator.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'la-client', client_secret: 'la-client-secret' }),
    });
    const { access_token: accessToken } = (await response.json()) as { access_token: string };

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', {
      query: { sysparm_query: 'opened_by=javascript:gs.getUserID()' },
      authorization: `Bearer ${accessToken}`,
    });
    expect(resultOf<Array<Record<string, string>>>(answer).map((record) => record.short_description)).toEqual(['opened by la']);
  });

  it('drops a condition whose script it cannot run', async () => {
    const everything = await listAs(UTC_USER, 'incident', 'opened_by=javascript:gs.getUser().getManagerID()^ORDERBYshort_description');
    const narrowed = await listAs(UTC_USER, 'incident', 'caller_idINjavascript:getMyGroups()^short_descriptionLIKEla');

    expect(everything).toEqual(['opened by itsm', 'opened by la']);
    expect(narrowed).toEqual(['opened by la']);
    const warnings = logLines.map((line) => JSON.parse(line) as { msg: string; scripts: string[] });
    expect(warnings.map((warning) => warning.scripts)).toEqual([
      ['javascript:gs.getUser().getManagerID()'],
      ['javascript:getMyGroups()'],
    ]);
  });
});

describe('simulator date-time literals', () => {
  it('returns dates in UTC whatever the user', async () => {
    incidentAt('2025-03-10T20:00:00Z', 'evening');

    expect(await listAs(LOS_ANGELES_USER, 'incident', '', 'sys_updated_on')).toEqual(['2025-03-10 20:00:00']);
    expect(await listAs(KOLKATA_USER, 'incident', '', 'sys_created_on')).toEqual(['2025-03-10 20:00:00']);
  });

  it('reads literals in America/Los_Angeles for that user', async () => {
    // 20:00 UTC is 13:00 PDT: daylight time started on 9 March 2025.
    incidentAt('2025-03-10T20:00:00Z', 'evening');

    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on>=2025-03-10 13:00:00')).toEqual(['evening']);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on>2025-03-10 13:00:00')).toEqual([]);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on>=2025-03-10 20:00:00')).toEqual([]);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_created_on=2025-03-10 13:00:00')).toEqual(['evening']);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_created_on!=2025-03-10 13:00:00')).toEqual([]);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'opened_at<=2025-03-10 13:00:00')).toEqual(['evening']);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'opened_at<2025-03-10 13:00:00')).toEqual([]);
  });

  it('reads literals in UTC for a user without a time zone', async () => {
    incidentAt('2025-03-10T20:00:00Z', 'evening');

    expect(await listAs(UTC_USER, 'incident', 'sys_updated_on>=2025-03-10 20:00:00')).toEqual(['evening']);
    expect(await listAs(UTC_USER, 'incident', 'sys_updated_on>2025-03-10 20:00:00')).toEqual([]);
  });

  it('reads literals in Asia/Kolkata, a half-hour offset', async () => {
    // 20:00 UTC is 01:30 the next day in India (UTC+05:30).
    incidentAt('2025-03-10T20:00:00Z', 'evening');

    expect(await listAs(KOLKATA_USER, 'incident', 'sys_updated_on>=2025-03-11 01:30:00')).toEqual(['evening']);
    expect(await listAs(KOLKATA_USER, 'incident', 'sys_updated_on>=2025-03-11 01:30:01')).toEqual([]);
    expect(await listAs(KOLKATA_USER, 'incident', 'sys_updated_on<2025-03-11 01:30:00')).toEqual([]);
    expect(await listAs(KOLKATA_USER, 'incident', 'sys_updated_on>=2025-03-11 01:00:00')).toEqual(['evening']);
  });

  it('falls back to the system time zone', async () => {
    const indian = await startServiceNowSimulator({
      systemTimeZone: 'Asia/Kolkata',
      users: [UTC_USER, LOS_ANGELES_USER],
      clock: () => new Date('2025-03-10T20:00:00Z'),
    });
    try {
      indian.insertRecord('incident', { short_description: 'evening' });
      const list = async (user: typeof UTC_USER, query: string) =>
        resultOf<unknown[]>(
          await rawRequest(indian.url, 'GET', '/api/now/table/incident', { query: { sysparm_query: query }, authorization: basicAuth(user) }),
        ).length;

      expect(await list(UTC_USER, 'sys_updated_on>=2025-03-11 01:30:00')).toBe(1);
      expect(await list(UTC_USER, 'sys_updated_on>=2025-03-10 20:00:00')).toBe(1);
      expect(await list(UTC_USER, 'sys_updated_on>=2025-03-11 01:30:01')).toBe(0);
      // A user's own time zone wins over the system's.
      expect(await list(LOS_ANGELES_USER, 'sys_updated_on>=2025-03-10 13:00:00')).toBe(1);
      expect(await list(LOS_ANGELES_USER, 'sys_updated_on>=2025-03-11 01:30:00')).toBe(0);
    } finally {
      await indian.stop();
    }
  });

  it('reads a repeated wall time as its first occurrence', async () => {
    // On 2 November 2025 Los Angeles clocks fall back from 02:00 PDT to 01:00 PST, so 01:30 happens
    // twice: at 08:30 UTC (PDT) and at 09:30 UTC (PST).
    incidentAt('2025-11-02T08:29:59Z', 'before first 01:30');
    incidentAt('2025-11-02T08:30:00Z', 'first 01:30');
    incidentAt('2025-11-02T09:30:00Z', 'second 01:30');

    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on>=2025-11-02 01:30:00^ORDERBYsys_updated_on')).toEqual([
      'first 01:30',
      'second 01:30',
    ]);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on<2025-11-02 01:30:00')).toEqual(['before first 01:30']);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on>=2025-11-02 01:59:59')).toEqual(['second 01:30']);
  });

  it('moves a skipped wall time past the gap', async () => {
    // On 9 March 2025 Los Angeles clocks jump from 02:00 PST to 03:00 PDT (10:00 UTC). 02:30 does
    // not exist and is read with the PST offset: 10:30 UTC, which is 03:30 PDT.
    incidentAt('2025-03-09T09:59:59Z', '01:59:59 PST');
    incidentAt('2025-03-09T10:00:00Z', '03:00:00 PDT');
    incidentAt('2025-03-09T10:30:00Z', '03:30:00 PDT');

    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on>=2025-03-09 02:30:00')).toEqual(['03:30:00 PDT']);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on>=2025-03-09 03:00:00^ORDERBYsys_updated_on')).toEqual([
      '03:00:00 PDT',
      '03:30:00 PDT',
    ]);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_on<2025-03-09 02:00:00')).toEqual(['01:59:59 PST']);
  });

  it('reads gs.dateGenerate in the user time zone', async () => {
    incidentAt('2025-03-10T20:00:00Z', 'evening');

    const at = (time: string) => `sys_updated_on>=javascript:gs.dateGenerate('2025-03-10','${time}')`;
    expect(await listAs(LOS_ANGELES_USER, 'incident', at('13:00:00'))).toEqual(['evening']);
    expect(await listAs(LOS_ANGELES_USER, 'incident', at('13:00:01'))).toEqual([]);
    expect(await listAs(LOS_ANGELES_USER, 'incident', at('start'))).toEqual(['evening']);
    expect(await listAs(LOS_ANGELES_USER, 'incident', at('end'))).toEqual([]);
    expect(await listAs(KOLKATA_USER, 'incident', "sys_updated_on<=javascript:gs.dateGenerate('2025-03-11','end')")).toEqual(['evening']);
  });

  it('converts both BETWEEN bounds', async () => {
    incidentAt('2025-03-10T20:00:00Z', 'evening');

    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_onBETWEEN2025-03-10 12:00:00@2025-03-10 13:00:00')).toEqual(['evening']);
    expect(await listAs(LOS_ANGELES_USER, 'incident', 'sys_updated_onBETWEEN2025-03-10 12:00:00@2025-03-10 12:59:59')).toEqual([]);
    expect(
      await listAs(
        KOLKATA_USER,
        'incident',
        "sys_updated_onBETWEENjavascript:gs.dateGenerate('2025-03-11','start')@javascript:gs.dateGenerate('2025-03-11','01:30:00')",
      ),
    ).toEqual(['evening']);
    expect(await listAs(UTC_USER, 'incident', 'impactBETWEEN1@3')).toEqual(['evening']);
  });

  it('converts literals for custom date-time columns', async () => {
    simulator.insertRecord('u_aws_account', { u_name: 'prod', u_last_seen: '2025-03-10 20:00:00' });

    expect(await listAs(LOS_ANGELES_USER, 'u_aws_account', 'u_last_seen>=2025-03-10 13:00:00', 'u_name')).toEqual(['prod']);
    expect(await listAs(LOS_ANGELES_USER, 'u_aws_account', 'u_last_seen>=2025-03-10 13:00:01', 'u_name')).toEqual([]);
  });

  it('compares text columns as written', async () => {
    simulator.insertRecord('incident', { short_description: 'see 2025-03-10 13:00:00 log' });

    expect(await listAs(LOS_ANGELES_USER, 'incident', 'short_descriptionLIKE2025-03-10 13:00:00')).toEqual(['see 2025-03-10 13:00:00 log']);
  });
});

describe('simulator clock', () => {
  it('stamps writes with the clock', async () => {
    now = new Date('2025-03-10T20:00:00.250Z');
    const record = simulator.insertRecord('incident', { short_description: 'clocked' });
    const first = simulator.updateRecord('incident', record.sys_id ?? '', { state: '2' });
    now = new Date('2025-03-10T20:00:00.900Z');
    const second = simulator.updateRecord('incident', record.sys_id ?? '', { impact: '2' });
    now = new Date('2025-03-11T08:15:30Z');
    const later = await rawRequest(simulator.url, 'PATCH', `/api/now/table/incident/${record.sys_id}`, { body: { urgency: '2' } });

    expect(record).toMatchObject({ sys_created_on: '2025-03-10 20:00:00', sys_updated_on: '2025-03-10 20:00:00', opened_at: '2025-03-10 20:00:00' });
    expect(first).toMatchObject({ sys_updated_on: '2025-03-10 20:00:00', sys_mod_count: '1' });
    expect(second).toMatchObject({ sys_updated_on: '2025-03-10 20:00:00', sys_mod_count: '2' });
    expect(resultOf<Record<string, string>>(later)).toMatchObject({ sys_created_on: '2025-03-10 20:00:00', sys_updated_on: '2025-03-11 08:15:30', sys_mod_count: '3' });
  });
});

describe('simulator user options', () => {
  it('rejects an unknown time zone', async () => {
    await expect(startServiceNowSimulator({ users: [{ username: 'x', password: 'y', timeZone: 'Mars/Olympus_Mons' }] })).rejects.toThrow(
      /Invalid timeZone "Mars\/Olympus_Mons" for ServiceNow simulator user "x"/,
    );
    await expect(startServiceNowSimulator({ systemTimeZone: 'PST8PDT-ish' })).rejects.toThrow(InvalidSimulatorOptionError);
  });

  it('rejects duplicate and empty users', async () => {
    await expect(startServiceNowSimulator({ users: [UTC_USER, UTC_USER] })).rejects.toThrow(/"itsm.sync" is listed twice/);
    await expect(startServiceNowSimulator({ users: [] })).rejects.toThrow(/at least one user/);
    await expect(startServiceNowSimulator({ users: [{ username: ' ' }] })).rejects.toThrow(/non-empty username/);
  });
});
