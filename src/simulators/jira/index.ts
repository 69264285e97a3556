/**
 * An HTTP simulator of Jira Cloud and Jira Data Center with Jira Service Management, for the demo,
 * end-to-end tests and benchmarks.
 */
export {
  startJiraSimulator,
  type HelperCommentOptions,
  type JiraApprovalView,
  type JiraCommentView,
  type JiraIssueView,
  type JiraSimulator,
  type JiraSimulatorOptions,
  type JiraStatusView,
  type RecordedJiraRequest,
} from './server.js';
export {
  DEFAULT_CUSTOM_FIELDS,
  DEFAULT_ISSUE_TYPES,
  REQUEST_TYPE_FIELD_ID,
  type CustomFieldOptions,
  type WorkflowName,
} from './catalog.js';
export {
  ApprovalDecisionError,
  InvalidJiraSimulatorOptionError,
  JiraSimulatorRequestError,
  UnknownJiraIssueError,
  UnknownJiraUserError,
  WorkflowPathError,
} from './errors.js';
export type { FailNextOptions, RateLimitOptions } from './faults.js';
export { DEFAULT_PROJECTS, type JiraSimulatorProjectOptions, type RequestTypeOptions } from './projects.js';
export { CLOUD_FIELDS_MAX_RESULTS, CLOUD_ID_ONLY_MAX_RESULTS, DATA_CENTER_MAX_RESULTS } from './search.js';
export {
  DEFAULT_INTEGRATION_LOGIN,
  DEFAULT_INTEGRATION_SECRETS,
  defaultJiraUsers,
  type JiraDeployment,
  type JiraSimulatorUserOptions,
  type OAuthClientOptions,
  type SimulatedJiraUser,
} from './users.js';
export { WORKFLOWS, type TransitionDefinition, type WorkflowDefinition } from './workflows.js';
