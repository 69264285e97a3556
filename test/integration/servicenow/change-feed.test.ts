import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { ChangedTicket } from '../../../src/core/types.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/index.js';
import { ServiceNowClient } from '../../../src/targets/servicenow/client.js';
import { ServiceNowChangeFeed } from '../../../src/targets/servicenow/servicenow-change-feed.js';
import { ServiceNowTarget } from '../../../src/targets/servicenow/servicenow-target.js';

const PASSWORD = 'feed-test-password';
/** The integration user reads query dates in Los Angeles time, eight hours behind UTC in March. */
const LOS_ANGELES_USER = { username: 'itsm.sync', password: PASSWORD, timeZone: 'America/Los_Angeles' };
/** An integration user without a zone of its own: the instance default applies. */
const ZONELESS_USER = { username: 'zoneless.sync', password: PASSWORD };
const HUMAN = { username: 'jane.doe', timeZone: 'Europe/Berlin' };

let simulator: ServiceNowSimulator;
let now = new Date('2025-03-10T20:00:00Z');

beforeAll(async () => {
  simulator = await startServiceNowSimulator({
    users: [LOS_ANGELES_USER, ZONELESS_USER, HUMAN],
    systemTimeZone: 'Asia/Kolkata',
    clock: () => now,
  });
});

afterAll(async () => {
  await simulator.stop();
});

beforeEach(() => {
  simulator.reset();
  now = new Date('2025-03-10T20:00:00Z');
});

function feedFor(user: { username: string; password: string }, options: { pageSize?: number; timeZone?: string } = {}) {
  const client = new ServiceNowClient({ instanceUrl: simulator.url, auth: { type: 'basic', ...user }, maxRetries: 0 });
  const target = new ServiceNowTarget(client, { instanceUrl: simulator.url });
  return { target, feed: new ServiceNowChangeFeed(client, target, options) };
}

async function collect(iterable: AsyncIterable<ChangedTicket>): Promise<ChangedTicket[]> {
  const items: ChangedTicket[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Create an incident as the integration user at the simulator's current time. */
function incidentAt(time: string, correlation: string, fields: Record<string, unknown> = {}) {
  now = new Date(time);
  return simulator.insertRecord('incident', { short_description: correlation, correlation_id: correlation, ...fields }, { user: 'itsm.sync' });
}

describe('ServiceNowChangeFeed.prepare', () => {
  it("reads the integration user's login and time zone", async () => {
    const { feed } = feedFor(LOS_ANGELES_USER);
    expect(await feed.prepare()).toEqual({ user: 'itsm.sync', timeZone: 'America/Los_Angeles' });
  });

  it('falls back to the instance default zone for a user without one', async () => {
    const { feed } = feedFor(ZONELESS_USER);
    expect(await feed.prepare()).toEqual({ user: 'zoneless.sync', timeZone: 'Asia/Kolkata' });
  });

  it('keeps a configured zone over what the instance says', async () => {
    const { feed } = feedFor(LOS_ANGELES_USER, { timeZone: 'Europe/Berlin' });
    expect((await feed.prepare()).timeZone).toBe('Europe/Berlin');
  });
});

describe('ServiceNowChangeFeed.listChanged', () => {
  it('reads only what changed since the time asked, whatever the user time zone', async () => {
    incidentAt('2025-03-10T20:00:00Z', 'aws-sh-early');
    incidentAt('2025-03-10T21:00:00Z', 'aws-sh-late');

    for (const user of [LOS_ANGELES_USER, ZONELESS_USER]) {
      const { feed } = feedFor(user);
      await feed.prepare();
      const changed = await collect(feed.listChanged('incident', ['aws-sh-'], new Date('2025-03-10T20:30:00Z'), ['state']));
      expect(changed.map((ticket) => ticket.correlation)).toEqual(['aws-sh-late']);
      expect(changed[0]?.updatedAt).toBe('2025-03-10T21:00:00.000Z');
    }
  });

  it('would miss or add changes if it wrote the date in UTC (the check this feed exists for)', async () => {
    incidentAt('2025-03-10T21:00:00Z', 'aws-sh-late');
    // Claiming UTC for a Los Angeles user shifts the bound eight hours later: nothing comes back.
    const { feed } = feedFor(LOS_ANGELES_USER, { timeZone: 'UTC' });
    await feed.prepare();
    expect(await collect(feed.listChanged('incident', ['aws-sh-'], new Date('2025-03-10T20:30:00Z'), []))).toEqual([]);
  });

  it('reads every record once across pages, in change order, with only our prefixes', async () => {
    for (let index = 0; index < 7; index += 1) {
      // Several records share one second, so paging must break ties by sys_id.
      incidentAt(`2025-03-10T20:00:0${Math.floor(index / 3)}Z`, `aws-sh-${index}`);
    }
    incidentAt('2025-03-10T20:00:05Z', 'someone-else-1');
    incidentAt('2025-03-10T20:00:06Z', 'aws-oi-1');

    const { feed } = feedFor(LOS_ANGELES_USER, { pageSize: 2 });
    await feed.prepare();
    const changed = await collect(feed.listChanged('incident', ['aws-sh-', 'aws-oi-'], new Date('2025-03-10T19:00:00Z'), ['state']));

    expect(changed.map((ticket) => ticket.correlation).sort()).toEqual(['aws-oi-1', ...Array.from({ length: 7 }, (_, index) => `aws-sh-${index}`)].sort());
    expect(new Set(changed.map((ticket) => ticket.ref.id)).size).toBe(8);
    const times = changed.map((ticket) => ticket.updatedAt);
    expect([...times].sort()).toEqual(times);
  });

  it('does not skip a record when another one is updated while it pages', async () => {
    const records = Array.from({ length: 6 }, (_, index) => incidentAt(`2025-03-10T20:00:0${index}Z`, `aws-sh-${index}`));
    const { feed } = feedFor(LOS_ANGELES_USER, { pageSize: 2 });
    await feed.prepare();

    const seen: ChangedTicket[] = [];
    for await (const ticket of feed.listChanged('incident', ['aws-sh-'], new Date('2025-03-10T19:00:00Z'), ['state'])) {
      seen.push(ticket);
      if (seen.length === 1) {
        // A person resolves the first record after the first page was read; with offset paging
        // every later record would shift one place down and one would be skipped.
        now = new Date('2025-03-10T20:05:00Z');
        simulator.updateRecord('incident', records[0]!.sys_id!, { state: '2' }, { user: 'jane.doe' });
      }
    }

    expect(seen.map((ticket) => ticket.correlation)).toEqual(['aws-sh-0', 'aws-sh-1', 'aws-sh-2', 'aws-sh-3', 'aws-sh-4', 'aws-sh-5', 'aws-sh-0']);
    expect(seen.at(-1)).toMatchObject({ version: 1, updatedBy: 'jane.doe', values: { state: '2' } });
  });

  it('returns versions, authors and the fields asked for', async () => {
    const record = incidentAt('2025-03-10T20:00:00Z', 'aws-sh-v');
    now = new Date('2025-03-10T20:01:00Z');
    simulator.updateRecord('incident', record.sys_id!, { state: '6', close_code: 'Solution provided', close_notes: 'Patched' }, { user: 'jane.doe' });

    const { feed } = feedFor(LOS_ANGELES_USER);
    await feed.prepare();
    const [ticket] = await collect(feed.listChanged('incident', ['aws-sh-'], new Date('2025-03-10T20:00:30Z'), ['state', 'close_code']));
    expect(ticket).toMatchObject({ version: 1, updatedBy: 'jane.doe', values: { state: '6', close_code: 'Solution provided' } });
    expect(ticket?.ref.number).toBe(record.number);

    expect(await feed.getChanged('incident', record.sys_id!, ['close_notes'])).toMatchObject({ version: 1, values: { close_notes: 'Patched' } });
    expect(await feed.getChanged('incident', '0'.repeat(32), ['state'])).toBeUndefined();
  });
});

describe('ServiceNowChangeFeed.listJournal', () => {
  it('lists comments and work notes oldest first, with their authors', async () => {
    const record = incidentAt('2025-03-10T20:00:00Z', 'aws-sh-j', { work_notes: 'Created by itsm-sync' });
    now = new Date('2025-03-10T20:01:00Z');
    simulator.updateRecord('incident', record.sys_id!, { comments: 'Customer: a caret ^ and ünïcødé' }, { user: 'jane.doe' });
    now = new Date('2025-03-10T20:02:00Z');
    simulator.updateRecord('incident', record.sys_id!, { work_notes: 'Rotated the keys' }, { user: 'jane.doe' });

    const { feed, target } = feedFor(LOS_ANGELES_USER);
    const entries = [];
    for await (const entry of feed.listJournal(target.ticketRef('incident', record), ['comments', 'work_notes'])) entries.push(entry);

    expect(entries.map(({ field, text, author }) => ({ field, text, author }))).toEqual([
      { field: 'work_notes', text: 'Created by itsm-sync', author: 'itsm.sync' },
      { field: 'comments', text: 'Customer: a caret ^ and ünïcødé', author: 'jane.doe' },
      { field: 'work_notes', text: 'Rotated the keys', author: 'jane.doe' },
    ]);
    expect(entries[1]?.createdAt).toBe('2025-03-10T20:01:00.000Z');
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(3);
  });
});
