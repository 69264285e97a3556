import type { ItsmTarget, TargetSystem, TicketRef } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { SyncRule } from '../rules/sync-rule.js';
import type { SyncEngine } from '../sync/engine.js';

/**
 * Resolves the open tickets that itsm-sync made on a CI once the CI is retired, as the CI rule's
 * `lifecycle.resolve.closeTickets` declares: the incidents of AWS Config rule evaluations on a
 * deleted resource, for example. Tickets that people made on the CI carry no correlation value of
 * a rule, so they are never touched.
 */
export class CiRetirement {
  constructor(
    private readonly options: {
      engine: SyncEngine;
      targets: Partial<Record<TargetSystem, ItsmTarget>>;
      logger: Logger;
    },
  ) {}

  /**
   * Resolve the tickets on the retired CI `ci` of `rule`, with its `closeTickets` fields evaluated
   * over `view` (what is known of the configuration item). Returns how many were resolved. A
   * failed listing throws, so the deletion event is delivered again and the call repeated. A
   * ticket whose write fails is logged and the others go on; it is tried again only if the
   * deletion event comes again.
   */
  async closeTickets(rule: SyncRule, ci: TicketRef, view: object): Promise<number> {
    const spec = rule.lifecycle.closeTickets;
    const target = this.options.targets[rule.target.system];
    if (spec === undefined || target?.listOpenReferencing === undefined) return 0;

    // The prefixes of the rules that write to that table: their tickets are the ones itsm-sync made.
    const prefixes = this.options.engine.rules
      .filter((candidate) => candidate.target.system === rule.target.system && candidate.target.table === spec.table)
      .map((candidate) => candidate.correlation.prefix);
    if (prefixes.length === 0) return 0;

    let resolved = 0;
    for await (const ticket of target.listOpenReferencing(spec.table, spec.field, ci.id, prefixes)) {
      try {
        const reason = `the CI ${ci.number} it is about was retired`;
        if (await this.options.engine.resolveLink(ticket.correlation, view, { reason, steps: [spec.fields], ci })) resolved += 1;
      } catch (error) {
        this.options.logger.warn(
          { rule: rule.name, ci: ci.id, ticket: ticket.ref.number, errorName: (error as Error).name, errorMessage: (error as Error).message },
          `Could not resolve ${ticket.ref.number} on the retired CI ${ci.id}; it stays open`,
        );
      }
    }
    return resolved;
  }
}
