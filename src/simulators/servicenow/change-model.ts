/**
 * The change_request state model of a default instance, as the simulator enforces it.
 *
 * States (values of `change_request.state`): New -5, Assess -4, Authorize -3, Scheduled -2,
 * Implement -1, Review 0, Closed 3, Canceled 4. Per the ServiceNow documentation ("State model and
 * transitions" and "State progression for normal, standard, and emergency changes", Yokohama to
 * Brazil releases):
 *
 * - a normal change goes New → Assess → Authorize → Scheduled → Implement → Review → Closed;
 * - an emergency change skips Assess: New → Authorize → Scheduled → …;
 * - a standard change is pre-authorized: New → Scheduled → …;
 * - a change can be canceled from any state except Review and Closed;
 * - a normal or emergency change waiting for approval (Assess, Authorize) can be reverted to New,
 *   which cancels its pending approvals;
 * - a rejected normal or emergency change goes back to New.
 *
 * A person (or an integration user) cannot move a change out of Assess or Authorize except back to
 * New or to Canceled: only the approvals move it on (see change-approvals.ts). Any other move is
 * aborted by the `Change Model: Check State Transition` business rule, and the Table API responds
 * 403 with "Operation against file 'change_request' was aborted by Business Rule …". That response
 * is taken from a public record of a PATCH from Authorize to Implement on a real instance.
 */

import type { StoredRecord } from './record-store.js';

/** Values of `change_request.state`. */
export const CHANGE_STATE = {
  new: '-5',
  assess: '-4',
  authorize: '-3',
  scheduled: '-2',
  implement: '-1',
  review: '0',
  closed: '3',
  canceled: '4',
} as const;

const STATE_LABELS: Readonly<Record<string, string>> = {
  '-5': 'New',
  '-4': 'Assess',
  '-3': 'Authorize',
  '-2': 'Scheduled',
  '-1': 'Implement',
  '0': 'Review',
  '3': 'Closed',
  '4': 'Canceled',
};

/** The states in which a normal or emergency change waits for its approvals. */
export const APPROVAL_STATES: readonly string[] = [CHANGE_STATE.assess, CHANGE_STATE.authorize];

/** The business rule that aborts a move the state model does not allow. */
export const STATE_TRANSITION_RULE = 'Change Model: Check State Transition';

const { new: NEW, assess: ASSESS, authorize: AUTHORIZE, scheduled: SCHEDULED } = CHANGE_STATE;
const { implement: IMPLEMENT, review: REVIEW, closed: CLOSED, canceled: CANCELED } = CHANGE_STATE;

/** Moves from Scheduled on, the same for every type. */
const SCHEDULED_ONWARDS: Readonly<Record<string, readonly string[]>> = {
  [SCHEDULED]: [IMPLEMENT, CANCELED],
  [IMPLEMENT]: [REVIEW, CANCELED],
  [REVIEW]: [CLOSED],
  [CLOSED]: [],
  [CANCELED]: [],
};

/**
 * The moves a person may make, per change type and current state. Assess and Authorize lead on
 * only through approvals, which the approval rules make and this table does not list.
 *
 * NOTE: whether a real instance lets a person move Scheduled or Implement back to an earlier state
 * is unverified; the simulator rejects it.
 */
const MOVES_BY_PEOPLE: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  normal: {
    [NEW]: [ASSESS, CANCELED],
    [ASSESS]: [NEW, CANCELED],
    [AUTHORIZE]: [NEW, CANCELED],
    ...SCHEDULED_ONWARDS,
  },
  emergency: {
    [NEW]: [AUTHORIZE, CANCELED],
    [AUTHORIZE]: [NEW, CANCELED],
    ...SCHEDULED_ONWARDS,
  },
  standard: {
    [NEW]: [SCHEDULED, CANCELED],
    ...SCHEDULED_ONWARDS,
  },
};

/**
 * A write that a business rule aborted (`current.setAbortAction(true)`). The Table API responds 403
 * "Operation Failed" naming the rule, without the rule's own message, so `reason` is only seen by
 * callers of the simulator's direct write methods.
 */
export class BusinessRuleAbort extends Error {
  override name = 'BusinessRuleAbort';

  constructor(
    /** The table written to. */
    readonly table: string,
    /** The business rule's name, such as `Change Model: Check State Transition`. */
    readonly rule: string,
    /** The reason the rule aborted the write, with the fix. */
    readonly reason: string,
  ) {
    super(`Operation against file '${table}' was aborted by Business Rule '${rule}': ${reason}`);
  }
}

/** Return the label of a change state value, such as `Implement (-1)`. */
export function describeChangeState(state: string): string {
  const label = STATE_LABELS[state];
  return label === undefined ? `unknown state ${JSON.stringify(state)}` : `${label} (${state})`;
}

/** Return the change's type for the state model. An unknown or empty type follows the normal model. */
export function changeTypeOf(record: StoredRecord): 'normal' | 'emergency' | 'standard' {
  const type = record.type ?? '';
  return type === 'emergency' || type === 'standard' ? type : 'normal';
}

/**
 * Throw a BusinessRuleAbort unless the state model lets a person move the change from the
 * previous state to the new one. Writes that keep the state are always allowed.
 */
export function checkChangeStateMove(previous: StoredRecord, record: StoredRecord): void {
  const from = previous.state ?? '';
  const to = record.state ?? '';
  if (from === to) {
    return;
  }

  const type = changeTypeOf(record);
  const allowed = MOVES_BY_PEOPLE[type]?.[from] ?? [];
  if (allowed.includes(to)) {
    return;
  }

  const options =
    allowed.length === 0 ? 'no other state' : allowed.map((state) => describeChangeState(state)).join(' or ');
  const approvalHint = APPROVAL_STATES.includes(from)
    ? ' A change waiting for approval moves on when an approver approves it (approveChange).'
    : '';

  throw new BusinessRuleAbort(
    'change_request',
    STATE_TRANSITION_RULE,
    `a ${type} change ${record.number ?? record.sys_id ?? ''} cannot move from ${describeChangeState(from)} to ` +
      `${describeChangeState(to)}. From ${describeChangeState(from)} it can move to ${options}.${approvalHint}`,
  );
}

/**
 * Apply the change_request rules that run before a write is stored: the state model check for
 * moves made by people, and the `approval` field that follows the state. Inserts are not checked
 * against the model, so a change can be created in any state, as integrations do.
 *
 * - A standard change that reaches Scheduled is approved (it is pre-authorized).
 * - A normal or emergency change that enters Assess or Authorize has its approval requested; the
 *   approval rows themselves are added after the write (change-approvals.ts).
 * - A person moving a change waiting for approval back to New resets it to `not requested`.
 *
 * `madeByBusinessRule` is true for the update that an approval decision makes: it may move the
 * change anywhere, and keeps the `approval` value the decision set.
 */
export function applyChangeRules(
  previous: StoredRecord | undefined,
  record: StoredRecord,
  options: { madeByBusinessRule: boolean; now: string },
): void {
  if (previous !== undefined && !options.madeByBusinessRule) {
    checkChangeStateMove(previous, record);
  }

  const state = record.state ?? '';
  const stateChanged = previous === undefined || previous.state !== state;
  if (!stateChanged || options.madeByBusinessRule) {
    return;
  }

  const type = changeTypeOf(record);

  if (type === 'standard' && state === SCHEDULED && record.approval !== 'approved') {
    record.approval = 'approved';
    record.approval_set = options.now;
    return;
  }

  if (type !== 'standard' && APPROVAL_STATES.includes(state) && record.approval !== 'requested') {
    record.approval = 'requested';
    return;
  }

  const wasWaiting = previous !== undefined && APPROVAL_STATES.includes(previous.state ?? '');
  if (wasWaiting && state === NEW) {
    record.approval = 'not requested';
  }
}
