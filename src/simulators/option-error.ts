/** An option of a simulator's start function that cannot be used. The message names the option and the fix. */
export class InvalidSimulatorOptionError extends Error {
  override name = 'InvalidSimulatorOptionError';

  constructor(
    /** The option at fault, such as `webhooks`, `projects` or `timeZone`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}
