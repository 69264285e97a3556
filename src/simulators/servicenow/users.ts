/**
 * The simulator's users and system properties, and the read-only `sys_user` and `sys_properties`
 * rows built from them. A client reads these tables to learn the time zone that the instance
 * reads its query dates in.
 */

import { createHash } from 'node:crypto';

import type { ActingUser } from './business-rules.js';
import { InvalidSimulatorOptionError } from './errors.js';
import type { StoredRecord } from './record-store.js';
import { isValidTimeZone } from './time-zones.js';

/** A user of the simulator, as the `users` option takes it. */
export interface SimulatorUserOptions {
  username: string;
  /**
   * Password for basic auth. A user without one cannot log in, which suits people who only edit
   * records through `insertRecord` and `updateRecord`.
   */
  password?: string;
  /** IANA time zone id, such as `America/Los_Angeles`. Default: none, so the system time zone applies. */
  timeZone?: string;
  /** Display name (`sys_user.name`). Default: the username. */
  name?: string;
  /** `sys_user.email`. Default: empty. */
  email?: string;
}

/** A user as the simulator keeps it. */
export interface SimulatedUser extends ActingUser {
  password?: string;
  /** The user's own time zone, or empty when the system time zone applies. */
  timeZone: string;
  name: string;
  email: string;
}

/** The simulator's login when the `users` option is not given. */
export const DEFAULT_USER: SimulatorUserOptions = { username: 'itsm.sync', password: 'demo-password' };

/** Check the `users` and `systemTimeZone` options and build the users. */
export function buildUsers(users: readonly SimulatorUserOptions[], systemTimeZone: string): SimulatedUser[] {
  if (!isValidTimeZone(systemTimeZone)) {
    throw new InvalidSimulatorOptionError(
      'systemTimeZone',
      `Invalid systemTimeZone ${JSON.stringify(systemTimeZone)} for the ServiceNow simulator: use an IANA time zone id such as "UTC" or "America/Los_Angeles".`,
    );
  }

  if (users.length === 0) {
    throw new InvalidSimulatorOptionError('users', 'The ServiceNow simulator needs at least one user.');
  }

  const seen = new Set<string>();
  return users.map((user) => {
    if (typeof user.username !== 'string' || user.username.trim() === '') {
      throw new InvalidSimulatorOptionError('users', 'Every ServiceNow simulator user needs a non-empty username.');
    }
    if (seen.has(user.username)) {
      throw new InvalidSimulatorOptionError('users', `The ServiceNow simulator user ${JSON.stringify(user.username)} is listed twice.`);
    }
    seen.add(user.username);

    const timeZone = user.timeZone ?? '';
    if (timeZone !== '' && !isValidTimeZone(timeZone)) {
      throw new InvalidSimulatorOptionError(
        'users',
        `Invalid timeZone ${JSON.stringify(timeZone)} for ServiceNow simulator user ${JSON.stringify(user.username)}: ` +
          'use an IANA time zone id such as "Asia/Kolkata", or leave it out to use the system time zone.',
      );
    }

    return {
      username: user.username,
      password: user.password,
      sysId: userSysId(user.username),
      timeZone,
      name: user.name ?? user.username,
      email: user.email ?? '',
    };
  });
}

/** Derive a stable sys_id from a user name, so sys_user rows and opened_by agree across restarts. */
export function userSysId(username: string): string {
  return createHash('md5').update(`sys_user:${username}`).digest('hex');
}

/** Build the `sys_user` row of a user (without system fields). */
export function sysUserRow(user: SimulatedUser): StoredRecord {
  return { sys_id: user.sysId, user_name: user.username, name: user.name, email: user.email, time_zone: user.timeZone };
}

/**
 * Build the `sys_properties` rows the simulator serves (without system fields). The second one
 * states how the simulator treats conditions on unknown fields, which admins can change on an instance.
 */
export function sysPropertyRows(systemTimeZone: string): StoredRecord[] {
  return [
    {
      name: 'glide.sys.default.tz',
      value: systemTimeZone,
      type: 'timezone',
      description: 'System time zone, used for users who have none of their own',
    },
    {
      name: 'glide.invalid_query.returns_no_rows',
      value: 'false',
      type: 'boolean',
      description: 'Return no rows for a query with an invalid condition, instead of dropping the condition',
    },
  ];
}
