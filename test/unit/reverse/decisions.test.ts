import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import type { ApprovalRecord, ChangedTicket, WritebackAction } from '../../../src/core/types.js';
import { CALENDAR_OVERRIDE_STATUS, decisionSent, pendingDecisionKind, sendDecision } from '../../../src/reverse/decisions.js';
import { compileExpression } from '../../../src/rules/expression.js';
import { createFieldRule } from '../../../src/rules/field-rule.js';
import { SqliteStateStore } from '../../../src/state/sqlite-store.js';
import type { Link } from '../../../src/state/store.js';

const TICKET = { system: 'servicenow' as const, table: 'change_request', id: 'c'.repeat(32), number: 'CHG0030001', url: 'https://example.invalid/CHG0030001' };

const DECISION = {
  approve: compileExpression('approval = "approved"', 'test approve'),
  reject: compileExpression('approval = "rejected"', 'test reject'),
  comment: createFieldRule({ name: 'comment', owner: 'aws', expression: compileExpression('signal & (calendarOverride ? " override" : "")', 'test comment') }),
};

let store: SqliteStateStore | undefined;
afterEach(() => store?.close());

function link(changes: Partial<Link> = {}): Link {
  return {
    correlation: 'aws-cr-0001',
    identity: 'change-request|111122223333|us-east-1|exec-1',
    kind: 'change-request',
    rule: 'change-request-to-change',
    status: 'open',
    ticket: TICKET,
    written: {},
    writebacks: {},
    previousTickets: [],
    awsRecords: { 'change-request': { displayId: 'exec-1', writebackKey: { executionId: 'exec-1', region: 'us-east-1', account: '111122223333' } } },
    createdAt: '2026-12-05T00:00:00.000Z',
    updatedAt: '2026-12-05T00:00:00.000Z',
    ...changes,
  };
}

function approved(id: string, decidedAt: string): ApprovalRecord {
  return { id, state: 'approved', approver: 'cab.member', approverName: 'Casey Approver', comment: '', decidedAt };
}

/** Send the decision the ticket shows, with these approval records; returns the signals sent. */
async function decide(current: Link, approvals: ApprovalRecord[]): Promise<WritebackAction[]> {
  store = new SqliteStateStore(join(mkdtempSync(join(tmpdir(), 'itsm-sync-decisions-')), 'state.db'));
  const sent: WritebackAction[] = [];
  const ticket: ChangedTicket = { ref: TICKET, correlation: current.correlation, version: 5, updatedAt: '2026-12-05T01:00:00.000Z', updatedBy: 'cab.member', values: { approval: 'approved' } };
  await sendDecision(
    {
      store,
      feed: { system: 'servicenow', prepare: async () => ({}), listChanged: async function* () {}, getChanged: async () => undefined, listJournal: async function* () {}, listApprovals: async () => approvals },
      logger: pino({ level: 'silent' }),
      send: async (_link, action) => {
        sent.push(action);
      },
      now: () => '2026-12-05T01:00:01.000Z',
    },
    DECISION,
    current,
    ticket,
    {},
  );
  return sent;
}

describe('calendar override decisions', () => {
  it('sends the first approval as the approval decision', async () => {
    const sent = await decide(link(), [approved('row-1', '2026-12-05T00:30:00.000Z')]);

    expect(sent.map((action) => action.signal)).toEqual([{ type: 'Approve', comment: 'Approve' }]);
    expect((await store!.listDecisions()).map((decision) => decision.decisionKind)).toEqual(['approval']);
  });

  it('ignores an approval made before the override request', async () => {
    const waiting = link({ awsRecordStatus: CALENDAR_OVERRIDE_STATUS, decidedAt: '2026-12-05T00:30:01.000Z', calendarOverride: { requestedAt: '2026-12-05T00:40:00.000Z', earlierApprovals: ['row-1'] } });

    // A stale read still shows the first round's approval: it must not approve the override.
    const sent = await decide(waiting, [approved('row-1', '2026-12-05T00:30:00.000Z')]);

    expect(sent).toEqual([]);
    expect(await store!.listDecisions()).toEqual([]);
  });

  it('sends a later approval as the override', async () => {
    const waiting = link({ awsRecordStatus: CALENDAR_OVERRIDE_STATUS, decidedAt: '2026-12-05T00:30:01.000Z', calendarOverride: { requestedAt: '2026-12-05T00:40:00.000Z', earlierApprovals: ['row-1'] } });

    const sent = await decide(waiting, [approved('row-1', '2026-12-05T00:30:00.000Z'), approved('row-2', '2026-12-05T00:50:00.000Z')]);

    expect(sent.map((action) => action.signal)).toEqual([{ type: 'Approve', comment: 'Approve override' }]);
    expect((await store!.listDecisions()).map((decision) => decision.decisionKind)).toEqual(['calendar-override']);
  });

  it('sends nothing for an override the rule does not route', async () => {
    const waiting = link({ awsRecordStatus: CALENDAR_OVERRIDE_STATUS, decidedAt: '2026-12-05T00:30:01.000Z' });

    expect(pendingDecisionKind(waiting)).toBeUndefined();
    expect(decisionSent(waiting)).toBe(true);
    expect(await decide(waiting, [approved('row-2', '2026-12-05T00:50:00.000Z')])).toEqual([]);
  });
});
