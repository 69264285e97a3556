/**
 * Who may approve or reject an execution of the SSM simulator, and how the simulator matches the
 * caller of SendAutomationSignal against that list.
 */
import { resolveApprovers, type SimulatedDocument } from './automation-documents.js';
import type { OpsItemLocation } from './opsitem-store.js';

/** The approvers of an execution, and whether SendAutomationSignal checks the caller against them. */
export interface ApprovalPolicy {
  approvers: string[];
  /** When false, any caller may send Approve and Reject (the check is off for this execution). */
  enforced: boolean;
}

/**
 * Returns true when `caller` acts as `approver`: the same ARN, or an assumed-role session
 * (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) of the role `approver` names
 * (`arn:aws:iam::<account>:role/<path>/<role>`).
 */
export function isSamePrincipal(caller: string, approver: string): boolean {
  if (caller === approver) {
    return true;
  }
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(approver);
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(caller);
  if (role === null || session === null) {
    return false;
  }
  return role[1] === session[1] && role[2] === session[2] && role[3] === session[3];
}

/** Returns the approvers that the first `aws:approve` step of a document names, checked when there are any. */
export function approvalFromSteps(document: SimulatedDocument, parameters: Record<string, string[]>): ApprovalPolicy {
  const step = document.steps.find((candidate) => candidate.action === 'aws:approve');
  const approvers = step === undefined ? [] : (resolveApprovers(step, parameters) ?? []);
  return { approvers, enforced: approvers.length > 0 };
}

/**
 * Returns the approvers of a change request: those its template's approval step names, or else the
 * `Approver` and `ApproverType` parameters of Change Manager templates. An IAM user or role becomes
 * its ARN and is checked. The simulator cannot resolve the members of an IAM group or of IAM
 * Identity Center, so for those the check is off.
 */
export function approvalFromTemplate(template: SimulatedDocument, parameters: Record<string, string[]>, location: OpsItemLocation): ApprovalPolicy {
  const fromSteps = approvalFromSteps(template, parameters);
  if (fromSteps.enforced) {
    return fromSteps;
  }

  const approver = parameters.Approver?.[0];
  const type = parameters.ApproverType?.[0];
  if (approver === undefined || approver === '') {
    return { approvers: [], enforced: false };
  }
  const iam = `arn:${location.partition}:iam::${location.account}`;
  switch (type) {
    case 'IamUser':
      return { approvers: [approver.startsWith('arn:') ? approver : `${iam}:user/${approver}`], enforced: true };
    case 'IamRole':
      return { approvers: [approver.startsWith('arn:') ? approver : `${iam}:role/${approver}`], enforced: true };
    case 'IamGroup':
      return { approvers: [approver.startsWith('arn:') ? approver : `${iam}:group/${approver}`], enforced: false };
    default:
      return { approvers: [approver], enforced: false };
  }
}
