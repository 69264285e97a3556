import { describe, expect, it } from 'vitest';

import {
  applyChangeRules,
  BusinessRuleAbort,
  CHANGE_STATE,
  checkChangeStateMove,
  STATE_TRANSITION_RULE,
} from '../../../src/simulators/servicenow/change-model.js';

const { new: NEW, assess: ASSESS, authorize: AUTHORIZE, scheduled: SCHEDULED } = CHANGE_STATE;
const { implement: IMPLEMENT, review: REVIEW, closed: CLOSED, canceled: CANCELED } = CHANGE_STATE;
const ALL_STATES = [NEW, ASSESS, AUTHORIZE, SCHEDULED, IMPLEMENT, REVIEW, CLOSED, CANCELED];
const NOW = '2025-03-10 15:00:00';

/** The moves a person may make, written out from the documented state progressions. */
const EXPECTED_MOVES: Record<string, Array<[string, string]>> = {
  normal: [
    [NEW, ASSESS],
    [NEW, CANCELED],
    [ASSESS, NEW],
    [ASSESS, CANCELED],
    [AUTHORIZE, NEW],
    [AUTHORIZE, CANCELED],
    [SCHEDULED, IMPLEMENT],
    [SCHEDULED, CANCELED],
    [IMPLEMENT, REVIEW],
    [IMPLEMENT, CANCELED],
    [REVIEW, CLOSED],
  ],
  emergency: [
    [NEW, AUTHORIZE],
    [NEW, CANCELED],
    [AUTHORIZE, NEW],
    [AUTHORIZE, CANCELED],
    [SCHEDULED, IMPLEMENT],
    [SCHEDULED, CANCELED],
    [IMPLEMENT, REVIEW],
    [IMPLEMENT, CANCELED],
    [REVIEW, CLOSED],
  ],
  standard: [
    [NEW, SCHEDULED],
    [NEW, CANCELED],
    [SCHEDULED, IMPLEMENT],
    [SCHEDULED, CANCELED],
    [IMPLEMENT, REVIEW],
    [IMPLEMENT, CANCELED],
    [REVIEW, CLOSED],
  ],
};

function change(type: string, state: string, extra: Record<string, string> = {}): Record<string, string> {
  return { sys_id: 'c'.repeat(32), number: 'CHG0030001', type, state, approval: 'not requested', ...extra };
}

function moveAllowed(type: string, from: string, to: string): boolean {
  try {
    checkChangeStateMove(change(type, from), change(type, to));
    return true;
  } catch (error) {
    if (error instanceof BusinessRuleAbort) return false;
    throw error;
  }
}

describe('change state model moves', () => {
  for (const [type, expected] of Object.entries(EXPECTED_MOVES)) {
    it(`allows exactly the documented ${type} moves`, () => {
      const allowed: Array<[string, string]> = [];
      for (const from of ALL_STATES) {
        for (const to of ALL_STATES) {
          if (from !== to && moveAllowed(type, from, to)) allowed.push([from, to]);
        }
      }

      expect(allowed).toEqual(expected);
    });
  }

  it('allows a write that keeps the state', () => {
    for (const state of ALL_STATES) {
      expect(moveAllowed('normal', state, state)).toBe(true);
    }
  });

  it('reads an unknown type as normal', () => {
    expect(moveAllowed('', NEW, ASSESS)).toBe(true);
    expect(moveAllowed('u_custom', NEW, SCHEDULED)).toBe(false);
  });

  it('names the rule, the states and the allowed moves', () => {
    let caught: unknown;
    try {
      checkChangeStateMove(change('normal', IMPLEMENT), change('normal', CLOSED));
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(BusinessRuleAbort);
    const abort = caught as BusinessRuleAbort;
    expect(abort.table).toBe('change_request');
    expect(abort.rule).toBe(STATE_TRANSITION_RULE);
    expect(abort.reason).toContain('CHG0030001');
    expect(abort.reason).toContain('from Implement (-1) to Closed (3)');
    expect(abort.reason).toContain('Review (0) or Canceled (4)');
  });

  it('points a change waiting for approval at the approvers', () => {
    expect(() => checkChangeStateMove(change('normal', ASSESS), change('normal', SCHEDULED))).toThrow(/approver approves it/);
  });
});

describe('change approval field rules', () => {
  it('requests approval when a normal change enters Assess', () => {
    const record = change('normal', ASSESS);
    applyChangeRules(change('normal', NEW), record, { madeByBusinessRule: false, now: NOW });

    expect(record.approval).toBe('requested');
  });

  it('requests approval when an emergency change is inserted in Authorize', () => {
    const record = change('emergency', AUTHORIZE);
    applyChangeRules(undefined, record, { madeByBusinessRule: false, now: NOW });

    expect(record.approval).toBe('requested');
  });

  it('approves a standard change that reaches Scheduled', () => {
    const inserted = change('standard', SCHEDULED);
    applyChangeRules(undefined, inserted, { madeByBusinessRule: false, now: NOW });
    const moved = change('standard', SCHEDULED);
    applyChangeRules(change('standard', NEW), moved, { madeByBusinessRule: false, now: NOW });

    expect(inserted).toMatchObject({ approval: 'approved', approval_set: NOW });
    expect(moved).toMatchObject({ approval: 'approved', approval_set: NOW });
  });

  it('leaves a standard change in New unrequested', () => {
    const record = change('standard', NEW);
    applyChangeRules(undefined, record, { madeByBusinessRule: false, now: NOW });

    expect(record.approval).toBe('not requested');
  });

  it('resets the approval when a person reverts to New', () => {
    const record = change('normal', NEW, { approval: 'requested' });
    applyChangeRules(change('normal', ASSESS, { approval: 'requested' }), record, { madeByBusinessRule: false, now: NOW });

    expect(record.approval).toBe('not requested');
  });

  it('keeps a rejection that moves the change to New', () => {
    const record = change('normal', NEW, { approval: 'rejected' });
    applyChangeRules(change('normal', ASSESS, { approval: 'requested' }), record, { madeByBusinessRule: true, now: NOW });

    expect(record.approval).toBe('rejected');
  });

  it('lets a business rule make a move a person cannot', () => {
    const record = change('normal', SCHEDULED, { approval: 'approved' });

    expect(() =>
      applyChangeRules(change('normal', ASSESS, { approval: 'requested' }), record, { madeByBusinessRule: true, now: NOW }),
    ).not.toThrow();
    expect(() =>
      applyChangeRules(change('normal', ASSESS, { approval: 'requested' }), change('normal', SCHEDULED), {
        madeByBusinessRule: false,
        now: NOW,
      }),
    ).toThrow(BusinessRuleAbort);
  });
});
