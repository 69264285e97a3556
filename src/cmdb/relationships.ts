import type { ItsmTarget, SourceRecord, TargetSystem, TicketRef } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import { CONFIG_API_FORMAT, configurationItemIdentity } from '../sources/config/configuration-item-record.js';
import type { ConfigurationItemView } from '../sources/config/configuration-item-view.js';
import { isPlacementRelationship } from '../sources/config/placement-relationships.js';
import type { StateStore } from '../state/store.js';
import type { SyncEngine, SyncResult } from '../sync/engine.js';

/**
 * Keeps the CMDB relationships (`cmdb_rel_ci`) of a CI in line with its configuration item's
 * relationships, through the `relationships` section of its rule, after each sync of the CI.
 *
 * A relationship is made when both CIs exist. When the other CI arrives later, its own item lists
 * the inverse relationship (AWS Config records both sides), and its rule makes the relationship
 * then. Relationships this CI's rule made that AWS Config no longer lists are removed; a retired
 * CI keeps none.
 *
 * Items read from the API (oversized notifications, reconcile passes) carry none of AWS Config's
 * relationships, only the account and Region ones that itsm-sync adds. Their sync makes those and
 * removes nothing, because an empty list there does not mean the relationships ended.
 */
export class CmdbRelationships {
  constructor(
    private readonly options: {
      engine: SyncEngine;
      store: StateStore;
      targets: Partial<Record<TargetSystem, ItsmTarget>>;
      logger: Logger;
    },
  ) {}

  async sync(record: SourceRecord, result: SyncResult): Promise<void> {
    const rule = result.rule === undefined ? undefined : this.options.engine.ruleNamed(result.rule);
    const spec = rule?.relationships;
    const target = rule === undefined ? undefined : this.options.targets[rule.target.system];
    if (rule === undefined || spec === undefined || target?.relate === undefined || result.correlation === undefined) return;
    const view = record.view as ConfigurationItemView;
    const apiItem = record.format === CONFIG_API_FORMAT;
    const mapped = (view.relationships ?? []).filter((relation) => spec[relation.name] !== undefined && (!apiItem || isPlacementRelationship(relation)));
    // An API item can only add relationships, so without a mapped one there is nothing to do.
    if (apiItem && mapped.length === 0) return;

    await this.options.engine.withLease(result.correlation, async () => {
      const link = await this.options.store.getLink(result.correlation!);
      if (link?.ticket === undefined) return;

      // The relationships the item lists, between CIs that both exist.
      const wanted = new Map<string, { parent: TicketRef; child: TicketRef; type: string }>();
      if (link.status === 'open') {
        for (const relation of mapped) {
          const mapping = spec[relation.name]!;
          const other = await this.options.engine.linkedConfigurationItem(configurationItemIdentity(view.account, view.region, relation.resourceType, relation.resourceId), rule.target.system);
          if (other === undefined) continue;

          const [parent, child] = mapping.this === 'parent' ? [link.ticket, other] : [other, link.ticket];
          wanted.set(`${parent.id}|${child.id}|${mapping.type}`, { parent, child, type: mapping.type });
        }
      }

      const relations = { ...link.relations };
      for (const [key, pair] of wanted) {
        if (relations[key] === undefined) relations[key] = await target.relate!(pair.parent, pair.child, pair.type);
      }
      for (const [key, id] of Object.entries(relations)) {
        if (wanted.has(key) || apiItem) continue;
        await target.unrelate?.(id);
        delete relations[key];
      }

      if (JSON.stringify(relations) !== JSON.stringify(link.relations ?? {})) {
        await this.options.store.putLink({ ...link, relations, updatedAt: new Date().toISOString() });
        this.options.logger.info({ ticket: link.ticket.number, relationships: Object.keys(relations).length }, `CMDB relationships of ${link.ticket.number} updated`);
      }
    });
  }
}
