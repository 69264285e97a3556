/**
 * The Jira Service Management REST API (`/rest/servicedeskapi`) routes the simulator serves:
 * approvals of a request, and adding a request comment. A "request" is an issue of a service desk
 * project, named by key or id.
 */

import { textToAdf } from './adf.js';
import type { ApprovalRecord, IssueEntry } from './issue-store.js';
import type { IssueService } from './issue-service.js';
import type { ViewContext } from './issue-views.js';
import { type Answer, jsmErrorAnswer } from './responses.js';
import { formatJsmDate } from './time.js';
import { jsmUserJson, type SimulatedJiraUser } from './users.js';

const DEFAULT_PAGE_LIMIT = 50;
const MAX_PAGE_LIMIT = 100;
/** JSM's limit on comment bodies, the same as for platform comments. */
const COMMENT_LIMIT = 32_767;

/** Render an approval as the JSM API shows it to `viewer`. */
export function approvalJson(view: ViewContext, entry: IssueEntry, approval: ApprovalRecord, viewer: SimulatedJiraUser): Record<string, unknown> {
  const { site } = view;
  const waiting = entry.record.statusId === site.workflowOf(entry.record).approvalStatusId;
  const viewerDecision = approval.approvers.find((approver) => approver.login === viewer.login)?.decision;

  const json: Record<string, unknown> = {
    id: approval.id,
    name: approval.name,
    finalDecision: approval.finalDecision,
    canAnswerApproval: waiting && approval.finalDecision === 'pending' && viewerDecision === 'pending',
    approvers: approval.approvers.map((approver) => {
      const user = site.users.find(approver.login);
      return {
        approver: user === undefined ? { displayName: approver.login } : jsmUserJson(user, site.deployment, view.baseUrl),
        approverDecision: approver.decision,
      };
    }),
    createdDate: formatJsmDate(approval.created, view.timeZone),
    _links: { self: `${view.baseUrl}/rest/servicedeskapi/request/${entry.record.id}/approval/${approval.id}` },
  };
  if (approval.completed !== null) {
    json.completedDate = formatJsmDate(approval.completed, view.timeZone);
  }
  return json;
}

/** The inputs of a JSM route. */
export interface JsmRouteContext {
  view: ViewContext;
  service: IssueService;
  user: SimulatedJiraUser;
  query: URLSearchParams;
  body: unknown;
  findRequest(idOrKey: string): IssueEntry | undefined;
}

/** `GET /rest/servicedeskapi/request/{issueIdOrKey}/approval`: the request's approvals, paged with start and limit. */
export function listApprovals(context: JsmRouteContext, idOrKey: string): Answer {
  const entry = findServiceRequest(context, idOrKey);
  if ('answer' in entry) {
    return entry.answer;
  }

  const start = Number(context.query.get('start') ?? '0');
  const limit = Number(context.query.get('limit') ?? String(DEFAULT_PAGE_LIMIT));
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(limit) || limit < 1) {
    return jsmErrorAnswer(400, 'The start parameter must be 0 or more and the limit parameter 1 or more.', 'sd.rest.paging.invalid');
  }
  const pageLimit = Math.min(limit, MAX_PAGE_LIMIT);

  const approvals = entry.entry.approvals;
  const values = approvals.slice(start, start + pageLimit).map((approval) => approvalJson(context.view, entry.entry, approval, context.user));
  const isLastPage = start + pageLimit >= approvals.length;
  const self = `${context.view.baseUrl}/rest/servicedeskapi/request/${idOrKey}/approval`;
  const links: Record<string, string> = { base: context.view.baseUrl, context: '', self };
  if (!isLastPage) {
    links.next = `${self}?start=${start + pageLimit}&limit=${pageLimit}`;
  }
  if (start > 0) {
    links.prev = `${self}?start=${Math.max(0, start - pageLimit)}&limit=${pageLimit}`;
  }

  return { status: 200, body: { _expands: [], size: values.length, start, limit: pageLimit, isLastPage, _links: links, values } };
}

/** `GET /rest/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}`. */
export function getApproval(context: JsmRouteContext, idOrKey: string, approvalId: string): Answer {
  const found = findApproval(context, idOrKey, approvalId);
  if ('answer' in found) {
    return found.answer;
  }
  return { status: 200, body: approvalJson(context.view, found.entry, found.approval, context.user) };
}

/** `POST /rest/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}` with `{decision: approve|decline}`. */
export function answerApproval(context: JsmRouteContext, idOrKey: string, approvalId: string): Answer {
  const found = findApproval(context, idOrKey, approvalId);
  if ('answer' in found) {
    return found.answer;
  }

  const decision = isObject(context.body) ? context.body.decision : undefined;
  if (decision !== 'approve' && decision !== 'decline') {
    return jsmErrorAnswer(
      400,
      `The decision ${JSON.stringify(decision ?? null)} is not valid. Send {"decision": "approve"} or {"decision": "decline"}.`,
      'sd.approval.error.invalid.decision',
    );
  }

  const problem = context.service.decideApproval(found.entry, found.approval, context.user, decision === 'approve' ? 'approved' : 'declined');
  if (problem !== undefined) {
    // NOTE: the status and wording of this rejection are not verified against JSM.
    return jsmErrorAnswer(403, `You cannot answer this approval: ${problem}`, 'sd.approval.error.cannot.answer');
  }
  return { status: 200, body: approvalJson(context.view, found.entry, found.approval, context.user) };
}

/**
 * `POST /rest/servicedeskapi/request/{issueIdOrKey}/comment` with `{body, public}`. The body is
 * plain text (wiki markup) on Cloud too; Cloud stores it as an ADF document.
 */
export function addRequestComment(context: JsmRouteContext, idOrKey: string): Answer {
  const found = findServiceRequest(context, idOrKey);
  if ('answer' in found) {
    return found.answer;
  }

  const body = isObject(context.body) ? context.body.body : undefined;
  if (typeof body !== 'string' || body.trim() === '') {
    return jsmErrorAnswer(400, 'The comment body is missing: send {"body": "text", "public": true|false}.', 'sd.comment.error.body.missing');
  }
  if (body.length > COMMENT_LIMIT) {
    return jsmErrorAnswer(400, `The comment is longer than ${COMMENT_LIMIT} characters.`, 'sd.comment.error.body.too.long');
  }
  const isPublic = !(isObject(context.body) && context.body.public === false);

  const stored = context.view.site.deployment === 'cloud' ? textToAdf(body) : body;
  const comment = context.service.addComment(found.entry, { body: stored, jsdPublic: isPublic }, context.user);

  return {
    status: 201,
    body: {
      _expands: ['attachment', 'renderedBody'],
      id: comment.id,
      body,
      public: isPublic,
      author: jsmUserJson(context.user, context.view.site.deployment, context.view.baseUrl),
      created: formatJsmDate(comment.created, context.view.timeZone),
      _links: { self: `${context.view.baseUrl}/rest/servicedeskapi/request/${found.entry.record.id}/comment/${comment.id}` },
    },
  };
}

function findServiceRequest(context: JsmRouteContext, idOrKey: string): { entry: IssueEntry } | { answer: Answer } {
  const entry = context.findRequest(idOrKey);
  if (entry === undefined || context.service.projectOf(entry.record).serviceDeskId === undefined) {
    // NOTE: the wording of JSM's 404 is not verified.
    return { answer: jsmErrorAnswer(404, 'Request does not exist or you do not have permission to see it.', 'sd.request.error.not.found') };
  }
  return { entry };
}

function findApproval(context: JsmRouteContext, idOrKey: string, approvalId: string): { entry: IssueEntry; approval: ApprovalRecord } | { answer: Answer } {
  const found = findServiceRequest(context, idOrKey);
  if ('answer' in found) {
    return found;
  }
  const approval = found.entry.approvals.find((candidate) => candidate.id === approvalId);
  if (approval === undefined) {
    return { answer: jsmErrorAnswer(404, `The approval ${approvalId} does not exist on this request.`, 'sd.approval.error.not.found') };
  }
  return { entry: found.entry, approval };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
