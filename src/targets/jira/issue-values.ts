import type { ApprovalRecord } from '../../core/types.js';
import type { JiraClient, JiraDeployment, JiraIssue, JsmApproval } from './client.js';
import { simplifyFieldValue } from './values.js';

/**
 * A field that Jira does not have but mappings may read: the JSM approval's decision, `approved`,
 * `declined` or `pending`, or empty when the request has no approval. Reading it costs one call
 * to the JSM approvals API.
 */
export const APPROVAL_FIELD = 'approval';

/** Convert a Jira field value into the plain value that mappings read (see simplifyFieldValue). */
export function plainValue(deployment: JiraDeployment, field: string, value: unknown): unknown {
  return simplifyFieldValue(field, value, deployment);
}

/**
 * Read `fields` of an issue as plain values, the same way for the snapshot after a write and for
 * the change poller, so the two can be compared.
 */
export async function readIssueValues(client: JiraClient, issue: JiraIssue, fields: string[]): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    if (field === APPROVAL_FIELD) continue;
    values[field] = plainValue(client.deployment, field, issue.fields[field]);
  }
  if (fields.includes(APPROVAL_FIELD)) {
    values[APPROVAL_FIELD] = latestDecision(await client.listApprovals(issue.key));
  }
  return values;
}

/** Return the decision of the most recent approval: the one a change waits for or was decided by. */
function latestDecision(approvals: JsmApproval[]): string {
  const latest = [...approvals].sort((left, right) => approvalTime(left).localeCompare(approvalTime(right))).at(-1);
  return latest?.finalDecision ?? '';
}

function approvalTime(approval: JsmApproval): string {
  return approval.completedDate?.iso8601 ?? approval.createdDate?.iso8601 ?? '';
}

/** JSM decisions in the words of ServiceNow approval states, which the connector uses for every system. */
const APPROVAL_STATES: Record<string, ApprovalRecord['state']> = { approved: 'approved', declined: 'rejected', pending: 'requested' };

/** Convert JSM approvals into the connector's approval records. */
export function toApprovalRecords(approvals: JsmApproval[], deployment: JiraDeployment): ApprovalRecord[] {
  return approvals.map((approval) => {
    const decided = approval.approvers.find((entry) => entry.approverDecision !== 'pending');
    const person = decided?.approver;
    const state = APPROVAL_STATES[approval.finalDecision] ?? approval.finalDecision;
    return {
      id: String(approval.id),
      state,
      approver: (deployment === 'cloud' ? person?.accountId : (person?.name ?? person?.key)) ?? '',
      approverName: person?.displayName ?? '',
      // JSM approvals carry no comment; approvers comment on the request.
      comment: '',
      decidedAt: new Date(approval.completedDate?.epochMillis ?? approval.createdDate?.epochMillis ?? 0).toISOString(),
    };
  });
}
