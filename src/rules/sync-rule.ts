import type { SourceKind, TargetSystem, TicketRef } from '../core/types.js';

/**
 * The owner of a target field after the ticket exists:
 * - `aws`: every change at the source is written to the ticket;
 * - `itsm`: written once at creation, then left to the people working the ticket;
 * - `create-only`: written once at creation, and never compared again by either side.
 * A field owned by the ITSM side is never overwritten from AWS, which is what prevents sync loops.
 */
export type FieldOwner = 'aws' | 'itsm' | 'create-only';

/** Variables that expressions can use besides the source record (which is the expression input). */
export interface ExpressionBindings {
  /** The linked ticket, where one exists (write-back and resolve expressions). */
  ticket?: TicketRef;
  /** The ticket that a recurring record had before, when a new ticket follows a closed one. */
  previous?: TicketRef;
  /**
   * The CI that a configuration item rule of the same ITSM system linked to the record's resource
   * (see `SourceRecord.configurationItemIdentity`), while that CI is in service.
   */
  ci?: TicketRef;
  /** The sync rule's name. */
  rule?: string;
  /** Current time, ISO-8601. */
  now?: string;
  /**
   * The values itsm-sync last wrote to the ticket (resolve expressions), so a step can depend on
   * how far the ticket got: a change that never reached Implement is canceled, not closed.
   */
  written?: Record<string, unknown>;
}

/** A compiled JSONata expression with a bounded run time. */
export interface CompiledExpression {
  /** The expression text as written in the mapping, for error messages. */
  readonly source: string;
  evaluate(input: unknown, bindings?: ExpressionBindings): Promise<unknown>;
}

/** One target field of a sync rule. */
export interface FieldRule {
  name: string;
  owner: FieldOwner;
  /** Computes the field's final value: expression, value map, default and length limit applied. */
  evaluate(input: unknown, bindings?: ExpressionBindings): Promise<unknown>;
}

/** Evaluated write-back expressions (see `WritebackAction`). */
export interface WritebackRule {
  status?: CompiledExpression;
  note?: CompiledExpression;
}

/** One mapping file, loaded, validated and compiled. */
export interface SyncRule {
  name: string;
  /** Path of the mapping file, for logs and errors. */
  file: string;
  /** Lower numbers are tried first when several rules match one record. */
  priority: number;
  source: {
    kind: SourceKind;
    /** Condition on the records this rule handles. Absent means every record of the kind. */
    when?: CompiledExpression;
  };
  target: {
    system: TargetSystem;
    /** ServiceNow table (`incident`) or Jira project key. */
    table: string;
  };
  correlation: {
    /** Fixed prefix of every correlation value this rule writes, so links can be rebuilt by prefix. */
    prefix: string;
    /**
     * Search the ITSM side by correlation before every create, to adopt a record that the link
     * store does not know (a lost store, or a record made by another tool with the same value).
     */
    lookupBeforeCreate: boolean;
    /** Records of another tool to take over: the field that names the resource, and its value. */
    adopt?: { field: string; value: CompiledExpression };
  };
  lifecycle: {
    /** Gates creation only: an existing link is always kept up to date. */
    create: CompiledExpression;
    /** When true, the ticket is resolved with `resolveSteps`. */
    resolve: CompiledExpression;
    /** The writes that resolve the ticket, in order; most rules have one step. */
    resolveSteps: FieldRule[][];
    /**
     * Configuration item rules: the open tickets that itsm-sync made on the CI (`field` of `table`
     * refers to it), resolved with `fields` when the CI is retired.
     */
    closeTickets?: { table: string; field: string; fields: FieldRule[] };
    /** A record that fails again within this many milliseconds of resolution reopens its ticket. */
    reopenWithinMs: number;
    reopenFields: FieldRule[];
    /** Extra fields for a new ticket that follows a closed one; `$previous` is the closed ticket. */
    recurFields: FieldRule[];
  };
  fields: FieldRule[];
  writeback: {
    /** After a ticket is created or adopted. */
    onLink?: WritebackRule;
    /** After itsm-sync resolves the ticket. */
    onResolve?: WritebackRule;
  };
  /** The ITSM → AWS direction; absent when the rule syncs one way. */
  reverse?: ReverseRule;
  /** ITSM changes that start an AWS runbook; change request rules only. */
  start?: StartRule;
  /** AWS Config relationship name → CMDB relationship type and this CI's end. */
  relationships?: Record<string, { type: string; this: 'parent' | 'child' }>;
}

/** The ITSM changes that start a runbook, the runbook and its parameters (see the mapping's `start`). */
export interface StartRule {
  /** Encoded query written by the admin: the candidate changes. */
  query: string;
  fields: string[];
  when?: CompiledExpression;
  runbook: string;
  /** A Change Manager template: start an auto-approved change request instead of the runbook alone. */
  changeTemplate?: string;
  /** Each evaluates to text or a list of text. */
  parameters: Array<{ name: string; value: CompiledExpression }>;
  /** The change template's parameters, with `changeTemplate`. */
  templateParameters: Array<{ name: string; value: CompiledExpression }>;
  /** Fields written to the ticket when its runbook starts. */
  write: FieldRule[];
}

/**
 * The effect of a change made on the ticket on its AWS record. The expressions read the ticket's
 * values of `fields` (the journal note reads one journal entry), with `$ticket` bound.
 */
export interface ReverseRule {
  /** Ticket fields the change poller reads. */
  fields: string[];
  /** True when the ticket counts as resolved or closed. */
  closed: CompiledExpression;
  /** The AWS status for the ticket's values; undefined or null writes no status. */
  status?: FieldRule;
  /** Sent with each status change. */
  note?: FieldRule;
  /** Journal fields whose entries are sent to AWS, once each, as notes. */
  journal?: { fields: string[]; note: FieldRule };
  /** Approval decisions sent to AWS as Automation signals (change requests). */
  decision?: {
    approve: CompiledExpression;
    reject: CompiledExpression;
    comment: FieldRule;
    /**
     * How to ask the ticket's approvers again when Change Manager needs a calendar override: fields
     * written once (they read the change request), and approvers asked where the system has
     * approval records.
     */
    calendarOverride?: { fields: FieldRule[]; approvers: string[] };
  };
}
