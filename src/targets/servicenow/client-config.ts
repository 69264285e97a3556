/** Checks of the ServiceNowClient settings, with errors that name the option and the fix. */

import { ServiceNowConfigError } from './errors.js';

/** Check the instance URL and return it without a trailing slash. */
export function normalizeInstanceUrl(instanceUrl: string): string {
  let url: URL;
  try {
    url = new URL(instanceUrl);
  } catch {
    throw new ServiceNowConfigError(
      'instanceUrl',
      `Invalid ServiceNow instance URL ${JSON.stringify(instanceUrl)}: use the form https://acme.service-now.com.`,
    );
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ServiceNowConfigError(
      'instanceUrl',
      `Invalid ServiceNow instance URL ${JSON.stringify(instanceUrl)}: the scheme must be https (or http for a local simulator).`,
    );
  }

  if (url.username !== '' || url.password !== '') {
    // Do not echo the URL: it contains a credential.
    throw new ServiceNowConfigError(
      'instanceUrl',
      'Invalid ServiceNow instance URL: it contains a user name or password. Put credentials in ' +
        'SERVICENOW_USERNAME/SERVICENOW_PASSWORD or the OAuth client settings instead.',
    );
  }

  if (url.search !== '' || url.hash !== '') {
    throw new ServiceNowConfigError(
      'instanceUrl',
      `Invalid ServiceNow instance URL ${JSON.stringify(instanceUrl)}: remove the query string and fragment.`,
    );
  }

  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function readNonNegativeInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }

  if (!Number.isInteger(value) || value < 0) {
    throw new ServiceNowConfigError(option, `Invalid ServiceNow ${option} ${value}: it must be an integer of 0 or more.`);
  }

  return value;
}
