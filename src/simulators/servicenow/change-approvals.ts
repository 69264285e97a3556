/**
 * Approvals of change requests: the `sysapproval_approver` rows a change gets when it waits for
 * approval, and what an approver's decision does to the change.
 *
 * On a default instance the change's flow requests approval when a normal or emergency change
 * enters Assess or Authorize, and the change's `approval` field is derived from the rows. People
 * approve or reject by updating their row, in the UI or through the Table API. The simulator
 * follows that with one approval round and the "anyone approves" rule of a group approval:
 *
 * - entering Assess or Authorize adds one `requested` row per configured approver.
 * - The first approval approves the change: `approval` becomes `approved` and the change moves to
 *   Scheduled. The first rejection rejects it: `approval` becomes `rejected` and the change goes
 *   back to New, as the documentation says of rejected changes. Either way the other requested
 *   rows become `not_required`.
 * - Reverting the change to New or canceling it cancels its requested rows.
 *
 * NOTE: a default normal change runs two rounds (the assignment group in Assess, then the CAB in
 * Authorize). The simulator runs one, because the connector reads only the final decision. The row
 * states `cancelled` and `not_required` come from the `sysapproval_approver.state` choice list and
 * are not confirmed against an instance.
 */

import type { ActingUser } from './business-rules.js';
import { APPROVAL_STATES, CHANGE_STATE, changeTypeOf } from './change-model.js';
import type { SimulatedTable, StoredRecord } from './record-store.js';

/** The table of approval rows. */
export const APPROVAL_TABLE = 'sysapproval_approver';

/**
 * A write that a business rule makes in the same transaction as the write that triggered it. It
 * is stored only if every write of the transaction passes its rules and data policies.
 */
export interface FollowUpWrite {
  table: SimulatedTable;
  /** The stored record to update, or undefined to insert a new one. */
  existing?: StoredRecord;
  values: StoredRecord;
  user: ActingUser;
}

/** The writes a committed write triggers, worked out by ChangeApprovalRules. */
export interface TriggeringWrite {
  table: SimulatedTable;
  previous: StoredRecord | undefined;
  record: StoredRecord;
  user: ActingUser;
  /** UTC `YYYY-MM-DD HH:mm:ss` of the write. */
  now: string;
}

/** Plans the approval rows of change requests and the change updates their decisions make. */
export class ChangeApprovalRules {
  constructor(
    private readonly tableNamed: (name: string) => SimulatedTable,
    /** The acting user of the rows a flow adds or closes. */
    private readonly system: ActingUser,
    /** The users who must approve each change. */
    private approvers: readonly ActingUser[],
  ) {}

  /** Replace the users asked to approve changes from now on. Rows already added stay. */
  setApprovers(approvers: readonly ActingUser[]): void {
    this.approvers = [...approvers];
  }

  /** Return the users who must approve changes. */
  approverList(): readonly ActingUser[] {
    return this.approvers;
  }

  /** Work out the writes that business rules add to a write made by a person or the Table API. */
  followUps(write: TriggeringWrite): FollowUpWrite[] {
    if (write.table.name === 'change_request') {
      return this.followUpsOfChange(write);
    }
    if (write.table.name === APPROVAL_TABLE) {
      return this.followUpsOfDecision(write);
    }
    return [];
  }

  /** Return the requested approval row of a user on a change, if there is one. */
  requestedApproval(changeSysId: string, approverSysId: string): StoredRecord | undefined {
    return this.rowsOf(changeSysId).find((row) => row.approver === approverSysId && row.state === 'requested');
  }

  /** Return the approval rows of a change, oldest first. */
  rowsOf(changeSysId: string): StoredRecord[] {
    return this.tableNamed(APPROVAL_TABLE)
      .all()
      .filter((row) => row.sysapproval === changeSysId);
  }

  /**
   * Add approval rows when a change enters Assess or Authorize, and cancel the requested rows when
   * it goes back to New or is canceled.
   */
  private followUpsOfChange({ previous, record }: TriggeringWrite): FollowUpWrite[] {
    const state = record.state ?? '';
    if (previous !== undefined && previous.state === state) {
      return [];
    }

    const changeSysId = record.sys_id ?? '';
    const requested = this.rowsOf(changeSysId).filter((row) => row.state === 'requested');

    if (APPROVAL_STATES.includes(state) && changeTypeOf(record) !== 'standard' && requested.length === 0) {
      const approvals = this.tableNamed(APPROVAL_TABLE);
      return this.approvers.map((approver) => ({
        table: approvals,
        values: {
          sysapproval: changeSysId,
          document_id: changeSysId,
          source_table: 'change_request',
          approver: approver.sysId,
          state: 'requested',
        },
        user: this.system,
      }));
    }

    if (state === CHANGE_STATE.new || state === CHANGE_STATE.canceled) {
      return this.closeRows(requested, 'cancelled');
    }

    return [];
  }

  /** Decide a change that waits for approval by the first approval or rejection of one of its rows. */
  private followUpsOfDecision({ previous, record, user, now }: TriggeringWrite): FollowUpWrite[] {
    const decision = record.state ?? '';
    const decided = decision === 'approved' || decision === 'rejected';
    if (!decided || previous?.state === decision) {
      return [];
    }

    const changes = this.tableNamed('change_request');
    const change = changes.get(record.sysapproval ?? '');
    if (change === undefined || change.approval !== 'requested') {
      return [];
    }

    const waiting = APPROVAL_STATES.includes(change.state ?? '');
    const changeValues: StoredRecord =
      decision === 'approved'
        ? { approval: 'approved', approval_set: now, ...(waiting ? { state: CHANGE_STATE.scheduled } : {}) }
        : { approval: 'rejected', approval_set: now, ...(waiting ? { state: CHANGE_STATE.new } : {}) };

    const others = this.rowsOf(change.sys_id ?? '').filter(
      (row) => row.state === 'requested' && row.sys_id !== record.sys_id,
    );

    // The change update is made as the approver, as the approval's business rule runs in their session.
    return [...this.closeRows(others, 'not_required'), { table: changes, existing: change, values: changeValues, user }];
  }

  private closeRows(rows: readonly StoredRecord[], state: string): FollowUpWrite[] {
    const approvals = this.tableNamed(APPROVAL_TABLE);
    return rows.map((row) => ({ table: approvals, existing: row, values: { state }, user: this.system }));
  }
}
