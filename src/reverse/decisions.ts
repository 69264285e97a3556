import type { ChangedTicket, ItsmChangeFeed, ItsmTarget, WritebackAction } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { ExpressionBindings, ReverseRule } from '../rules/sync-rule.js';
import type { Link, StateStore } from '../state/store.js';

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
  const signal = approve ? 'Approve' : 'Reject';
  const approvals = (await context.feed?.listApprovals?.(link.ticket)) ?? [];
  const approval = approvals
    .filter((candidate) => candidate.state === (approve ? 'approved' : 'rejected'))
    .sort((left, right) => left.decidedAt.localeCompare(right.decidedAt))
    .at(-1);
  const approver = approval?.approver || ticket.updatedBy;
  const comment = await decision.comment.evaluate(
    { ...input, signal, approver, approverName: approval?.approverName ?? '', approvalComment: approval?.comment ?? '' },
    bindings,
  );
  const commentText = typeof comment === 'string' ? comment : '';

  const claimed = await context.store.claimDecision({
    executionId,
    decisionKind: 'approval',
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

  const key = { executionId, decisionKind: 'approval' as const };
  try {
    await context.send(link, { signal: { type: signal, comment: commentText } });
  } catch (error) {
    const failure = error as Error & SignalFailure;
    const status = failure.retryable === false ? 'refused' : 'failed';
    await context.store.completeDecision(key, { status, errorCode: failure.errorCode, reason: failure.reason ?? failure.message, completedAt: context.now() });
    context.logger.warn(
      { audit: 'decision', executionId, ticket: link.ticket.number, signal, approver, status, errorCode: failure.errorCode },
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
    { audit: 'decision', executionId, ticket: link.ticket.number, signal, approver, decidedAt: approval?.decidedAt ?? ticket.updatedAt },
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
