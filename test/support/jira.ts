/**
 * Helpers for the end-to-end tests of the Jira target: the people who work issues in the Jira
 * simulator, counts of the requests it received, and waits that poll instead of sleeping.
 */
import type { JiraIssueView, JiraSimulator, RecordedJiraRequest } from '../../src/simulators/jira/index.js';
import { LOCAL_JIRA_APPROVER } from '../../src/simulators/local-stack.js';
import { readText } from '../../src/targets/jira/document.js';
import { Harness, JIRA_MAPPINGS, type HarnessOptions } from './harness.js';

export type JiraDeployment = 'cloud' | 'datacenter';

/**
 * Logins of the simulator's default people: Cloud logins are e-mail addresses, Data Center logins
 * user names. The agent works issues; the approver decides JSM approvals.
 */
export const AGENT = { cloud: 'avery.agent@example.com', datacenter: 'avery.agent' } as const;
export const APPROVER = LOCAL_JIRA_APPROVER;
/** Display names of those people, as notes in AWS name them. */
export const AGENT_NAME = 'Avery Agent';
export const APPROVER_NAME = 'Casey Example';

/**
 * Start the connector with the default Jira mappings against a Jira simulator of `deployment`. AWS
 * events are forwarded to the queue, so the echo of the connector's own write-back comes back too.
 */
export function startJiraHarness(
  deployment: JiraDeployment,
  jira: Omit<NonNullable<HarnessOptions['jira']>, 'deployment'> = {},
): Promise<Harness> {
  return Harness.start({ forwardAwsEvents: true, mappingsDir: JIRA_MAPPINGS, jira: { deployment, ...jira } });
}

/** Return the Jira simulator of a harness started with the `jira` option. */
export function jiraOf(harness: Harness): JiraSimulator {
  if (harness.jira === undefined) throw new Error('The harness was started without the jira option.');
  return harness.jira;
}

/** Return whether a request is a search (`POST /search`, `POST /search/jql`), which changes nothing. */
function isSearch(request: RecordedJiraRequest): boolean {
  return /\/search(\/jql)?$/.test(request.path);
}

/**
 * Requests that change data in Jira (creates, edits, transitions, comments, properties, approval
 * answers and Assets writes), failed ones included.
 */
export function jiraWrites(jira: JiraSimulator): RecordedJiraRequest[] {
  return jira.requests.filter((request) => request.method !== 'GET' && !isSearch(request) && request.path !== '/oauth/token' && !request.path.endsWith('/aql'));
}

/** Transitions the simulator carried out (`POST .../transitions` that returned 204). */
export function transitionsOf(jira: JiraSimulator, key: string): RecordedJiraRequest[] {
  const issue = jira.issue(key);
  return jira.requests.filter(
    (request) =>
      request.method === 'POST' &&
      request.status === 204 &&
      (request.path.endsWith(`/issue/${key}/transitions`) || (issue !== undefined && request.path.endsWith(`/issue/${issue.id}/transitions`))),
  );
}

/** Return the plain text of a comment or description, whether ADF (Cloud) or wiki markup (Data Center). */
export function plainText(value: unknown): string {
  return readText(value);
}

/** Return the texts of an issue's comments, oldest first. */
export function commentTexts(jira: JiraSimulator, key: string): string[] {
  return jira.comments(key).map((comment) => readText(comment.body));
}

/** Return the issue whose description mentions `text` (an AWS id); throws an error naming the issues there are. */
export function issueMentioning(jira: JiraSimulator, project: string, text: string): JiraIssueView {
  const issues = jira.issues(project);
  const found = issues.find((issue) => readText(issue.fields.description).includes(text));
  if (found === undefined) {
    throw new Error(`No ${project} issue mentions ${text}; issues: ${issues.map((issue) => `${issue.key} "${issue.fields.summary}"`).join(', ') || 'none'}`);
  }
  return found;
}

/** Poll `condition` every 100 ms until it holds, or fail after `timeoutMs` with `what` in the message. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
}

/**
 * Wait until Jira search shows the issue with the connector's labels: search lags behind creates,
 * and rebuilding links after a lost state store reads them through search.
 */
export async function waitUntilSearchable(harness: Harness, project: string, key: string): Promise<void> {
  const client = harness.connector.jira;
  if (client === undefined) throw new Error('The connector has no Jira client.');
  await waitFor(`Jira search shows ${key}`, async () => {
    for await (const issue of client.searchIssues(`project = "${project}" AND labels = "itsm-sync"`, ['labels'])) {
      if (issue.key === key) return true;
    }
    return false;
  });
}
