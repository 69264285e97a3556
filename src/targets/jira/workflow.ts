import type { Logger } from 'pino';

import type { JiraClient, JiraTransition } from './client.js';
import { JiraWorkflowError } from './target-errors.js';

/** Most workflows reach any status in two or three transitions; more means a wrong target. */
const MAX_HOPS = 8;

/** Order of Jira's status categories, from not started to finished. */
const CATEGORY_RANK: Record<string, number> = { new: 0, indeterminate: 1, done: 2 };

/** An issue on its way to a status, with what the walk needs to know of it. */
export interface IssueInWorkflow {
  /** Issue key or id. */
  issue: string;
  /** Project key and issue type, which together choose the workflow. */
  project: string;
  issueType: string;
  /** Name of the current status. */
  status: string;
}

/** The result of a walk: the transitions taken, in order, and the status reached. */
export interface WalkResult {
  transitions: string[];
  status: string;
}

/**
 * Moves issues to a status by name through the workflow's transitions.
 *
 * The Jira REST API shows only the transitions available from an issue's current status, not the
 * workflow. So the walk remembers every transition it has seen, per project, issue type and status,
 * and looks for the shortest known path. Where the path is not known yet, it takes the transition
 * that moves the issue toward the target's status category (new → in progress → done) and never
 * returns to a status it passed. Fields that a transition screen requires are taken from the fields
 * being written (`resolution`, for one), and only those the screen shows are sent.
 */
export class WorkflowWalker {
  private readonly learned = new Map<string, Map<string, JiraTransition>>();
  private readonly categories = new Map<string, string | undefined>();

  constructor(
    private readonly client: JiraClient,
    private readonly logger: Logger,
  ) {}

  /**
   * Move the issue to `target` (a status name, compared without regard to case). `screenFields` are
   * the values offered to transition screens. Returns the transitions taken and the status reached.
   */
  async moveTo(issue: IssueInWorkflow, target: string, screenFields: Record<string, unknown>): Promise<WalkResult> {
    const workflow = `${issue.project}|${issue.issueType}`;
    const taken: string[] = [];
    const visited = new Set([normalize(issue.status)]);
    let current = issue.status;

    while (normalize(current) !== normalize(target)) {
      if (taken.length >= MAX_HOPS) {
        throw new JiraWorkflowError(issue.issue, current, target, [], `no path found within ${MAX_HOPS} transitions`);
      }

      const available = await this.client.getTransitions(issue.issue);
      this.learn(workflow, current, available);
      const next = (await this.choose(workflow, available, target, visited)) ?? undefined;
      if (next === undefined) {
        throw new JiraWorkflowError(issue.issue, current, target, available, 'no available transition leads there');
      }

      const fields = screenValues(issue.issue, next, screenFields, current);
      await this.client.transitionIssue(issue.issue, next.id, Object.keys(fields).length > 0 ? fields : undefined);
      taken.push(`${next.name} → ${next.to.name}`);
      current = next.to.name;
      visited.add(normalize(current));
    }

    if (taken.length > 1) {
      this.logger.debug({ issue: issue.issue, target, transitions: taken }, `Moved ${issue.issue} to ${target} in ${taken.length} transitions`);
    }
    return { transitions: taken, status: current };
  }

  /** Record the transitions seen from a status, so later walks know the path. */
  private learn(workflow: string, from: string, transitions: JiraTransition[]): void {
    const key = `${workflow}|${normalize(from)}`;
    const known = this.learned.get(key) ?? new Map<string, JiraTransition>();
    for (const transition of transitions) {
      known.set(transition.id, transition);
      this.categories.set(normalize(transition.to.name), transition.to.statusCategory?.key);
    }
    this.learned.set(key, known);
  }

  private async choose(workflow: string, available: JiraTransition[], target: string, visited: Set<string>): Promise<JiraTransition | undefined> {
    const direct = available.find((transition) => normalize(transition.to.name) === normalize(target));
    if (direct !== undefined) return direct;

    const candidates = available.filter((transition) => !visited.has(normalize(transition.to.name)));

    // The shortest path through statuses whose transitions are known.
    let best: { transition: JiraTransition; hops: number } | undefined;
    for (const transition of candidates) {
      const hops = this.knownDistance(workflow, transition.to.name, target, visited);
      if (hops !== undefined && (best === undefined || hops < best.hops)) best = { transition, hops };
    }
    if (best !== undefined) return best.transition;

    // Otherwise head for the target's status category, through statuses of an earlier category.
    // Another status of the target's own category is a side branch (Canceled next to Completed),
    // taken only on the way to a status that is not finished.
    const targetCategory = await this.categoryOf(target);
    const targetRank = CATEGORY_RANK[targetCategory ?? ''];
    if (targetRank === undefined) return undefined;
    const ranked = candidates
      .map((transition) => ({ transition, rank: CATEGORY_RANK[transition.to.statusCategory?.key ?? ''] }))
      .filter((entry): entry is { transition: JiraTransition; rank: number } =>
        entry.rank !== undefined && (entry.rank < targetRank || (entry.rank === targetRank && targetCategory !== 'done')),
      )
      .sort((left, right) => right.rank - left.rank);
    return ranked[0]?.transition;
  }

  /** Breadth-first search over the learned transitions; undefined when no known path exists. */
  private knownDistance(workflow: string, from: string, target: string, visited: Set<string>): number | undefined {
    const queue: Array<{ status: string; hops: number }> = [{ status: normalize(from), hops: 1 }];
    const seen = new Set([...visited, normalize(from)]);
    while (queue.length > 0) {
      const { status, hops } = queue.shift()!;
      for (const transition of this.learned.get(`${workflow}|${status}`)?.values() ?? []) {
        const next = normalize(transition.to.name);
        if (next === normalize(target)) return hops + 1;
        if (!seen.has(next)) {
          seen.add(next);
          queue.push({ status: next, hops: hops + 1 });
        }
      }
    }
    return undefined;
  }

  /** Return the status category of a status name, read once per name (GET /status/{name}). */
  private async categoryOf(status: string): Promise<string | undefined> {
    const key = normalize(status);
    if (!this.categories.has(key)) {
      const found = await this.client.getStatus(status);
      this.categories.set(key, found?.statusCategory.key);
    }
    return this.categories.get(key);
  }
}

/**
 * Collect the values to send with one transition: every offered field that its screen shows. A required
 * field without a value and without a default stops the walk with an error that names it.
 */
function screenValues(issue: string, transition: JiraTransition, offered: Record<string, unknown>, from: string): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [field, meta] of Object.entries(transition.fields ?? {})) {
    if (offered[field] !== undefined) {
      values[field] = offered[field];
    } else if (meta.required && meta.hasDefaultValue !== true) {
      throw new JiraWorkflowError(
        issue,
        from,
        transition.to.name,
        [transition],
        `the transition "${transition.name}" requires the field ${field} ("${meta.name}"); add ${field} to the fields written with this status in the mapping`,
      );
    }
  }
  return values;
}

function normalize(status: string): string {
  return status.trim().toLowerCase();
}
