import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { TicketCreatedError } from '../core/types.js';
import type {
  AwsWriteback,
  ItsmTarget,
  SourceKind,
  SourceRecord,
  TargetSystem,
  TicketFields,
  TicketRef,
  TicketSnapshot,
  WrittenTicket,
} from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { SyncMetrics } from '../ops/metrics.js';
import type { ExpressionBindings, FieldRule, SyncRule, WritebackRule } from '../rules/sync-rule.js';
import type { Link, StateStore } from '../state/store.js';
import { correlationFor } from './correlation.js';
import { changedFields } from './field-diff.js';
import { compactSeen, conflictNote, snapshotFields } from './ticket-fields.js';

/** The result of one sync of one record. Each outcome is one log line and one metric count. */
export type SyncOutcome =
  | 'created'
  | 'adopted'
  | 'updated'
  | 'unchanged'
  | 'resolved'
  | 'reopened'
  | 'recreated'
  | 'not-created'
  | 'already-resolved'
  | 'closed-not-patched'
  | 'stale'
  | 'no-rule';

export interface SyncResult {
  outcome: SyncOutcome;
  rule?: string;
  correlation?: string;
  ticket?: TicketRef;
  /** Target fields written by this sync. */
  fields: string[];
}

export interface SyncEngineOptions {
  rules: SyncRule[];
  targets: Partial<Record<TargetSystem, ItsmTarget>>;
  writebacks: Partial<Record<SourceKind, AwsWriteback>>;
  store: StateStore;
  logger: Logger;
  metrics?: SyncMetrics;
  /** How long a lease protects one record's sync; longer than any single sync should take. */
  leaseTtlMs?: number;
  /** How long to wait for another worker's lease on the same record before giving up. */
  leaseWaitMs?: number;
  /**
   * How long a derived record (`SourceRecord.derived`) that synced without error is not synced
   * again, in milliseconds. Default {@link DEFAULT_DERIVED_RECORD_TTL_MS}.
   */
  derivedRecordTtlMs?: number;
  clock?: () => Date;
  /** Called after each sync with its result; the demo and tests use it to show what happened. */
  onResult?: (record: SourceRecord, result: SyncResult) => void;
  /**
   * Awaited after each sync, outside the record's lease; a failure fails the message, so it is
   * retried. The connector uses it to send approval decisions a change already had when created.
   */
  afterSync?: (record: SourceRecord, result: SyncResult) => Promise<void>;
}

/** Another worker holds the record's lease for longer than we wait: retry the message later. */
export class LeaseBusyError extends Error {
  constructor(readonly correlation: string) {
    super(`Another worker is syncing the record with correlation ${correlation}; the message will be retried`);
    this.name = 'LeaseBusyError';
  }
}

/** A sync rule names a target system that is not configured. */
export class TargetNotConfiguredError extends Error {
  constructor(rule: SyncRule) {
    // Rules for systems this version cannot write to are rejected earlier (src/app/capabilities.ts).
    super(
      `Sync rule "${rule.name}" (${rule.file}) writes to ${rule.target.system}, which is not configured. ` +
        `Set its URL and credentials (${rule.target.system === 'jira' ? 'JIRA_BASE_URL with JIRA_EMAIL and JIRA_API_TOKEN, or JIRA_DEPLOYMENT=datacenter with a personal access token in JIRA_API_TOKEN' : 'SERVICENOW_INSTANCE_URL and its credentials'}), or remove the rule.`,
    );
    this.name = 'TargetNotConfiguredError';
  }
}

/**
 * Syncs normalized AWS records to ITSM records through the sync rules, the link store and the
 * write-back adapters. It is the same for every record kind and every ITSM system.
 *
 * Guarantees:
 * - one ticket per record: a per-record lease serializes workers, and a pending link marks a create
 *   in progress, so a crash between create and link is repaired by a search on correlation;
 * - only changed fields are written, compared with what itsm-sync last wrote, so an event that
 *   changes nothing mapped makes no ITSM call;
 * - fields owned by the ITSM side or marked create-only are written once, at creation;
 * - a ticket that itsm-sync resolved is never patched again unless the record fails again.
 */
export class SyncEngine {
  private readonly rulesByKind = new Map<SourceKind, SyncRule[]>();
  /** Prefix of this engine's lease owner tokens; each sync adds its own suffix. */
  private readonly instanceId = randomUUID();
  private readonly leaseTtlMs: number;
  private readonly leaseWaitMs: number;
  private readonly clock: () => Date;
  /** Kinds and types of record already logged as having no rule. */
  private readonly announcedWithoutRule = new Set<string>();
  private readonly derivedRecordTtlMs: number;
  /** Until when each derived record that synced is not synced again, by identity, oldest first. */
  private readonly derivedSyncedUntil = new Map<string, number>();

  constructor(private readonly options: SyncEngineOptions) {
    for (const rule of [...options.rules].sort((a, b) => a.priority - b.priority)) {
      if (!options.targets[rule.target.system]) throw new TargetNotConfiguredError(rule);
      const rules = this.rulesByKind.get(rule.source.kind) ?? [];
      rules.push(rule);
      this.rulesByKind.set(rule.source.kind, rules);
    }

    this.leaseTtlMs = options.leaseTtlMs ?? 120_000;
    this.leaseWaitMs = options.leaseWaitMs ?? 15_000;
    this.derivedRecordTtlMs = options.derivedRecordTtlMs ?? DEFAULT_DERIVED_RECORD_TTL_MS;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Rebuild the links of every rule that has none, from the correlation values on the ITSM side.
   * A task on Fargate loses its SQLite file when it is replaced. Without this, the next event of
   * every record that already has a ticket would create a second one. A rule with links is left
   * alone, so this costs one query per rule on an ordinary start. Returns the links rebuilt.
   *
   * The rebuilt link records the ticket's current values of the AWS-owned fields as last written,
   * so an unchanged record makes no write. It does not know which write-backs were done, so the
   * next event of each record repeats its write-back once.
   */
  async rebuildMissingLinks(): Promise<number> {
    let rebuilt = 0;
    const now = this.clock().toISOString();

    for (const rule of [...this.rulesByKind.values()].flat()) {
      if ((await this.options.store.countLinks(rule.name)) > 0) continue;

      const target = this.targetFor(rule);
      const awsFields = rule.fields.filter((field) => field.owner === 'aws').map((field) => field.name);
      let count = 0;
      for await (const linked of target.listLinked(rule.target.table, rule.correlation.prefix, awsFields)) {
        // Several tickets with one correlation value: the first listed keeps the link.
        if (await this.options.store.getLink(linked.correlation)) continue;

        await this.options.store.putLink({
          correlation: linked.correlation,
          // The identity is learnt again from the record's next event.
          identity: '',
          kind: rule.source.kind,
          rule: rule.name,
          status: linked.closed ? 'resolved' : 'open',
          ticket: linked.ref,
          written: linked.values,
          writebacks: {},
          previousTickets: [],
          resolvedAt: linked.closed ? now : undefined,
          createdAt: now,
          updatedAt: now,
        });
        count += 1;
      }

      if (count > 0) {
        this.options.logger.warn(
          { rule: rule.name, table: rule.target.table, links: count },
          `The link store had no links for rule ${rule.name}; rebuilt ${count} from correlation values in ${rule.target.system}`,
        );
      }
      rebuilt += count;
    }
    return rebuilt;
  }

  /** Return the loaded rule with this name, if any. */
  ruleNamed(name: string): SyncRule | undefined {
    for (const rules of this.rulesByKind.values()) {
      const rule = rules.find((candidate) => candidate.name === name);
      if (rule) return rule;
    }
    return undefined;
  }

  /** Every loaded rule, by priority within each kind. */
  get rules(): SyncRule[] {
    return [...this.rulesByKind.values()].flat();
  }

  /**
   * Return the CI that a configuration item rule writing to `system` linked to the resource with
   * this configuration item identity, while the CI is in service (its link is open). Rules are
   * tried by priority. Undefined when no such rule has made a CI for the resource yet, or the CI is
   * retired. A CI of another ITSM system is never returned, because its id means nothing here.
   *
   * @example
   * const ci = await engine.linkedConfigurationItem(configurationItemIdentity(account, region, 'AWS::S3::Bucket', bucket), 'servicenow');
   */
  async linkedConfigurationItem(identity: string, system: TargetSystem): Promise<TicketRef | undefined> {
    for (const rule of this.rulesByKind.get('configuration-item') ?? []) {
      if (rule.target.system !== system) continue;
      const link = await this.options.store.getLink(correlationFor(rule.correlation.prefix, identity));
      if (link?.status === 'open' && link.ticket !== undefined) return link.ticket;
    }
    return undefined;
  }

  /**
   * Run `work` while holding the lease of one link, the same lease a sync of its AWS record takes,
   * so the way back and the way out never write one link at the same time.
   */
  async withLease<T>(correlation: string, work: () => Promise<T>): Promise<T> {
    const owner = `${this.instanceId}:${randomUUID()}`;
    await this.takeLease(correlation, owner);
    try {
      return await work();
    } finally {
      await this.options.store.releaseLease(correlation, owner);
    }
  }

  /** Return the record's correlation value under the rule that handles it; undefined without a rule. */
  async correlationOf(record: SourceRecord): Promise<string | undefined> {
    const rule = await this.selectRule(record);
    return rule === undefined ? undefined : correlationFor(rule.correlation.prefix, record.identity);
  }

  /**
   * Resolve the open ticket of a link whose AWS record is gone without an event saying so (a
   * reconcile found it missing). Only the rule's resolve steps are written, evaluated over `view`,
   * which contains what is still known of the record. Returns false when there was nothing to do.
   */
  async resolveMissing(correlation: string, view: object): Promise<boolean> {
    return this.resolveLink(correlation, view, { reason: 'its AWS record is gone' });
  }

  /**
   * Resolve the open ticket of a link with `steps` (default: its rule's resolve steps), evaluated
   * over `view` with `$ci` bound to `ci`. The CMDB uses it to resolve the tickets on a retired CI
   * with that CI rule's `closeTickets` fields. Returns false when there was nothing to do.
   */
  async resolveLink(correlation: string, view: object, options: { reason: string; steps?: FieldRule[][]; ci?: TicketRef }): Promise<boolean> {
    return this.withLease(correlation, async () => {
      const link = await this.options.store.getLink(correlation);
      const rule = link === undefined ? undefined : this.ruleNamed(link.rule);
      if (link?.status !== 'open' || link.ticket === undefined || rule === undefined) return false;

      const now = this.clock().toISOString();
      const bindings: ExpressionBindings = { rule: rule.name, now, ticket: link.ticket, written: link.written, ci: options.ci };
      let current = link;
      for (const step of options.steps ?? rule.lifecycle.resolveSteps) {
        const fields = await evaluateFields(step, view, bindings);
        const itsm = await this.writeTicket(rule, current, link.ticket, fields);
        current = { ...current, itsm, written: { ...current.written, ...fields } };
      }
      await this.options.store.putLink({ ...current, status: 'resolved', resolvedAt: now, resolvedBy: 'aws', updatedAt: now });
      this.options.logger.info({ rule: rule.name, correlation, ticket: link.ticket.number }, `Resolved ${link.ticket.number}: ${options.reason}`);
      return true;
    });
  }

  /** Sync one record and log the outcome. Throws when the message should be retried. */
  async sync(record: SourceRecord): Promise<SyncResult> {
    // The account and Region records come with every configuration item event. One sync now and
    // then keeps their CIs; a sync per event would only compete for their leases.
    if (record.derived === true && (this.derivedSyncedUntil.get(record.identity) ?? 0) > Date.now()) {
      return { outcome: 'unchanged', fields: [] };
    }

    const result = await this.syncRecord(record);
    if (record.derived === true) this.rememberDerived(record.identity);
    return result;
  }

  /** Remember that a derived record synced, dropping the oldest entries past a bound. */
  private rememberDerived(identity: string): void {
    this.derivedSyncedUntil.delete(identity);
    this.derivedSyncedUntil.set(identity, Date.now() + this.derivedRecordTtlMs);
    if (this.derivedSyncedUntil.size > DERIVED_RECORDS_REMEMBERED) {
      this.derivedSyncedUntil.delete(this.derivedSyncedUntil.keys().next().value!);
    }
  }

  private async syncRecord(record: SourceRecord): Promise<SyncResult> {
    const rule = await this.selectRule(record);
    if (!rule) {
      this.report(record, undefined, { outcome: 'no-rule', fields: [] });
      return { outcome: 'no-rule', fields: [] };
    }

    const correlation = correlationFor(rule.correlation.prefix, record.identity);
    try {
      // Each sync owns its lease, so two copies of one event in this process exclude each other too.
      const result = await this.withLease(correlation, () => this.syncUnderLease(record, rule, correlation));
      this.report(record, rule, result);
      await this.options.afterSync?.(record, result);
      return result;
    } catch (error) {
      // Name the ticket when one exists, so a failed write-back still shows which incident was made.
      const link = await this.options.store.getLink(correlation).catch(() => undefined);
      this.options.logger.error(
        { kind: record.kind, recordId: record.displayId, rule: rule.name, ticket: link?.ticket?.number, errorName: (error as Error).name, errorMessage: (error as Error).message },
        `${record.kind} sync failed${link?.ticket ? ` after linking ${link.ticket.number}` : ''}; the message will be retried`,
      );
      throw error;
    }
  }

  /** Return the first rule, by priority, whose kind and `when` condition match the record. */
  private async selectRule(record: SourceRecord): Promise<SyncRule | undefined> {
    for (const rule of this.rulesByKind.get(record.kind) ?? []) {
      if (!rule.source.when || (await rule.source.when.evaluate(record.view, { rule: rule.name }))) return rule;
    }
    return undefined;
  }

  private async syncUnderLease(record: SourceRecord, rule: SyncRule, correlation: string): Promise<SyncResult> {
    const store = this.options.store;
    let link = await store.getLink(correlation);
    const base = { rule: rule.name, correlation };

    // The record's CI is looked up once, here, so every expression of this sync is given the same CI.
    const ci = record.configurationItemIdentity === undefined ? undefined : await this.linkedConfigurationItem(record.configurationItemIdentity, rule.target.system);

    // Events arrive late and out of order; an older state than the one synced is not applied.
    if (link?.status !== 'pending' && link?.sourceUpdatedAt && record.updatedAt && isBefore(record.updatedAt, link.sourceUpdatedAt)) {
      if (link.status === 'open' && link.ticket) await this.writeBack(record, rule.writeback.onLink, link, link.ticket, 'link', { ci });
      return { ...base, outcome: 'stale', ticket: link.ticket, fields: [] };
    }

    // A ticket made by a person, which started this AWS record: its fields are theirs. The first
    // sync records what the rule would write as written, so only later AWS changes are written,
    // and keeps what the start itself wrote (such as state Implement).
    if (link?.origin === 'itsm' && link.baselinePending && link.ticket !== undefined) {
      const desired = ownedBy(rule.fields, await evaluateFields(rule.fields, record.view, { rule: rule.name, now: this.clock().toISOString(), ticket: link.ticket, ci }), 'aws');
      link = await this.saveLink(link, record, { written: { ...desired, ...link.written }, baselinePending: undefined });
    }

    const bindings: ExpressionBindings = { rule: rule.name, now: this.clock().toISOString(), ticket: link?.ticket, ci };
    const shouldCreate = Boolean(await rule.lifecycle.create.evaluate(record.view, bindings));
    const shouldResolve = Boolean(await rule.lifecycle.resolve.evaluate(record.view, bindings));

    if (!link || link.status === 'pending' || !link.ticket) {
      if (shouldResolve || !shouldCreate) return { ...base, outcome: 'not-created', fields: [] };
      return this.createTicket(record, rule, correlation, link, ci);
    }

    if (link.status === 'open') {
      return shouldResolve
        ? this.resolveTicket(record, rule, link, link.ticket, ci)
        : this.updateTicket(record, rule, link, link.ticket, ci);
    }

    // The ticket is resolved. Only a record that fails again may touch it.
    const closedByPerson = link.resolvedBy === 'itsm';
    if (shouldResolve) {
      if (closedByPerson && !link.recordResolvedSinceClose) await this.saveLink(link, record, { recordResolvedSinceClose: true });
      return { ...base, outcome: 'already-resolved', ticket: link.ticket, fields: [] };
    }
    // A ticket that a person closed while the record was still failing stays closed: failing
    // again means resolving first.
    if (!shouldCreate || (closedByPerson && !link.recordResolvedSinceClose)) {
      return { ...base, outcome: 'closed-not-patched', ticket: link.ticket, fields: [] };
    }

    const resolvedAt = link.resolvedAt ? Date.parse(link.resolvedAt) : 0;
    const withinWindow = this.clock().getTime() - resolvedAt <= rule.lifecycle.reopenWithinMs;
    return withinWindow
      ? this.reopenTicket(record, rule, link, link.ticket, ci)
      : this.createTicket(record, rule, correlation, link, ci);
  }

  /**
   * Create the ticket (or adopt one found by correlation) and record the link. When `previous`
   * holds a resolved link, the new ticket follows the closed one and references it. `ci` is the
   * record's CI, bound as `$ci`.
   */
  private async createTicket(record: SourceRecord, rule: SyncRule, correlation: string, previous: Link | undefined, ci: TicketRef | undefined): Promise<SyncResult> {
    const target = this.targetFor(rule);
    const store = this.options.store;
    const now = this.clock().toISOString();
    const closedTicket = previous?.status === 'resolved' ? previous.ticket : undefined;

    const bindings: ExpressionBindings = { rule: rule.name, now, previous: closedTicket, ci };
    const fields = await evaluateFields(rule.fields, record.view, bindings);
    const recurFields = closedTicket ? await evaluateFields(rule.lifecycle.recurFields, record.view, bindings) : {};

    // A pending link means an earlier create may have succeeded without being recorded.
    const mayExist = previous?.status === 'pending' || (!previous && rule.correlation.lookupBeforeCreate);
    let ticket = mayExist ? await target.findByCorrelation(rule.target.table, correlation) : undefined;
    let outcome: SyncOutcome;

    // A record another tool made for this resource (the vendor connector's CI) is taken over: it
    // gets the correlation value and the AWS-owned fields, instead of a duplicate beside it.
    let attached: { ticket: TicketRef; snapshot: TicketSnapshot | undefined } | undefined;
    if (ticket === undefined && previous === undefined && rule.correlation.adopt !== undefined) {
      const value = await rule.correlation.adopt.value.evaluate(record.view, bindings);
      const found = typeof value === 'string' && value !== '' ? await target.findUnlinked(rule.target.table, rule.correlation.adopt.field, value) : undefined;
      if (found !== undefined) {
        attached = { ticket: found, snapshot: await target.attach(found, correlation, ownedBy(rule.fields, fields, 'aws'), { read: snapshotFields(rule, target), recordLabel: recordLabel(record) }) };
      }
    }

    const watched = snapshotFields(rule, target);
    let snapshot: TicketSnapshot | undefined;

    if (attached !== undefined) {
      outcome = 'adopted';
      snapshot = attached.snapshot;
      ticket = attached.ticket;
    } else if (ticket) {
      outcome = 'adopted';
      snapshot = await target.update(ticket, ownedBy(rule.fields, fields, 'aws'), { read: watched, recordLabel: recordLabel(record) });
    } else {
      const pending: Link = {
        correlation,
        identity: record.identity,
        kind: record.kind,
        rule: rule.name,
        status: 'pending',
        written: {},
        writebacks: {},
        previousTickets: previous?.previousTickets ?? [],
        createdAt: previous?.createdAt ?? now,
        updatedAt: now,
      };
      if (closedTicket) pending.previousTickets = [...pending.previousTickets, closedTicket];
      await store.putLink(pending);

      let created: WrittenTicket;
      try {
        created = await target.create(rule.target.table, { ...fields, ...recurFields }, correlation, { read: watched, recordLabel: recordLabel(record) });
      } catch (error) {
        if (!(error instanceof TicketCreatedError)) throw error;
        // The ticket exists: link it with nothing recorded as written, so the retry writes every
        // field AWS owns to it (the failed steps included) and the write-back follows.
        await store.putLink({ ...pending, status: 'open', ticket: error.ticket, awsRecords: { [record.format]: addressOf(record) }, updatedAt: this.clock().toISOString() });
        throw error.cause;
      }
      const { snapshot: createdSnapshot, ...ref } = created;
      snapshot = createdSnapshot;
      ticket = ref;
      outcome = closedTicket ? 'recreated' : 'created';
    }

    const link: Link = {
      correlation,
      identity: record.identity,
      kind: record.kind,
      rule: rule.name,
      status: 'open',
      ticket,
      sourceUpdatedAt: record.updatedAt,
      written: fields,
      writebacks: {},
      previousTickets: closedTicket ? [...(previous?.previousTickets ?? []), closedTicket] : (previous?.previousTickets ?? []),
      awsRecords: { [record.format]: addressOf(record) },
      awsRecordStatus: record.status,
      // An adopted ticket may carry edits made before the adoption. Its snapshot is what the
      // connector last saw, so only later edits count as changes.
      itsm: watched === undefined ? undefined : snapshotOrWritten(snapshot, fields),
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    };

    // The write-back saves the link with its marker. A failed one saves it without, so the link is
    // stored in either case and the retry only repeats the write-back.
    try {
      await this.writeBack(record, rule.writeback.onLink, link, ticket, 'link', { saveWhenSkipped: true, ci });
    } catch (error) {
      await store.putLink(link);
      throw error;
    }
    return { outcome, rule: rule.name, correlation, ticket, fields: Object.keys(fields) };
  }

  /** Write the AWS-owned fields that changed since the last sync. No change, no call. */
  private async updateTicket(record: SourceRecord, rule: SyncRule, link: Link, ticket: TicketRef, ci: TicketRef | undefined): Promise<SyncResult> {
    const bindings: ExpressionBindings = { rule: rule.name, now: this.clock().toISOString(), ticket, ci };
    const desired = ownedBy(rule.fields, await evaluateFields(rule.fields, record.view, bindings), 'aws');
    const changes = changedFields(desired, link.written);

    let itsm = link.itsm;
    if (Object.keys(changes).length > 0) {
      itsm = await this.writeTicket(rule, link, ticket, changes);
    }
    const saved = await this.saveLink(link, record, { written: { ...link.written, ...changes }, itsm });

    await this.writeBack(record, rule.writeback.onLink, saved, ticket, 'link', { ci });
    const outcome = Object.keys(changes).length > 0 ? 'updated' : 'unchanged';
    return { outcome, rule: rule.name, correlation: link.correlation, ticket, fields: Object.keys(changes) };
  }

  /**
   * Resolve the ticket with the rule's resolve steps, the first one with any AWS-owned field that
   * changed. A state model that allows one move at a time (a change goes Review, then Closed) gets
   * one write per step. A failure part way leaves the link open, so the retry goes through the steps again.
   */
  private async resolveTicket(record: SourceRecord, rule: SyncRule, link: Link, ticket: TicketRef, ci: TicketRef | undefined): Promise<SyncResult> {
    const now = this.clock().toISOString();
    const bindings: ExpressionBindings = { rule: rule.name, now, ticket, written: link.written, ci };
    const desired = ownedBy(rule.fields, await evaluateFields(rule.fields, record.view, bindings), 'aws');

    let current = link;
    let changes: TicketFields = changedFields(desired, link.written);
    for (const [index, step] of rule.lifecycle.resolveSteps.entries()) {
      const stepFields = { ...(index === 0 ? changes : {}), ...(await evaluateFields(step, record.view, bindings)) };
      const itsm = await this.writeTicket(rule, current, ticket, stepFields);
      current = { ...current, itsm, written: { ...current.written, ...stepFields } };
      changes = { ...changes, ...stepFields };
    }

    const saved = await this.saveLink(link, record, {
      status: 'resolved',
      resolvedAt: now,
      resolvedBy: 'aws',
      written: current.written,
      itsm: current.itsm,
    });

    await this.writeBack(record, rule.writeback.onResolve, saved, ticket, 'resolve', { ci });
    return { outcome: 'resolved', rule: rule.name, correlation: link.correlation, ticket, fields: Object.keys(changes) };
  }

  /** Reopen a ticket resolved within the rule's window, because its record failed again. */
  private async reopenTicket(record: SourceRecord, rule: SyncRule, link: Link, ticket: TicketRef, ci: TicketRef | undefined): Promise<SyncResult> {
    const bindings: ExpressionBindings = { rule: rule.name, now: this.clock().toISOString(), ticket, ci };
    const desired = ownedBy(rule.fields, await evaluateFields(rule.fields, record.view, bindings), 'aws');
    const reopenFields = await evaluateFields(rule.lifecycle.reopenFields, record.view, bindings);
    const changes = { ...changedFields(desired, link.written), ...reopenFields };

    const itsm = await this.writeTicket(rule, link, ticket, changes);
    // The write-back is owed again: the finding's workflow went back to NEW when it failed again.
    const reopened = await this.saveLink(link, record, {
      status: 'open',
      resolvedAt: undefined,
      resolvedBy: undefined,
      recordResolvedSinceClose: undefined,
      written: { ...link.written, ...changes },
      writebacks: {},
      itsm,
      // The record's status moved on by itself (a finding that fails again is NEW).
      awsStatus: undefined,
    });

    await this.writeBack(record, rule.writeback.onLink, reopened, ticket, 'link', { ci });
    return { outcome: 'reopened', rule: rule.name, correlation: link.correlation, ticket, fields: Object.keys(changes) };
  }

  /**
   * Run a write-back rule once per ticket and source format. The link stores which ticket each
   * format was last written, so redeliveries and the finding update that our own write-back
   * causes do not write again. The link is saved with the marker after a write-back, so `link` must
   * be the current link. With `saveWhenSkipped` it is saved even when no write-back is due.
   *
   * A kind without a write-back adapter (configuration items, AWS Config rule evaluations) skips
   * this step. The rule compiler rejects a `writeback` section on rules of such a kind.
   */
  private async writeBack(
    record: SourceRecord,
    writeback: WritebackRule | undefined,
    link: Link,
    ticket: TicketRef,
    stage: 'link' | 'resolve' = 'link',
    options: { saveWhenSkipped?: boolean; ci?: TicketRef } = {},
  ): Promise<void> {
    const adapter = this.options.writebacks[record.kind];
    const marker = stage === 'link' ? ticket.number : `${ticket.number}:resolved`;
    if (!writeback || !adapter || link.writebacks[record.format] === marker) {
      if (options.saveWhenSkipped) await this.options.store.putLink(link);
      return;
    }

    const bindings: ExpressionBindings = { rule: link.rule, now: this.clock().toISOString(), ticket, ci: options.ci };
    const status = writeback.status ? await writeback.status.evaluate(record.view, bindings) : undefined;
    const note = writeback.note ? await writeback.note.evaluate(record.view, bindings) : undefined;
    const statusText = typeof status === 'string' ? status : undefined;
    await adapter.apply(record, { status: statusText, note: typeof note === 'string' ? note : undefined, ticket });

    await this.options.store.putLink({
      ...link,
      writebacks: { ...link.writebacks, [record.format]: marker },
      awsStatus: statusText ?? link.awsStatus,
    });
  }

  private async saveLink(link: Link, record: SourceRecord, changes: Partial<Link>): Promise<Link> {
    const updated: Link = {
      ...link,
      identity: record.identity,
      awsRecords: { ...link.awsRecords, [record.format]: addressOf(record) },
      awsRecordStatus: record.status ?? link.awsRecordStatus,
      ...changes,
      sourceUpdatedAt: latest(link.sourceUpdatedAt, record.updatedAt),
      updatedAt: this.clock().toISOString(),
    };
    await this.options.store.putLink(updated);
    return updated;
  }

  /**
   * Write fields owned by AWS (and lifecycle fields) to the ticket. A field that a person changed
   * since the connector last wrote it is overwritten, because AWS owns it, and the value it
   * replaced goes into a note on the ticket. Returns the connector's new record of the ticket.
   */
  private async writeTicket(rule: SyncRule, link: Link, ticket: TicketRef, changes: TicketFields): Promise<Link['itsm']> {
    const target = this.targetFor(rule);
    const watched = snapshotFields(rule, target);
    const note = conflictNote(target.system, changes, link, rule.reverse?.fields);

    const awsRecord = Object.values(link.awsRecords ?? {})[0];
    const label = awsRecord === undefined ? undefined : recordLabel({ kind: link.kind, displayId: awsRecord.displayId });
    const snapshot = await target.update(ticket, changes, { read: watched, note, recordLabel: label });
    if (note !== undefined) {
      this.options.logger.info({ rule: rule.name, ticket: ticket.number, fields: Object.keys(changes) }, `Overwrote edits made in ${target.system} to fields owned by AWS; noted on ${ticket.number}`);
    }
    if (watched === undefined) return link.itsm;

    // The write is the only change since the known version: the snapshot is all ours. Otherwise a
    // person edited in between, and only the fields written here are known to be ours.
    const known = link.itsm;
    const written = { ...link.written, ...changes };
    const kept = Object.entries(known?.seen ?? {}).filter(([field]) => !(field in changes));
    if (snapshot?.version !== undefined && known?.version !== undefined && snapshot.version === known.version + 1) {
      const others = kept.filter(([field]) => !(field in snapshot.values));
      return { version: snapshot.version, seen: { ...Object.fromEntries(others), ...compactSeen(snapshot.values, written) } };
    }
    return { version: known?.version, seen: Object.fromEntries(kept) };
  }

  private targetFor(rule: SyncRule): ItsmTarget {
    const target = this.options.targets[rule.target.system];
    if (!target) throw new TargetNotConfiguredError(rule);
    return target;
  }

  /** Take the record's lease, waiting while another worker holds it. */
  private async takeLease(correlation: string, owner: string): Promise<void> {
    const deadline = Date.now() + this.leaseWaitMs;
    let delayMs = 10;

    while (!(await this.options.store.acquireLease(correlation, owner, this.leaseTtlMs))) {
      if (Date.now() >= deadline) throw new LeaseBusyError(correlation);
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 250);
    }
  }

  private report(record: SourceRecord, rule: SyncRule | undefined, result: SyncResult): void {
    this.options.onResult?.(record, result);
    this.options.metrics?.syncActions.inc({ kind: record.kind, rule: rule?.name ?? '', outcome: result.outcome });

    // Records that no rule handles (resource types without a mapping) are counted, and logged
    // once per type at info, then at debug, so a busy account cannot flood the log.
    let level: 'info' | 'debug' = 'info';
    if (result.outcome === 'no-rule') {
      const key = `${record.kind}|${record.type ?? ''}`;
      if (this.announcedWithoutRule.has(key)) level = 'debug';
      this.announcedWithoutRule.add(key);
    }

    this.options.logger[level](
      {
        kind: record.kind,
        format: record.format,
        recordId: record.displayId,
        type: record.type,
        rule: rule?.name,
        outcome: result.outcome,
        ticket: result.ticket?.number,
        fields: result.fields.length > 0 ? result.fields : undefined,
      },
      `${record.kind} ${result.outcome}${result.ticket ? ` (${result.ticket.number})` : ''}`,
    );
  }
}

/** Evaluate a list of field rules into target field values; undefined values are left out. */
async function evaluateFields(rules: FieldRule[], view: unknown, bindings: ExpressionBindings): Promise<TicketFields> {
  const fields: TicketFields = {};
  for (const rule of rules) {
    const value = await rule.evaluate(view, bindings);
    if (value !== undefined) fields[rule.name] = value;
  }
  return fields;
}

function addressOf(record: SourceRecord): { displayId: string; writebackKey: Record<string, string> } {
  return { displayId: record.displayId, writebackKey: record.writebackKey };
}

/** Build the connector's record of a ticket it just created or adopted. */
function snapshotOrWritten(snapshot: TicketSnapshot | undefined, written: TicketFields): NonNullable<Link['itsm']> {
  if (snapshot !== undefined) return { version: snapshot.version, seen: compactSeen(snapshot.values, written) };
  // Without a snapshot, what was written is all that is known; it is not repeated here.
  return { seen: {} };
}

/** Keep only the fields of the given owner. */
function ownedBy(rules: FieldRule[], fields: TicketFields, owner: FieldRule['owner']): TicketFields {
  const names = new Set(rules.filter((rule) => rule.owner === owner).map((rule) => rule.name));
  return Object.fromEntries(Object.entries(fields).filter(([name]) => names.has(name)));
}

function isBefore(a: string, b: string): boolean {
  return Date.parse(a) < Date.parse(b);
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return isBefore(a, b) ? b : a;
}

/**
 * How long a derived record that synced is not synced again. Its content changes only with its
 * ids, so the time only bounds how long a store edited outside the connector goes unnoticed.
 */
export const DEFAULT_DERIVED_RECORD_TTL_MS = 10 * 60_000;

// Bounds the memory of derived records: one account and Region pair per entry.
const DERIVED_RECORDS_REMEMBERED = 10_000;

const RECORD_KIND_NAMES: Record<SourceRecord['kind'], string> = {
  finding: 'Security Hub finding',
  opsitem: 'OpsItem',
  'configuration-item': 'AWS Config resource',
  'change-request': 'AWS change request',
  'config-compliance': 'AWS Config rule evaluation',
};

/** Name an AWS record in words, for a ticket text cut to its limit that points to the rest. */
function recordLabel(record: Pick<SourceRecord, 'kind' | 'displayId'>): string {
  return `${RECORD_KIND_NAMES[record.kind]} ${record.displayId}`;
}
