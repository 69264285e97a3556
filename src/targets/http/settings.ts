/** Checks of HTTP client settings, with messages that name the option and the fix. */

/** Words that make a base URL message specific to one product. */
export interface BaseUrlDescription {
  /** `ServiceNow instance URL`, `Jira base URL`. */
  label: string;
  /** A valid URL to show: `https://acme.service-now.com`. */
  example: string;
  /** The settings for credentials: `SERVICENOW_USERNAME/SERVICENOW_PASSWORD or the OAuth client settings`. */
  credentialSettings: string;
}

/**
 * Check a base URL and return it without a trailing slash. It must be http(s) and carry no
 * credentials, query string or fragment. A path is kept, such as a Jira Data Center context path or
 * `https://api.atlassian.com/ex/jira/<cloud id>`.
 *
 * @param fail builds the client's own configuration error from the message.
 */
export function checkBaseUrl(value: string, description: BaseUrlDescription, fail: (message: string) => Error): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail(`Invalid ${description.label} ${JSON.stringify(value)}: use the form ${description.example}.`);
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw fail(
      `Invalid ${description.label} ${JSON.stringify(value)}: the scheme must be https (or http for a local simulator).`,
    );
  }

  if (url.username !== '' || url.password !== '') {
    // Do not echo the URL: it contains a credential.
    throw fail(
      `Invalid ${description.label}: it contains a user name or password. Put credentials in ` +
        `${description.credentialSettings} instead.`,
    );
  }

  if (url.search !== '' || url.hash !== '') {
    throw fail(`Invalid ${description.label} ${JSON.stringify(value)}: remove the query string and fragment.`);
  }

  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Return `value`, or `fallback` when it is undefined, after checking that it is an integer of 0 or
 * more.
 *
 * @param product the product name in the message: `ServiceNow`, `Jira`.
 */
export function readNonNegativeInteger(
  product: string,
  option: string,
  value: number | undefined,
  fallback: number,
  fail: (message: string) => Error,
): number {
  if (value === undefined) {
    return fallback;
  }

  if (!Number.isInteger(value) || value < 0) {
    throw fail(`Invalid ${product} ${option} ${value}: it must be an integer of 0 or more.`);
  }

  return value;
}
