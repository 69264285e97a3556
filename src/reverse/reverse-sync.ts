import type {
  AwsWriteback,
  ChangedTicket,
  ChangeFeedIdentity,
  ItsmChangeFeed,
  ItsmTarget,
  SourceKind,
  SourceRecord,
  TargetSystem,
  TicketFields,
  TicketRef,
  WritebackAction,
} from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { SyncMetrics } from '../ops/metrics.js';
import type { ExpressionBindings, SyncRule } from '../rules/sync-rule.js';
import type { Link, StateStore } from '../state/store.js';
import type { SyncEngine } from '../sync/engine.js';
import { compactSeen, sameValue, seenValue, watchedFields } from '../sync/ticket-fields.js';
import { CALENDAR_OVERRIDE_STATUS, decisionSent, markDecided, pendingDecisionKind, sendDecision } from './decisions.js';

/** The result kind of one read of a ticket. Each outcome is one log line and one metric count. */
export type ReverseOutcome =
  /** No link has this ticket: not ours, or made by a rule that is no longer loaded. */
  | 'unlinked'
  /** The rule syncs one way only. */
  | 'one-way'
  /** This version of the ticket was handled already (the poller's overlap, or the webhook). */
  | 'seen'
  /** No change by a person: the connector's own write, or an edit to a field no rule reads. */
  | 'no-change'
  /** A person's change was applied to the link and, where the mapping maps it, to AWS. */
  | 'applied';

/** The result of one read of a ticket. */
export interface ReverseResult {
  outcome: ReverseOutcome;
  rule?: string;
  /** The writes made to AWS, such as `status RESOLVED` or `journal 2`. */
  writes: string[];
}

export interface ReverseSyncOptions {
  engine: SyncEngine;
  store: StateStore;
  targets: Partial<Record<TargetSystem, ItsmTarget>>;
  feeds: Partial<Record<TargetSystem, ItsmChangeFeed>>;
  writebacks: Partial<Record<SourceKind, AwsWriteback>>;
  logger: Logger;
  metrics?: SyncMetrics;
  clock?: () => Date;
  /** Called after each read of a ticket; the demo and tests use it. */
  onResult?: (ticket: ChangedTicket, result: ReverseResult) => void;
}

/** How many journal entry ids a link remembers; the oldest are forgotten first. */
const MAX_REMEMBERED_ENTRIES = 1_000;

/**
 * The way back: applies what people did on a ticket to its AWS record, through the reverse
 * section of the ticket's sync rule.
 *
 * A change is a value that differs from what the link store recorded of the ticket. The connector's
 * own writes update that knowledge as they are made, so they are never taken for changes. Two
 * edits by people are both changes, however close together. Each ticket version is handled once,
 * whether the poller or the webhook reads it, and under the same lease as the AWS-side sync.
 */
export class ReverseSync {
  private readonly identities = new Map<TargetSystem, ChangeFeedIdentity>();
  private readonly clock: () => Date;

  constructor(private readonly options: ReverseSyncOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Record who the connector is in an ITSM system, so its own journal entries are not sent back. */
  setIdentity(system: TargetSystem, identity: ChangeFeedIdentity): void {
    this.identities.set(system, identity);
  }

  /** Handle one read of a ticket. Throws when AWS or the ITSM system failed; a later read retries. */
  async apply(system: TargetSystem, ticket: ChangedTicket): Promise<ReverseResult> {
    const link = await this.options.store.getLink(ticket.correlation);
    const rule = link === undefined ? undefined : this.options.engine.ruleNamed(link.rule);

    let result: ReverseResult;
    if (link?.ticket === undefined || link.ticket.id !== ticket.ref.id || rule === undefined) {
      result = { outcome: 'unlinked', writes: [] };
    } else if (rule.reverse === undefined) {
      result = { outcome: 'one-way', rule: rule.name, writes: [] };
    } else if (link.itsm?.version !== undefined && ticket.version <= link.itsm.version) {
      // Most reads are versions handled already (the connector's own writes, the poll overlap):
      // they need no lease. The check is repeated under the lease for the others.
      result = { outcome: 'seen', rule: rule.name, writes: [] };
    } else {
      result = await this.options.engine.withLease(ticket.correlation, () => this.applyUnderLease(system, ticket, rule));
    }

    this.report(system, ticket, result);
    return result;
  }

  private async applyUnderLease(system: TargetSystem, ticket: ChangedTicket, rule: SyncRule): Promise<ReverseResult> {
    const reverse = rule.reverse!;
    // Read again under the lease: an AWS-side sync may have written the ticket meanwhile.
    const link = await this.options.store.getLink(ticket.correlation);
    if (link === undefined) return { outcome: 'unlinked', writes: [] };

    const known = link.itsm;
    if (known?.version !== undefined && ticket.version <= known.version) {
      return { outcome: 'seen', rule: rule.name, writes: [] };
    }

    const target = this.options.targets[system];
    const watched = target === undefined ? reverse.fields : (watchedFields(rule, target) ?? reverse.fields);
    const changed = watched.filter((field) => !sameValue(ticket.values[field], seenValue(link, field)));

    const now = this.clock().toISOString();
    const bindings: ExpressionBindings = { rule: rule.name, now, ticket: link.ticket };
    const writes: string[] = [];
    let updated: Link = {
      ...link,
      itsm: { version: ticket.version, seen: compactSeen(Object.fromEntries(watched.map((field) => [field, ticket.values[field]])), link.written) },
    };

    // A link without a known version (made before the way back existed, or rebuilt after the
    // store was lost) has nothing reliable to compare with, so its first read only records what
    // the ticket holds. Otherwise every mapped value would look like a person's change.
    if (known?.version === undefined) {
      if (reverse.journal !== undefined) {
        const sent = await this.syncJournal(system, updated, reverse.journal, bindings, true);
        updated = { ...updated, journalSynced: sent.ids };
      }
      await this.options.store.putLink({ ...updated, updatedAt: now });
      return { outcome: 'no-change', rule: rule.name, writes: [] };
    }

    // Status and lifecycle follow the reverse fields only. A change to a field AWS owns is kept in
    // `itsm.seen`, so the next AWS-side write finds it and notes what it replaces.
    if (changed.some((field) => reverse.fields.includes(field))) {
      const input = reverseInput(reverse, ticket);
      const closed = Boolean(await reverse.closed.evaluate(input, bindings));
      const status = reverse.status === undefined ? undefined : await reverse.status.evaluate(input, bindings);

      if (typeof status === 'string' && status !== '' && status !== link.awsStatus) {
        const note = reverse.note === undefined ? undefined : await reverse.note.evaluate(input, bindings);
        await this.writeToAws(updated, { status, note: typeof note === 'string' ? note : undefined });
        writes.push(`status ${status}`);

        // Someone in AWS changed the status since itsm-sync last wrote it: the ticket owns the
        // status and wins, and the value it replaced is kept on the ticket.
        const inAws = link.awsRecordStatus;
        if (link.awsStatus !== undefined && inAws !== undefined && inAws !== link.awsStatus && inAws !== status) {
          updated = await this.noteOnTicket(
            system,
            updated,
            `itsm-sync: the ${link.kind} status was changed in AWS to ${inAws} since the last sync. This ticket owns the status, so AWS now shows ${status}.`,
          );
        }
        updated = { ...updated, awsStatus: status, awsRecordStatus: status };
      }

      if (reverse.decision !== undefined) {
        const kind = pendingDecisionKind(updated);
        const sent = await this.decide(system, updated, reverse.decision, ticket, bindings);
        if (sent !== undefined && kind !== undefined) {
          writes.push(sent);
          updated = markDecided(updated, kind, now);
        }
      }

      if (closed && link.status === 'open') {
        updated = { ...updated, status: 'resolved', resolvedBy: 'itsm', resolvedAt: now, recordResolvedSinceClose: false };
      } else if (!closed && link.status === 'resolved') {
        // Reopened by a person: the ticket is in play again.
        updated = { ...updated, status: 'open', resolvedBy: undefined, resolvedAt: undefined, recordResolvedSinceClose: undefined };
      }
    }

    if (reverse.journal !== undefined) {
      const sent = await this.syncJournal(system, updated, reverse.journal, bindings, false);
      if (sent.count > 0) writes.push(`journal ${sent.count}`);
      updated = { ...updated, journalSynced: sent.ids };
    }

    await this.options.store.putLink({ ...updated, updatedAt: now });
    return { outcome: changed.length > 0 || writes.length > 0 ? 'applied' : 'no-change', rule: rule.name, writes };
  }

  /**
   * Send the journal entries not sent before, oldest first, each as one note. Entries written by
   * the connector itself are skipped. When the link has no history (it was rebuilt after the store
   * was lost), the entries present now are recorded as sent without sending them, because an
   * earlier run may have sent them already. Only later entries are sent.
   */
  private async syncJournal(
    system: TargetSystem,
    link: Link,
    journal: NonNullable<SyncRule['reverse']>['journal'] & object,
    bindings: ExpressionBindings,
    baselineOnly: boolean,
  ): Promise<{ ids: string[]; count: number }> {
    const feed = this.options.feeds[system];
    const ids = [...(link.journalSynced ?? [])];
    if (feed === undefined || link.ticket === undefined) return { ids, count: 0 };

    const me = this.identities.get(system)?.user;
    let count = 0;
    for await (const entry of feed.listJournal(link.ticket, journal.fields)) {
      if (ids.includes(entry.id)) continue;

      if (!baselineOnly && (entry.authorId ?? entry.author) !== me) {
        const note = await journal.note.evaluate(entry, bindings);
        if (typeof note === 'string' && note !== '') {
          await this.writeToAws(link, { note });
          count += 1;
        }
      }
      // Recorded one by one, so a failure after some entries does not send them again.
      ids.push(entry.id);
      link = { ...link, journalSynced: ids.slice(-MAX_REMEMBERED_ENTRIES) };
      await this.options.store.putLink(link);
    }
    return { ids: ids.slice(-MAX_REMEMBERED_ENTRIES), count };
  }

  /** Add a note to the ticket; the version it makes is the connector's own. */
  private async noteOnTicket(system: TargetSystem, link: Link, note: string): Promise<Link> {
    const target = this.options.targets[system];
    if (target === undefined || link.ticket === undefined) return link;
    const snapshot = await target.update(link.ticket, {}, { note, read: [] });
    const known = link.itsm?.version;
    if (snapshot?.version !== undefined && known !== undefined && snapshot.version === known + 1) {
      return { ...link, itsm: { ...link.itsm!, version: snapshot.version } };
    }
    return link;
  }

  /**
   * After the AWS side synced a change request, send the decision its ticket already contains, if
   * no decision was sent yet. A standard change is approved when it is created, and no later edit
   * would bring that decision to the poller. Costs one read of the ticket until a decision is sent.
   */
  async checkDecision(result: { rule?: string; correlation?: string; ticket?: TicketRef }, record?: SourceRecord): Promise<void> {
    const rule = result.rule === undefined ? undefined : this.options.engine.ruleNamed(result.rule);
    const decision = rule?.reverse?.decision;
    if (rule === undefined || decision === undefined || result.correlation === undefined || result.ticket === undefined) return;
    const system = rule.target.system;
    const feed = this.options.feeds[system];
    if (feed === undefined) return;

    await this.options.engine.withLease(result.correlation, async () => {
      let link = await this.options.store.getLink(result.correlation!);
      if (link?.ticket === undefined || link.status !== 'open') return;

      if (link.awsRecordStatus === CALENDAR_OVERRIDE_STATUS && link.calendarOverride === undefined && decision.calendarOverride !== undefined && record !== undefined) {
        link = await this.requestCalendarOverride(system, rule, link, decision.calendarOverride, record);
      }
      if (decisionSent(link)) return;

      const ticket = await feed.getChanged(link.ticket!.table, link.ticket!.id, rule.reverse!.fields);
      if (ticket === undefined) return;
      const now = this.clock().toISOString();
      const kind = pendingDecisionKind(link)!;
      const sent = await this.decide(system, link, decision, ticket, { rule: rule.name, now, ticket: link.ticket });
      if (sent === undefined) return;

      await this.options.store.putLink({ ...markDecided(link, kind, now), updatedAt: now });
      this.report(system, ticket, { outcome: 'applied', rule: rule.name, writes: [sent] });
    });
  }

  /**
   * Ask the ticket's approvers again, because Change Manager waits for approval to run while the
   * change calendar is closed: write the rule's fields, and request approval from its approvers
   * where the system has approval records. The approvals that exist now are remembered, so that
   * only a decision made after this request counts as the override.
   */
  private async requestCalendarOverride(
    system: TargetSystem,
    rule: SyncRule,
    link: Link,
    override: NonNullable<NonNullable<NonNullable<SyncRule['reverse']>['decision']>['calendarOverride']>,
    record: SourceRecord,
  ): Promise<Link> {
    const target = this.options.targets[system];
    const ticket = link.ticket!;
    if (target === undefined) return link;

    const now = this.clock().toISOString();
    const earlier = (await this.options.feeds[system]?.listApprovals?.(ticket)) ?? [];
    const bindings: ExpressionBindings = { rule: rule.name, now, ticket, written: link.written };
    const fields: TicketFields = {};
    for (const field of override.fields) {
      const value = await field.evaluate(record.view, bindings);
      if (value !== undefined) fields[field.name] = value;
    }

    await target.update(ticket, fields);
    if (override.approvers.length > 0) {
      if (target.requestApproval === undefined) {
        this.options.logger.warn({ rule: rule.name, ticket: ticket.number }, `${system} has no approval records; reverse.decision.calendarOverride.approvers is ignored, and the fields alone ask for the approval`);
      } else {
        await target.requestApproval(ticket, override.approvers);
      }
    }

    this.options.logger.info(
      { audit: 'calendar-override-requested', rule: rule.name, ticket: ticket.number, approvers: override.approvers },
      `The change calendar is closed: asked the approvers of ${ticket.number} to approve running the change anyway`,
    );
    const updated: Link = { ...link, calendarOverride: { requestedAt: now, earlierApprovals: earlier.map((approval) => approval.id) }, updatedAt: now };
    await this.options.store.putLink(updated);
    return updated;
  }

  /**
   * Send the ticket's approval decision to AWS, once (see `sendDecision`). Also called after the
   * AWS side syncs a change, because a change can be approved when it is created (a standard
   * change) and then no later edit would bring the decision.
   */
  async decide(
    system: TargetSystem,
    link: Link,
    decision: NonNullable<NonNullable<SyncRule['reverse']>['decision']>,
    ticket: ChangedTicket,
    bindings: ExpressionBindings,
  ): Promise<string | undefined> {
    return sendDecision(
      {
        store: this.options.store,
        target: this.options.targets[system],
        feed: this.options.feeds[system],
        logger: this.options.logger,
        send: (target, action) => this.writeToAws(target, action),
        now: () => this.clock().toISOString(),
      },
      decision,
      link,
      ticket,
      bindings,
    );
  }

  /**
   * Write to every format of the AWS record that the link records (a finding may be ASFF and
   * OCSF). A signal goes to one of them: every format of a change request is one execution.
   */
  private async writeToAws(link: Link, action: WritebackAction): Promise<void> {
    const adapter = this.options.writebacks[link.kind];
    const all = Object.entries(link.awsRecords ?? {});
    const records = action.signal === undefined ? all : all.slice(0, 1);

    if (adapter === undefined || records.length === 0) {
      this.options.logger.warn(
        { rule: link.rule, ticket: link.ticket?.number, correlation: link.correlation },
        `Cannot write ${link.ticket?.number ?? 'the ticket'}'s change to AWS: the link does not know its ${link.kind} yet (it was rebuilt after the link store was lost). The next AWS event for the record fills this in; later ticket changes will then reach AWS`,
      );
      return;
    }

    for (const [format, address] of records) {
      await adapter.apply({ kind: link.kind, format, displayId: address.displayId, writebackKey: address.writebackKey }, { ...action, ticket: link.ticket });
    }
  }

  private report(system: TargetSystem, ticket: ChangedTicket, result: ReverseResult): void {
    this.options.onResult?.(ticket, result);
    this.options.metrics?.reverseActions.inc({ system, rule: result.rule ?? '', outcome: result.outcome });

    // Unchanged reads are the poller's overlap at work: debug only.
    const level = result.outcome === 'applied' ? 'info' : 'debug';
    this.options.logger[level](
      {
        system,
        ticket: ticket.ref.number,
        version: ticket.version,
        updatedBy: ticket.updatedBy,
        rule: result.rule,
        outcome: result.outcome,
        writes: result.writes.length > 0 ? result.writes : undefined,
      },
      `ticket ${ticket.ref.number} ${result.outcome}${result.writes.length > 0 ? `: ${result.writes.join(', ')}` : ''}`,
    );
  }
}

/** Build the input of reverse expressions: the listed fields, the number and the login of the last change. */
export function reverseInput(reverse: NonNullable<SyncRule['reverse']>, ticket: ChangedTicket): Record<string, unknown> {
  const values = Object.fromEntries(reverse.fields.map((field) => [field, ticket.values[field]]));
  return { ...values, number: ticket.ref.number, updatedBy: ticket.updatedBy };
}
