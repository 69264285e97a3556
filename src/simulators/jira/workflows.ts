/**
 * The workflows of the simulated site: which statuses an issue can be in, and the transitions
 * between them with their screens and post functions. A client never sets `status` directly.
 * It requests the transitions available from the current status and takes one, possibly several
 * in a row to reach a status further away.
 */

import type { WorkflowName } from './catalog.js';

/** A field on a transition screen. */
export interface ScreenField {
  fieldId: 'resolution' | 'assignee' | 'priority' | 'labels';
  required: boolean;
  /** Resolution id used when the request leaves the field out. Without one, a required field must be sent. */
  defaultResolutionId?: string;
}

/** A transition between statuses. */
export interface TransitionDefinition {
  id: string;
  name: string;
  /** Status ids the transition starts from, or `any` for a global transition. */
  from: readonly string[] | 'any';
  /** Status id the transition leads to. */
  to: string;
  screen: readonly ScreenField[];
  /**
   * The post function's effect on the resolution: set it to this resolution id, or clear it
   * (`null`). Undefined: the screen, if any, sets it, and otherwise it stays as it is.
   */
  resolution?: string | null;
  /**
   * Set for the transitions that only a JSM approval decision takes. Agents do not see them in
   * `GET .../transitions`, as a JSM approval step hides them behind its condition.
   */
  approvalDecision?: 'approved' | 'declined';
}

/** A workflow: its statuses, its start status and its transitions. */
export interface WorkflowDefinition {
  name: WorkflowName;
  initialStatusId: string;
  statusIds: readonly string[];
  transitions: readonly TransitionDefinition[];
  /** The status whose entry starts a JSM approval, if the workflow has one. */
  approvalStatusId?: string;
}

const RESOLUTION_DONE = '10000';
const RESOLUTION_WONT_DO = '10001';
const RESOLUTION_DECLINED = '10004';

/**
 * Incidents and service requests: Open → In Progress → Resolved → Closed, with Reopen from
 * Resolved or Closed. Resolving needs a resolution on the screen, with no default, so Resolved is
 * two hops from Open and Closed three.
 */
const INCIDENT_WORKFLOW: WorkflowDefinition = {
  name: 'incident',
  initialStatusId: '1',
  statusIds: ['1', '3', '5', '6', '4'],
  transitions: [
    { id: '21', name: 'Start progress', from: ['1', '4'], to: '3', screen: [] },
    { id: '11', name: 'Stop progress', from: ['3'], to: '1', screen: [] },
    { id: '31', name: 'Resolve issue', from: ['3', '4'], to: '5', screen: [{ fieldId: 'resolution', required: true }] },
    { id: '41', name: 'Close issue', from: ['5'], to: '6', screen: [] },
    { id: '51', name: 'Reopen issue', from: ['5', '6'], to: '4', screen: [], resolution: null },
  ],
};

/**
 * JSM changes: Open → (Planning) → Awaiting approval, where approvers decide: approval moves the
 * change to Awaiting implementation, a decline to Declined. Then Implementing → Completed, which
 * needs a resolution. Cancel is possible until implementation starts, and an approved change can
 * go back to Awaiting approval for a second approval round.
 */
const CHANGE_WORKFLOW: WorkflowDefinition = {
  name: 'change',
  initialStatusId: '1',
  statusIds: ['1', '10100', '10101', '10102', '10103', '10104', '10105', '10106'],
  approvalStatusId: '10101',
  transitions: [
    { id: '111', name: 'Plan', from: ['1'], to: '10100', screen: [] },
    { id: '121', name: 'Request approval', from: ['1', '10100'], to: '10101', screen: [] },
    { id: '131', name: 'Approve', from: ['10101'], to: '10102', screen: [], approvalDecision: 'approved' },
    { id: '141', name: 'Decline', from: ['10101'], to: '10105', screen: [], approvalDecision: 'declined', resolution: RESOLUTION_DECLINED },
    { id: '151', name: 'Implement', from: ['10102'], to: '10103', screen: [] },
    // Sites that route a second approval (a change freeze override) add a way back to approval.
    { id: '181', name: 'Request approval again', from: ['10102'], to: '10101', screen: [] },
    { id: '161', name: 'Complete', from: ['10103'], to: '10104', screen: [{ fieldId: 'resolution', required: true }] },
    { id: '171', name: 'Cancel', from: ['1', '10100', '10101', '10102'], to: '10106', screen: [], resolution: RESOLUTION_WONT_DO },
  ],
};

/**
 * Tasks: the simplified workflow of a new project, where every status can be reached from any
 * other by a global transition named after it. Done requires a resolution and defaults to Done.
 */
const TASK_WORKFLOW: WorkflowDefinition = {
  name: 'task',
  initialStatusId: '10000',
  statusIds: ['10000', '3', '10002', '10003'],
  transitions: [
    { id: '11', name: 'To Do', from: 'any', to: '10000', screen: [], resolution: null },
    { id: '21', name: 'In Progress', from: 'any', to: '3', screen: [], resolution: null },
    { id: '31', name: 'Done', from: 'any', to: '10002', screen: [{ fieldId: 'resolution', required: true, defaultResolutionId: RESOLUTION_DONE }] },
    { id: '41', name: 'Risk accepted', from: 'any', to: '10003', screen: [], resolution: RESOLUTION_WONT_DO },
  ],
};

export const WORKFLOWS: Readonly<Record<WorkflowName, WorkflowDefinition>> = {
  incident: INCIDENT_WORKFLOW,
  change: CHANGE_WORKFLOW,
  task: TASK_WORKFLOW,
};

/**
 * Return the transitions an agent can take from a status, in workflow order. A global transition
 * to the current status is left out, as Jira hides such looped transitions unless configured.
 */
export function availableTransitions(workflow: WorkflowDefinition, statusId: string): TransitionDefinition[] {
  return workflow.transitions.filter(
    (transition) =>
      transition.approvalDecision === undefined &&
      (transition.from === 'any' ? transition.to !== statusId : transition.from.includes(statusId)),
  );
}

/** Return the transition that a JSM approval decision takes from the approval status. */
export function approvalTransition(workflow: WorkflowDefinition, decision: 'approved' | 'declined'): TransitionDefinition | undefined {
  return workflow.transitions.find((transition) => transition.approvalDecision === decision);
}

/**
 * Find the shortest chain of agent transitions from one status to another (breadth-first).
 * Returns an empty list when the issue is already there, undefined when no chain exists, such as
 * to a status that only an approval decision reaches.
 */
export function transitionPath(workflow: WorkflowDefinition, fromStatusId: string, toStatusId: string): TransitionDefinition[] | undefined {
  const pathTo = new Map<string, TransitionDefinition[]>([[fromStatusId, []]]);
  const queue = [fromStatusId];

  for (let statusId = queue.shift(); statusId !== undefined; statusId = queue.shift()) {
    const path = pathTo.get(statusId) ?? [];
    if (statusId === toStatusId) {
      return path;
    }
    for (const transition of availableTransitions(workflow, statusId)) {
      if (!pathTo.has(transition.to)) {
        pathTo.set(transition.to, [...path, transition]);
        queue.push(transition.to);
      }
    }
  }
  return undefined;
}
