import { existsSync } from 'node:fs';

import { ConfigurationError, readSettings, type ReadSettingsOptions, type Settings } from '../config/env.js';

/**
 * Read the daemon's settings for a command, with a `.env` file in the working folder filling in
 * what the environment does not set. Invalid settings are written to `stderr`, one problem a line,
 * and give undefined: the command then exits 1.
 */
export function loadSettings(env: NodeJS.ProcessEnv, stderr: { write(text: string): unknown }, options: ReadSettingsOptions = {}): Settings | undefined {
  loadDotEnvFile();

  try {
    return readSettings(env, options);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
    return undefined;
  }
}

/**
 * Loads a `.env` file from the working folder into `process.env`, if there is one. Variables the
 * environment already sets keep their values. Every command that reads a setting calls this first,
 * so `validate` checks the same MAPPINGS_DIR that `run` would load.
 */
export function loadDotEnvFile(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
}
