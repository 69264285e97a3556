import type { AwsConnectorCi } from './cmdb.js';

/** An option of `startServiceNowSimulator` that cannot be used, such as `webhooks` or `systemTimeZone`. */
export { InvalidSimulatorOptionError } from '../option-error.js';

/** A direct write (`insertRecord`, `updateRecord`) to a table that only the simulator's options fill. */
export class ReadOnlyTableError extends Error {
  override name = 'ReadOnlyTableError';

  constructor(readonly table: string) {
    super(
      `The ServiceNow simulator's ${table} table is read-only: its rows come from the users and systemTimeZone options.`,
    );
  }
}

/** A direct method of the simulator handle named a record that does not exist. */
export class UnknownRecordError extends Error {
  override name = 'UnknownRecordError';

  constructor(
    readonly table: string,
    readonly sysId: string,
  ) {
    super(`No ${table} record with sys_id ${sysId} in the ServiceNow simulator.`);
  }
}

/**
 * `approveChange` or `rejectChange` for a user who has no requested approval on the change: the
 * change is not waiting for approval, someone else decided it already, or the user is not an approver.
 */
export class ChangeApprovalError extends Error {
  override name = 'ChangeApprovalError';

  readonly changeNumber: string;

  constructor(
    change: Readonly<Record<string, string>>,
    /** The user_name that tried to decide. */
    readonly user: string,
    /** The configured change approvers (user_name) at the time. */
    readonly approvers: readonly string[],
  ) {
    const number = change.number || change.sys_id || '';
    const configured = approvers.length === 0 ? 'no one (set the changeApprovers option)' : approvers.join(', ');
    super(
      `${user} has no requested approval on ${number} (state ${change.state}, approval ${JSON.stringify(change.approval)}). ` +
        'A normal or emergency change requests approval when it enters Assess (-4) or Authorize (-3), ' +
        `and the first decision closes the other requests. Approvers: ${configured}.`,
    );
    this.changeNumber = number;
  }
}

/** A `seedAwsConnectorCi` call with a table outside the CMDB or without a resource id. */
export class InvalidConnectorCiError extends Error {
  override name = 'InvalidConnectorCiError';

  /** The requested class table. */
  readonly className: string;
  /** The requested AWS resource id. */
  readonly resourceId: string;

  constructor(ci: AwsConnectorCi, reason: string) {
    super(`Cannot seed an AWS Service Management Connector CI: ${reason}`);
    this.className = String(ci.className);
    this.resourceId = String(ci.resourceId);
  }
}
