/** Checks of the ServiceNowClient settings, with errors that name the option and the fix. */

import { checkBaseUrl, readNonNegativeInteger as readSetting } from '../http/settings.js';
import { ServiceNowConfigError } from './errors.js';

/** Check the instance URL and return it without a trailing slash. */
export function normalizeInstanceUrl(instanceUrl: string): string {
  return checkBaseUrl(
    instanceUrl,
    {
      label: 'ServiceNow instance URL',
      example: 'https://acme.service-now.com',
      credentialSettings: 'SERVICENOW_USERNAME/SERVICENOW_PASSWORD or the OAuth client settings',
    },
    (message) => new ServiceNowConfigError('instanceUrl', message),
  );
}

export function readNonNegativeInteger(option: string, value: number | undefined, fallback: number): number {
  return readSetting('ServiceNow', option, value, fallback, (message) => new ServiceNowConfigError(option, message));
}
