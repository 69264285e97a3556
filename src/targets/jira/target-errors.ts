import type { JiraTransition } from './client.js';

/**
 * A mapping asks for something the Jira project cannot take (a status no transition reaches, a
 * missing issue type). Retrying cannot help: the message names what to change.
 */
export class JiraMappingError extends Error {
  readonly retryable = false;

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'JiraMappingError';
  }
}

/** No transition path leads from the issue's status to the status the mapping asks for. */
export class JiraWorkflowError extends JiraMappingError {
  constructor(
    readonly issue: string,
    readonly from: string,
    readonly target: string,
    available: readonly JiraTransition[],
    reason: string,
  ) {
    const choices = available.map((transition) => `"${transition.name}" → ${transition.to.name}`).join(', ');
    super(
      'status',
      `Cannot move ${issue} from "${from}" to "${target}": ${reason}.` +
        (choices === '' ? '' : ` Transitions available from "${from}": ${choices}.`) +
        ' Check the status name in the mapping against the project workflow (statuses are matched by name, without regard to case).',
    );
    this.name = 'JiraWorkflowError';
  }
}
