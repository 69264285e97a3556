/**
 * Operations on issues: creates, edits, transitions with their post functions, comments, entity
 * properties and JSM approvals. The REST routes and the test helpers both go through this class,
 * so a change a person makes in a test runs the same rules as one the connector makes.
 */

import { isDeepStrictEqual } from 'node:util';

import { DEFAULT_PRIORITY_ID } from './catalog.js';
import { changeItems } from './changelog.js';
import { commentVisibility, type IssueChanges, type NewComment, readFieldWrites, type WriteRejection } from './field-writes.js';
import type { ApprovalRecord, CommentRecord, IssueEntry, IssueRecord, IssueStore } from './issue-store.js';
import type { ProjectDefinition } from './projects.js';
import { MESSAGES } from './responses.js';
import type { JiraSite } from './site.js';
import type { SimulatedJiraUser } from './users.js';
import { approvalTransition, availableTransitions, type TransitionDefinition } from './workflows.js';

/** A request that Jira rejects, with the error status and body. */
export interface Rejection extends WriteRejection {
  status: number;
}

/** The outcome of the `transition` part of a create request, as the 201 response reports it. */
export interface CreateTransitionOutcome {
  status: number;
  errorCollection: WriteRejection;
}

/** Settings of JSM approvals. */
export interface ApprovalSettings {
  /** Logins of the users asked to approve each change. */
  approvers: string[];
  /** Approvals needed to approve; one decline always declines. */
  requiredApprovals: number;
}

export class IssueService {
  constructor(
    private readonly site: JiraSite,
    private readonly store: IssueStore,
    /** Time of writes (created, updated), epoch milliseconds. */
    private readonly clock: () => number,
    /** Real time, for the search lag. */
    private readonly realNow: () => number,
    readonly approvalSettings: ApprovalSettings,
  ) {}

  /**
   * Create an issue from a `POST /rest/api/{v}/issue` body. A `transition` in the body is taken
   * right after the create. Its failure does not undo the create but is reported in the response.
   */
  createIssue(
    body: unknown,
    user: SimulatedJiraUser,
    apiVersion: '2' | '3',
  ): { entry: IssueEntry; transition?: CreateTransitionOutcome } | { rejection: Rejection } {
    if (!isObject(body) || !isObject(body.fields)) {
      return { rejection: { status: 400, errorMessages: [MESSAGES.invalidBody], errors: {} } };
    }
    const fields = body.fields;

    const projectReference = isObject(fields.project) ? String(fields.project.key ?? fields.project.id ?? '') : '';
    const project = projectReference === '' ? undefined : this.site.project(projectReference);
    if (project === undefined) {
      return { rejection: { status: 400, errorMessages: [], errors: { project: MESSAGES.projectInvalid } } };
    }

    if (!isObject(fields.issuetype)) {
      return { rejection: { status: 400, errorMessages: [], errors: { issuetype: MESSAGES.issueTypeMissing } } };
    }
    const typeReference = String(fields.issuetype.id ?? fields.issuetype.name ?? '');
    const issueType = project.issueTypes.find((type) => type.id === typeReference || type.name === typeReference);
    if (issueType === undefined) {
      return { rejection: { status: 400, errorMessages: [], errors: { issuetype: MESSAGES.issueTypeInvalid } } };
    }

    const read = readFieldWrites(this.site, { kind: 'create', project, issueType }, apiVersion, fields, body.update);
    if ('rejection' in read) {
      return { rejection: { status: 400, ...read.rejection } };
    }
    const { changes } = read;

    const now = this.clock();
    const { id, key } = this.store.allocateIssue(project.key);
    const workflow = this.site.workflowForIssueType(issueType.id);
    const record: IssueRecord = {
      id,
      key,
      projectId: project.id,
      issueTypeId: issueType.id,
      statusId: workflow.initialStatusId,
      resolutionId: null,
      priorityId: changes.priorityId === undefined ? DEFAULT_PRIORITY_ID : changes.priorityId,
      summary: changes.summary ?? '',
      labels: changes.labels ?? [],
      creator: user.login,
      reporter: changes.reporter === undefined ? user.login : changes.reporter,
      assignee: changes.assignee ?? null,
      created: now,
      updated: now,
      resolutionDate: null,
      statusCategoryChanged: now,
      values: { ...changes.values },
      history: [],
    };
    const entry = this.store.insert(record, this.realNow());

    if (Array.isArray(body.properties)) {
      for (const property of body.properties) {
        if (isObject(property) && typeof property.key === 'string') {
          entry.properties.set(property.key, structuredClone(property.value));
        }
      }
    }

    if (!isObject(body.transition)) {
      return { entry };
    }
    const rejection = this.transition(entry, { transition: body.transition }, user, apiVersion);
    return {
      entry,
      transition: { status: rejection?.status ?? 200, errorCollection: { errorMessages: rejection?.errorMessages ?? [], errors: rejection?.errors ?? {} } },
    };
  }

  /** Edit an issue from a `PUT /rest/api/{v}/issue/{key}` body. Returns the rejection, if any. */
  editIssue(entry: IssueEntry, body: unknown, user: SimulatedJiraUser, apiVersion: '2' | '3'): Rejection | undefined {
    if (!isObject(body)) {
      return { status: 400, errorMessages: [MESSAGES.invalidBody], errors: {} };
    }

    const project = this.projectOf(entry.record);
    const read = readFieldWrites(this.site, { kind: 'edit', project, record: entry.record }, apiVersion, body.fields, body.update);
    if ('rejection' in read) {
      return { status: 400, ...read.rejection };
    }

    this.applyChanges(entry, read.changes, user);
    return undefined;
  }

  /** The transitions an agent can take from the issue's current status. */
  transitions(entry: IssueEntry): TransitionDefinition[] {
    return availableTransitions(this.site.workflowOf(entry.record), entry.record.statusId);
  }

  /**
   * Take a transition from a `POST .../transitions` body (`{transition: {id}, fields?, update?}`).
   * Returns the rejection, if any.
   */
  transition(entry: IssueEntry, body: unknown, user: SimulatedJiraUser, apiVersion: '2' | '3'): Rejection | undefined {
    if (!isObject(body) || !isObject(body.transition) || body.transition.id === undefined) {
      return { status: 400, errorMessages: [MESSAGES.transitionMissing], errors: {} };
    }

    const requested = String(body.transition.id);
    const transition = this.transitions(entry).find((candidate) => candidate.id === requested);
    if (transition === undefined) {
      return { status: 400, errorMessages: [MESSAGES.transitionNotValid(requested)], errors: {} };
    }

    const project = this.projectOf(entry.record);
    const read = readFieldWrites(
      this.site,
      { kind: 'transition', project, record: entry.record, screen: transition.screen },
      apiVersion,
      body.fields,
      body.update,
    );
    if ('rejection' in read) {
      return { status: 400, ...read.rejection };
    }

    this.applyTransition(entry, transition, read.changes, user);
    return undefined;
  }

  /** Add a comment. Its body must already be in the site's format. */
  addComment(entry: IssueEntry, comment: NewComment, user: SimulatedJiraUser): CommentRecord {
    const now = this.clock();
    const record = this.storeComment(entry, comment, user, now);
    entry.record.updated = now;
    this.store.reindex(entry, this.realNow());
    return record;
  }

  /** Return whether a comment made through the platform API with these `properties` is public in the portal. */
  commentVisibility(entry: IssueEntry, properties: unknown): boolean {
    return commentVisibility(this.projectOf(entry.record), properties);
  }

  projectOf(record: IssueRecord): ProjectDefinition {
    return this.site.projectById(record.projectId);
  }

  /**
   * Record an approver's decision on a pending approval. When it decides the approval, the
   * workflow's approval transition runs as the approver. Returns an explanation when the user
   * cannot answer the approval.
   */
  decideApproval(entry: IssueEntry, approval: ApprovalRecord, user: SimulatedJiraUser, decision: 'approved' | 'declined'): string | undefined {
    const workflow = this.site.workflowOf(entry.record);
    const approver = approval.approvers.find((candidate) => candidate.login === user.login);

    if (approver === undefined) {
      const names = approval.approvers.map((candidate) => candidate.login).join(', ') || 'none';
      return `${user.login} is not an approver of approval ${approval.id} (approvers: ${names}).`;
    }
    if (approval.finalDecision !== 'pending') {
      return `approval ${approval.id} is already ${approval.finalDecision}.`;
    }
    if (approver.decision !== 'pending') {
      return `${user.login} already answered approval ${approval.id} (${approver.decision}).`;
    }
    if (entry.record.statusId !== workflow.approvalStatusId) {
      return `${entry.record.key} is in ${this.site.status(entry.record.statusId).name}, no longer waiting for this approval.`;
    }

    const now = this.clock();
    approver.decision = decision;
    const approvedCount = approval.approvers.filter((candidate) => candidate.decision === 'approved').length;
    if (decision === 'declined') {
      approval.finalDecision = 'declined';
    } else if (approvedCount >= approval.requiredApprovals) {
      approval.finalDecision = 'approved';
    }

    if (approval.finalDecision === 'pending') {
      entry.record.updated = now;
      this.store.reindex(entry, this.realNow());
      return undefined;
    }

    approval.completed = now;
    const transition = approvalTransition(workflow, approval.finalDecision);
    if (transition !== undefined) {
      this.applyTransition(entry, transition, { values: {}, comments: [] }, user);
    }
    return undefined;
  }

  /** Apply an edit's changes. `updated` moves only when a value really changes or a comment is added, as in Jira. */
  private applyChanges(entry: IssueEntry, changes: IssueChanges, user: SimulatedJiraUser): void {
    const record = entry.record;
    const before = structuredClone(record);
    const now = this.clock();

    this.assignChanges(record, changes);
    for (const comment of changes.comments) {
      this.storeComment(entry, comment, user, now);
    }

    const { updated: _previousUpdate, ...beforeValues } = before;
    const { updated: _currentUpdate, ...afterValues } = record;
    const changed = !isDeepStrictEqual(beforeValues, afterValues);
    if (changed) {
      this.recordHistory(before, record, user, now);
    }
    if (changes.comments.length > 0 || changed) {
      record.updated = now;
      this.store.reindex(entry, this.realNow());
    }
  }

  /** Add a changelog entry for what changed between `before` and `record`, if anything did. */
  private recordHistory(before: IssueRecord, record: IssueRecord, user: SimulatedJiraUser, now: number): void {
    const items = changeItems(this.site, before, record);
    if (items.length > 0) {
      record.history.push({ id: this.store.allocateHistoryId(), author: user.login, created: now, items });
    }
  }

  /** Take a transition: set the status, run its post functions, and start a JSM approval on entering the approval status. */
  private applyTransition(entry: IssueEntry, transition: TransitionDefinition, changes: IssueChanges, user: SimulatedJiraUser): void {
    const record = entry.record;
    const before = structuredClone(record);
    const now = this.clock();
    const previousCategory = this.site.status(record.statusId).category;

    this.assignChanges(record, changes);
    if (transition.resolution !== undefined && changes.resolutionId === undefined) {
      record.resolutionId = transition.resolution;
    }
    if (record.resolutionId === null) {
      record.resolutionDate = null;
    } else if (record.resolutionDate === null) {
      record.resolutionDate = now;
    }

    record.statusId = transition.to;
    if (this.site.status(transition.to).category !== previousCategory) {
      record.statusCategoryChanged = now;
    }
    for (const comment of changes.comments) {
      this.storeComment(entry, comment, user, now);
    }
    this.recordHistory(before, record, user, now);
    record.updated = now;

    const workflow = this.site.workflowOf(record);
    if (transition.to === workflow.approvalStatusId) {
      this.startApproval(entry, now);
    }
    this.store.reindex(entry, this.realNow());
  }

  private startApproval(entry: IssueEntry, now: number): void {
    const { approvers, requiredApprovals } = this.approvalSettings;
    entry.approvals.push({
      id: this.store.allocateApprovalId(),
      name: this.site.status(entry.record.statusId).name,
      finalDecision: 'pending',
      approvers: approvers.map((login) => ({ login, decision: 'pending' })),
      requiredApprovals: Math.max(1, Math.min(requiredApprovals, approvers.length)),
      created: now,
      completed: null,
    });
  }

  private assignChanges(record: IssueRecord, changes: IssueChanges): void {
    if (changes.summary !== undefined) record.summary = changes.summary;
    if (changes.labels !== undefined) record.labels = changes.labels;
    if (changes.priorityId !== undefined) record.priorityId = changes.priorityId;
    if (changes.resolutionId !== undefined) record.resolutionId = changes.resolutionId;
    if (changes.reporter !== undefined) record.reporter = changes.reporter;
    if (changes.assignee !== undefined) record.assignee = changes.assignee;
    Object.assign(record.values, changes.values);
  }

  private storeComment(entry: IssueEntry, comment: NewComment, user: SimulatedJiraUser, now: number): CommentRecord {
    const record: CommentRecord = {
      id: this.store.allocateCommentId(),
      body: comment.body,
      author: user.login,
      updateAuthor: user.login,
      created: now,
      updated: now,
      jsdPublic: comment.jsdPublic,
    };
    entry.comments.push(record);
    return record;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
