import type { ChangedTicket, ItsmChangeFeed, ItsmTarget, WritebackAction } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { ExpressionBindings, ReverseRule } from '../rules/sync-rule.js';
import type { DecisionKind, Link, StateStore } from '../state/store.js';

/** The parts of the way back that sending one decision uses. */
export interface DecisionContext {
  store: StateStore;
  target?: ItsmTarget;
  feed?: ItsmChangeFeed;
  logger: Logger;
  /** Sends the signal to the link's AWS record (the change request's Automation execution). */
  send(link: Link, action: WritebackAction): Promise<void>;
  now(): string;
}

/** The execution status in which Change Manager waits for approval to run while its calendar is closed. */
export const CALENDAR_OVERRIDE_STATUS = 'PendingChangeCalendarOverride';

/**
 * Return the decision AWS waits for on this link: the change's approval, or the calendar override
 * once the connector has asked the ticket's approvers for it. Undefined while AWS waits for an
 * override that the rule does not route (it is then decided in Change Manager).
 */
export function pendingDecisionKind(link: Link): DecisionKind | undefined {
  if (link.awsRecordStatus !== CALENDAR_OVERRIDE_STATUS) return 'approval';
  return link.calendarOverride === undefined ? undefined : 'calendar-override';
}

/** Return whether the decision AWS waits for on this link was sent already. */
export function decisionSent(link: Link): boolean {
  const kind = pendingDecisionKind(link);
  if (kind === undefined) return true;
  return kind === 'approval' ? link.decidedAt !== undefined : link.calendarOverride?.decidedAt !== undefined;
}

/** Record on the link that the decision of `kind` was sent at `now`. */
export function markDecided(link: Link, kind: DecisionKind, now: string): Link {
  if (kind === 'approval' || link.calendarOverride === undefined) return { ...link, decidedAt: now };
  return { ...link, calendarOverride: { ...link.calendarOverride, decidedAt: now } };
}

/** An AWS refusal that retrying cannot change (see the change request write-back). */
interface SignalFailure {
  retryable: boolean;
  errorCode?: string;
  reason?: string;
}

/**
 * Send the approval decision that the ticket holds, once per Automation execution.
 *
 * The decision is claimed in the state store before the signal is sent, so a decision read twice
 * (the poller's overlap, the webhook and the poller, two tasks on one store) is sent once. A
 * refusal that retrying cannot change (the execution no longer waits, the connector's role is not
 * an approver) is recorded and written to the ticket as a work note. Any other failure is recorded
 * as failed and thrown, so the next read tries again. Returns a short description of the write,
 * or undefined when there was nothing to send.
 */
export async function sendDecision(
  context: DecisionContext,
  decision: NonNullable<ReverseRule['decision']>,
  link: Link,
  ticket: ChangedTicket,
  bindings: ExpressionBindings,
): Promise<string | undefined> {
  const kind = pendingDecisionKind(link);
  if (kind === undefined) return undefined;

  const input = { ...Object.fromEntries(Object.entries(ticket.values)), number: ticket.ref.number, updatedBy: ticket.updatedBy };
  const approve = Boolean(await decision.approve.evaluate(input, bindings));
  const reject = !approve && Boolean(await decision.reject.evaluate(input, bindings));
  if (!approve && !reject) return undefined;

  const executionId = executionIdOf(link);
  if (executionId === undefined || link.ticket === undefined) {
    context.logger.warn({ rule: link.rule, ticket: ticket.ref.number }, `Cannot send the decision on ${ticket.ref.number}: the link does not know its Automation execution yet; the next AWS event for it fills this in`);
    return undefined;
  }

  // Who decided, and what they wrote, come from the approval records where the system has them.
  // A calendar override counts only approvals made after the connector asked for it: the ticket
  // still shows the change's first approval until its approvers decide again.
  const signal = approve ? 'Approve' : 'Reject';
  const earlier = new Set(kind === 'calendar-override' ? (link.calendarOverride?.earlierApprovals ?? []) : []);
  const approvals = ((await context.feed?.listApprovals?.(link.ticket)) ?? []).filter((candidate) => !earlier.has(candidate.id));
  const approval = approvals
    .filter((candidate) => candidate.state === (approve ? 'approved' : 'rejected'))
    .sort((left, right) => left.decidedAt.localeCompare(right.decidedAt))
    .at(-1);
  // A cancellation decides an override without an approval record; an approval needs one.
  if (kind === 'calendar-override' && approve && approval === undefined) return undefined;
  const approver = approval?.approver || ticket.updatedBy;
  const comment = await decision.comment.evaluate(
    { ...input, signal, approver, approverName: approval?.approverName ?? '', approvalComment: approval?.comment ?? '', calendarOverride: kind === 'calendar-override' },
    bindings,
  );
  const commentText = typeof comment === 'string' ? comment : '';

  const claimed = await context.store.claimDecision({
    executionId,
    decisionKind: kind,
    signal,
    ticketNumber: link.ticket.number,
    ticketUrl: link.ticket.url,
    approver,
    comment: commentText,
    decidedAt: approval?.decidedAt ?? ticket.updatedAt,
    claimedAt: context.now(),
    status: 'pending',
    rule: link.rule,
    correlation: link.correlation,
  });
  if (!claimed) return undefined;

  const key = { executionId, decisionKind: kind };
  try {
    await context.send(link, { signal: { type: signal, comment: commentText } });
  } catch (error) {
    const failure = error as Error & SignalFailure;
    const status = failure.retryable === false ? 'refused' : 'failed';
    await context.store.completeDecision(key, { status, errorCode: failure.errorCode, reason: failure.reason ?? failure.message, completedAt: context.now() });
    context.logger.warn(
      { audit: 'decision', executionId, decisionKind: kind, ticket: link.ticket.number, signal, approver, status, errorCode: failure.errorCode },
      `AWS did not take the ${signal} of ${link.ticket.number} for execution ${executionId}: ${failure.reason ?? failure.message}`,
    );
    if (status === 'failed') throw error;

    // The approvers learn on the change why AWS did not follow their decision.
    await context.target?.update(link.ticket, {}, {
      note: `itsm-sync could not send the ${signal} to AWS Automation execution ${executionId}: ${failure.reason ?? failure.message}. Retrying cannot help; act on the execution in AWS.`,
    });
    return `signal ${signal} refused`;
  }

  await context.store.completeDecision(key, { status: 'sent', completedAt: context.now() });
  context.logger.info(
    { audit: 'decision', executionId, decisionKind: kind, ticket: link.ticket.number, signal, approver, decidedAt: approval?.decidedAt ?? ticket.updatedAt },
    `Sent ${signal} for ${link.ticket.number} (decided by ${approver}) to Automation execution ${executionId}`,
  );
  return `signal ${signal}`;
}

/** Return the Automation execution behind a change request link; every format of it carries the same id. */
function executionIdOf(link: Link): string | undefined {
  for (const address of Object.values(link.awsRecords ?? {})) {
    if (address.writebackKey.executionId) return address.writebackKey.executionId;
  }
  return undefined;
}
