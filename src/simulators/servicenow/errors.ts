/** An option of `startServiceNowSimulator` that cannot be used. The message names the option and the fix. */
export class InvalidSimulatorOptionError extends Error {
  override name = 'InvalidSimulatorOptionError';

  constructor(
    /** The option at fault, such as `webhooks` or `systemTimeZone`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** A direct write (`insertRecord`, `updateRecord`) to a table that only the simulator's options fill. */
export class ReadOnlyTableError extends Error {
  override name = 'ReadOnlyTableError';

  constructor(readonly table: string) {
    super(
      `The ServiceNow simulator's ${table} table is read-only: its rows come from the users and systemTimeZone options.`,
    );
  }
}
