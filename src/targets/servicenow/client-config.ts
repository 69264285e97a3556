/** Checks of the ServiceNowClient settings, with errors that name the option and the fix. */

import type { RetryPolicy } from '../http/backoff.js';
import { checkBaseUrl, readRequestSettings, type RequestSettings } from '../http/settings.js';
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

/** Check the timeout and retry settings and fill in their defaults. */
export function readServiceNowRequestSettings(settings: RequestSettings): { timeoutMs: number; retryPolicy: RetryPolicy } {
  return readRequestSettings('ServiceNow', settings, (option, message) => new ServiceNowConfigError(option, message));
}
