/** Errors that the Jira simulator's start function and test helpers throw. */

import { InvalidSimulatorOptionError } from '../option-error.js';

/** An option of `startJiraSimulator` that cannot be used, such as `projects` or `timeZone`. The message names the fix. */
export class InvalidJiraSimulatorOptionError extends InvalidSimulatorOptionError {
  override name = 'InvalidJiraSimulatorOptionError';
}

/** A test helper named an issue key or id that the simulator does not have. */
export class UnknownJiraIssueError extends Error {
  override name = 'UnknownJiraIssueError';

  constructor(readonly issue: string) {
    super(`The Jira simulator has no issue ${JSON.stringify(issue)}. Create it first, or check the key (keys look like SEC-1).`);
  }
}

/** A test helper named a user login that is not in the `users` option. */
export class UnknownJiraUserError extends Error {
  override name = 'UnknownJiraUserError';

  constructor(
    readonly login: string,
    knownLogins: readonly string[],
  ) {
    super(`The Jira simulator has no user ${JSON.stringify(login)}. Users: ${knownLogins.join(', ')}.`);
  }
}

/**
 * A test helper's write that Jira would reject with a 400, such as an edit without a summary. It
 * carries the body the REST API would send.
 */
export class JiraSimulatorRequestError extends Error {
  override name = 'JiraSimulatorRequestError';

  constructor(
    /** The helper's action, such as "edit of SEC-4". */
    readonly action: string,
    readonly errorMessages: readonly string[],
    readonly errors: Readonly<Record<string, string>>,
  ) {
    const details = [...errorMessages, ...Object.entries(errors).map(([field, message]) => `${field}: ${message}`)];
    super(`Jira would reject the ${action}: ${details.join('; ') || 'no reason given'}`);
  }
}

/** Thrown by `transitionTo` for a status that no chain of agent transitions reaches from the issue's status. */
export class WorkflowPathError extends Error {
  override name = 'WorkflowPathError';

  constructor(
    readonly issueKey: string,
    readonly fromStatus: string,
    readonly toStatus: string,
    /** Status names the issue can reach by agent transitions. */
    readonly reachableStatuses: readonly string[],
  ) {
    super(
      `${issueKey} cannot move from ${JSON.stringify(fromStatus)} to ${JSON.stringify(toStatus)} through its workflow. ` +
        `Reachable statuses: ${reachableStatuses.join(', ') || 'none'}. ` +
        'A status behind a JSM approval is reached with decideApproval.',
    );
  }
}

/** Thrown by `decideApproval` for a user who cannot answer the issue's approval. */
export class ApprovalDecisionError extends Error {
  override name = 'ApprovalDecisionError';

  constructor(
    readonly issueKey: string,
    readonly login: string,
    reason: string,
  ) {
    super(`${login} cannot decide the approval of ${issueKey}: ${reason}`);
  }
}
