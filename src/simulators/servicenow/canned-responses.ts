/**
 * Headers and bodies that the simulator sends, written to match responses of a real instance (Table
 * API documentation and captures). The integration tests compare them with recorded fixtures.
 */

import { createHash } from 'node:crypto';

/** Headers that a real instance sends with every Table API JSON response. */
export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json;charset=UTF-8',
  'X-Is-Logged-In': 'true',
  'Cache-control': 'no-cache,no-store,must-revalidate,max-age=-1',
  Pragma: 'no-store,no-cache',
  Expires: '0',
};

/** The Table API's error shape: `{"error":{"message","detail"},"status":"failure"}`. */
export interface ServiceNowErrorBody {
  error: { message: string; detail: string | null };
  status: 'failure';
}

/** Build a Table API error body. */
export function errorBody(message: string, detail: string | null): ServiceNowErrorBody {
  return { error: { message, detail }, status: 'failure' };
}

export const NOT_AUTHENTICATED = errorBody('User Not Authenticated', 'Required to provide Auth information');

/** Sent with a 401 by the instance (the exact realm text is not confirmed). */
export const WWW_AUTHENTICATE = 'BASIC realm="Service-now"';

/** 403 for a request the user's ACLs do not allow, such as a write to sys_user. */
export const ACL_DENIED = errorBody('User Not Authorized', 'Failed API level ACL Validation');

export const NO_RECORD = errorBody('No Record found', "Record doesn't exist or ACL restricts the record retrieval");

export function invalidTable(table: string): ServiceNowErrorBody {
  return errorBody(`Invalid table ${table}`, null);
}

/** A real instance swaps message and detail in this response; the simulator does the same. */
export function negativeOffset(offset: string): ServiceNowErrorBody {
  return errorBody(`offset is ${offset}`, 'Negative offset is not supported');
}

export const RATE_LIMITED = errorBody(
  'Rate limit exceeded',
  'Rate limit of 100 requests per hour for Table API exceeded',
);

export const INTERNAL_ERROR = errorBody('Internal server error', null);

export function invalidJson(): ServiceNowErrorBody {
  return errorBody('Exception while reading request', 'The payload is not valid JSON.');
}

export function unknownResource(path: string): ServiceNowErrorBody {
  return errorBody(`Requested URI does not represent any resource: ${path}`, null);
}

/** 403 for a write that lacks mandatory fields, listing each field's label as the instance does. */
export function dataPolicyException(missingLabels: readonly string[]): ServiceNowErrorBody {
  const lines = missingLabels.map((label) => `\t${label} is mandatory\n`).join('');
  return errorBody('Operation Failed', `Data Policy Exception: \n${lines}`);
}

/**
 * 403 for a write that a before business rule aborted (`current.setAbortAction(true)`). The rule's
 * own error message stays in the session and is not part of the response.
 *
 * NOTE: the rule's sys_id after `^` is derived from its name here; on an instance it is the
 * business rule record's sys_id.
 */
export function businessRuleAborted(table: string, rule: string): ServiceNowErrorBody {
  const ruleSysId = createHash('md5').update(`sys_script:${rule}`).digest('hex');
  return errorBody(
    'Operation Failed',
    `Operation against file '${table}' was aborted by Business Rule '${rule}^${ruleSysId}'. Business Rule Stack:${rule}`,
  );
}

/** The body `/oauth_token.do` sends for an unknown client or a wrong secret. */
export const OAUTH_ACCESS_DENIED = { error_description: 'access_denied', error: 'server_error' };

/** The page a hibernating developer instance sends for every URL, API paths included, with status 200. */
export const HIBERNATING_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <title>Instance Hibernating page</title>
    <style>
        body { background-color: #293D40; }
        h1 { margin: 150px 0 90px 0; color: rgb(255, 255, 255); }
        .instance-hibernating-page { max-width: 600px; margin: auto; padding: 10px; }
    </style>
</head>
<body>
    <div class="instance-hibernating-page">
        <h1>Your instance is hibernating</h1>
        <p class="information">Sign in to the site to wake your instance</p>
    </div>
</body>
</html>
`;
