import { existsSync } from 'node:fs';

import { ConfigurationError, readSettings, type Settings } from '../config/env.js';

/**
 * Read the daemon's settings for a command, with a `.env` file in the working folder filling in
 * what the environment does not set. Invalid settings are written to `stderr`, one problem a line,
 * and give undefined: the command then exits 1.
 */
export function loadSettings(env: NodeJS.ProcessEnv, stderr: { write(text: string): unknown }): Settings | undefined {
  if (existsSync('.env')) process.loadEnvFile('.env');

  try {
    return readSettings(env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
    return undefined;
  }
}
