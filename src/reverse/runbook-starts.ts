import type { ChangedTicket, ItsmChangeFeed, ItsmTarget, TargetSystem } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { SyncRule } from '../rules/sync-rule.js';
import type { Link, StateStore } from '../state/store.js';
import { correlationFor } from '../sync/correlation.js';
import type { SyncEngine } from '../sync/engine.js';
import { compactSeen } from '../sync/ticket-fields.js';
import { type AutomationStarter, clientTokenFor, RunbookStartError } from '../writeback/automation-starter.js';

export interface RunbookStartsOptions {
  rules: SyncRule[];
  engine: SyncEngine;
  store: StateStore;
  targets: Partial<Record<TargetSystem, ItsmTarget>>;
  feeds: Partial<Record<TargetSystem, ItsmChangeFeed>>;
  starter: AutomationStarter;
  /** The Region and account runbooks run in: the task's own. */
  region: string;
  account: string;
  logger: Logger;
  clock?: () => Date;
}

/** The result of one candidate change. */
export type RunbookStartOutcome = 'started' | 'not-due' | 'tried-already' | 'refused';

/**
 * ServiceNow changes that run an AWS runbook: each poll lists, per rule with a `start` section, the
 * approved changes that match its query, are due, and carry no correlation value yet, and starts
 * the runbook for each.
 *
 * A start is made once per change: the ClientToken is derived from the change's id, so a retry
 * after a lost response returns the same execution, and the change gets the correlation value in
 * the same write that moves it on. From then on the execution's events keep the change in step
 * through the rule, as for changes that came from AWS. A start AWS refuses (parameters that fail
 * the runbook's checks) is noted on the change and tried again only after the change is edited.
 */
export class RunbookStarts {
  private readonly clock: () => Date;
  private readonly rules: SyncRule[];

  constructor(private readonly options: RunbookStartsOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.rules = options.rules.filter((rule) => rule.start !== undefined);
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  /** Look for due changes of every rule with a `start` section and start their runbooks. */
  async pollOnce(): Promise<Record<RunbookStartOutcome, number>> {
    const counts: Record<RunbookStartOutcome, number> = { started: 0, 'not-due': 0, 'tried-already': 0, refused: 0 };

    for (const rule of this.rules) {
      const feed = this.options.feeds[rule.target.system];
      if (feed?.listStartCandidates === undefined) continue;

      for await (const change of feed.listStartCandidates(rule.target.table, rule.start!.query, rule.start!.fields, this.clock())) {
        try {
          counts[await this.startFor(rule, change)] += 1;
        } catch (error) {
          // Throttling or a network failure: the next poll tries this change again; the others go on.
          this.options.logger.warn(
            { rule: rule.name, ticket: change.ref.number, errorName: (error as Error).name, errorMessage: (error as Error).message },
            `Could not start the runbook of ${change.ref.number} this time: ${(error as Error).message}`,
          );
        }
      }
    }
    return counts;
  }

  private async startFor(rule: SyncRule, change: ChangedTicket): Promise<RunbookStartOutcome> {
    const start = rule.start!;
    const target = this.options.targets[rule.target.system]!;
    const attemptKey = `runbook-start:${rule.target.system}:${change.ref.id}`;
    if ((await this.options.store.getCursor(attemptKey)) === String(change.version)) return 'tried-already';

    const input = Object.fromEntries(start.fields.map((field) => [field, change.values[field]]));
    const bindings = { rule: rule.name, now: this.clock().toISOString(), ticket: change.ref };
    if (start.when !== undefined && !(await start.when.evaluate(input, bindings))) return 'not-due';

    const parameters = await evaluateParameters(start.parameters, input, bindings);
    const templateParameters = await evaluateParameters(start.templateParameters, input, bindings);

    let executionId: string;
    try {
      executionId = await this.options.starter.start({
        region: this.options.region,
        account: this.options.account,
        documentName: start.runbook,
        parameters,
        clientToken: clientTokenFor(change.ref.id),
        changeTemplate: start.changeTemplate,
        templateParameters,
        changeRequestName: `${change.ref.number}: ${start.runbook}`,
      });
    } catch (error) {
      if (!(error instanceof RunbookStartError) || error.retryable) throw error;

      // Tell the change's owner, and wait for the change to be edited before trying again. The
      // note is itself a write, so the version to wait past is the one after it.
      await target.update(change.ref, {}, { note: `itsm-sync could not start AWS runbook ${start.runbook}: ${error.reason}. It tries again when the change is updated.` });
      await this.options.store.setCursor(attemptKey, String(change.version + 1));
      this.options.logger.warn({ rule: rule.name, ticket: change.ref.number, runbook: start.runbook, errorCode: error.errorCode }, `Runbook ${start.runbook} for ${change.ref.number} not started: ${error.reason}`);
      return 'refused';
    }

    const identity = `change-request|${this.options.account}|${this.options.region}|${executionId}`;
    const correlation = correlationFor(rule.correlation.prefix, identity);
    await this.options.engine.withLease(correlation, async () => {
      const write = Object.fromEntries(
        (await Promise.all(start.write.map(async (field) => [field.name, await field.evaluate(input, bindings)] as const))).filter(([, value]) => value !== undefined),
      );
      const snapshot = await target.attach(change.ref, correlation, write, {
        read: rule.reverse?.fields,
        note:
          start.changeTemplate === undefined
            ? `itsm-sync started AWS Automation runbook ${start.runbook}, execution ${executionId}.`
            : `itsm-sync started an auto-approved AWS Change Manager change request (template ${start.changeTemplate}, runbook ${start.runbook}), execution ${executionId}.`,
      });

      const now = this.clock().toISOString();
      const link: Link = {
        correlation,
        identity,
        kind: 'change-request',
        rule: rule.name,
        status: 'open',
        ticket: change.ref,
        origin: 'itsm',
        baselinePending: true,
        // What the start wrote (state Implement), so the resolve steps know the change got that far.
        written: write,
        writebacks: {},
        previousTickets: [],
        awsRecords: { automation: { displayId: executionId, writebackKey: { executionId, region: this.options.region, account: this.options.account } } },
        itsm: snapshot === undefined ? undefined : { version: snapshot.version, seen: compactSeen(snapshot.values, {}) },
        // Approved before it started: there is no decision to send.
        decidedAt: now,
        createdAt: now,
        updatedAt: now,
      };
      await this.options.store.putLink(link);
    });

    this.options.logger.info({ rule: rule.name, ticket: change.ref.number, runbook: start.runbook, executionId }, `Started runbook ${start.runbook} for ${change.ref.number}: execution ${executionId}`);
    return 'started';
  }
}

/** Evaluate parameter expressions into the `map<string, string[]>` SSM takes; empty values are left out. */
async function evaluateParameters(
  specs: ReadonlyArray<{ name: string; value: { evaluate(input: unknown, bindings?: object): Promise<unknown> } }>,
  input: Record<string, unknown>,
  bindings: object,
): Promise<Record<string, string[]>> {
  const parameters: Record<string, string[]> = {};
  for (const parameter of specs) {
    const value = await parameter.value.evaluate(input, bindings);
    if (value === undefined || value === null || value === '') continue;
    parameters[parameter.name] = (Array.isArray(value) ? value : [value]).map(String);
  }
  return parameters;
}
