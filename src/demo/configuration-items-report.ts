/** The printed CMDB part of the demo: each configuration item change and the CI it left. */
import Table from 'cli-table3';

import type { SyncOutcome } from '../sync/engine.js';
import { DELETED_RESOURCE, type ConfigurationItemsReport, type ConfigurationItemStep } from './configuration-items.js';
import type { CmdbItemView } from './demo-target.js';

const TABLE_STYLE = { head: [], border: [] };

/** One column that shows a CI, after the step, AWS resource and connector columns. */
export interface CmdbColumn {
  head: string;
  /** Width in the steps table, then in the account and Region table, in characters. */
  widths: [steps: number, placements: number];
  cell(item: CmdbItemView): string;
}

/** The printed form of one CMDB's part: the columns that show a CI and the words for what happened to it. */
export interface CmdbLayout {
  /** The CMDB's word for one entry, alone and with its article: `object`, `an object`. */
  item: { noun: string; withArticle: string };
  columns: CmdbColumn[];
  /** Meaning of each sync outcome for a configuration item, in this CMDB's words. */
  outcomeMeanings: Partial<Record<SyncOutcome, string>>;
  /** Lines under the steps table about the relationship column. */
  relationshipsNote: string[];
}

/** JSM Assets: objects with an object key, a Status attribute and reference attributes. */
export const ASSETS_LAYOUT: CmdbLayout = {
  item: { noun: 'object', withArticle: 'an object' },
  columns: [
    { head: 'Object', widths: [9, 9], cell: (item) => item.number },
    { head: 'Name', widths: [26, 16], cell: (item) => item.name },
    { head: 'Status', widths: [9, 9], cell: (item) => item.status },
    { head: 'References', widths: [30, 30], cell: referencesCell },
  ],
  outcomeMeanings: {
    created: 'the resource is new, so an object was created and linked to it',
    adopted: 'an object for the resource existed already without a link, so it was linked instead of creating another',
    updated: 'the object got the fields that changed',
    unchanged: 'the object is linked and nothing mapped changed, so nothing was written',
    resolved: 'AWS Config recorded the deletion, so the object was retired: Status Retired, never deleted',
  },
  relationshipsNote: [
    '  References: reference attributes that the connector set from the AWS Config relationships of the resource,',
    '  and from the account and Region it is in.',
  ],
};

/**
 * The ServiceNow CMDB: a CI is a row of its class table (which extends `cmdb_ci`), found again by
 * `object_id`, and its relationships are `cmdb_rel_ci` rows. The install_status values are those
 * the mappings in `mappings/` write: 1 Installed, 7 Retired.
 */
export const SERVICENOW_CMDB_LAYOUT: CmdbLayout = {
  item: { noun: 'CI', withArticle: 'a CI' },
  columns: [
    { head: 'CI class (table)\nname\nobject_id', widths: [32, 32], cell: (item) => [item.className ?? '-', item.name, item.objectId || '-'].join('\n') },
    { head: 'install_status', widths: [16, 16], cell: (item) => item.status },
    { head: 'Relationships\n(cmdb_rel_ci)', widths: [32, 32], cell: referencesCell },
  ],
  outcomeMeanings: {
    created: 'the resource is new, so a CI was inserted in its class table and linked to the resource',
    adopted: 'a CI with the resource id as object_id and no correlation_id existed already, so it was linked instead of inserting another',
    updated: 'the CI got the fields that changed',
    unchanged: 'the CI is linked and nothing mapped changed, so nothing was written',
    reopened:
      'AWS Config recorded the resource of a retired CI again within its mapping\'s lifecycle.reopen window (30 days in\n' +
      '    mappings/), so the CI was installed again (install_status 1) and its relationships were made again',
    resolved:
      'AWS Config recorded the deletion, so the CI was retired (install_status 7) and its relationships removed;\n' +
      '    the CI itself stays in the CMDB',
  },
  relationshipsNote: [
    '  Relationships: the cmdb_rel_ci rows of the CI, each named from its own end (a subnet is "Contained by" its VPC).',
    '  The connector makes them from the AWS Config relationships of the resource, and "Hosted on" for its Region.',
  ],
};

/**
 * Formats the CMDB part, ready to print. `cmdbName` names the CMDB in a sentence, such as
 * `JSM Assets`; `layout` gives its columns and words, those of JSM Assets unless given.
 */
export function formatConfigurationItems(report: ConfigurationItemsReport, cmdbName: string, layout: CmdbLayout = ASSETS_LAYOUT): string {
  const recorded = report.steps.filter((step) => step.action === 'recorded').length;
  const { noun, withArticle } = layout.item;
  const lines = [
    '',
    `Configuration items: AWS Config records ${recorded} resources, then the deletion of ${DELETED_RESOURCE.resourceId}; each Configuration`,
    `Item Change event reaches the queue, and the connector writes the resource's ${noun} in ${cmdbName}:`,
  ];

  const table = new Table({
    head: ['Step', 'AWS resource', 'Connector', ...layout.columns.map((column) => column.head)],
    wordWrap: true,
    style: TABLE_STYLE,
    colWidths: [10, 30, 12, ...layout.columns.map((column) => column.widths[0])],
  });
  table.push(...report.steps.map((step) => stepRow(step, layout)));
  lines.push(table.toString());

  const present = new Set(report.steps.flatMap((step) => step.outcomes));
  for (const [outcome, meaning] of Object.entries(layout.outcomeMeanings)) {
    if (present.has(outcome as SyncOutcome)) lines.push(`  ${outcome}: ${meaning}`);
  }
  lines.push(...layout.relationshipsNote);

  lines.push('', `The connector also keeps ${withArticle} in ${cmdbName} for each account and Region the resources are in (never retired):`);
  const placements = new Table({
    head: ['AWS record', ...layout.columns.map((column) => column.head)],
    wordWrap: true,
    style: TABLE_STYLE,
    colWidths: [43, ...layout.columns.map((column) => column.widths[1])],
  });
  placements.push(...report.placements.map(({ displayId, object }) => [displayId, ...itemCells(object, layout)]));
  lines.push(placements.toString());
  return `${lines.join('\n')}\n`;
}

function stepRow(step: ConfigurationItemStep, layout: CmdbLayout): string[] {
  return [step.action, `${step.resource.resourceType}\n${step.resource.resourceId}`, step.outcomes.join('\n') || 'no sync', ...itemCells(step.object, layout)];
}

function itemCells(item: CmdbItemView | undefined, layout: CmdbLayout): string[] {
  return layout.columns.map((column) => (item === undefined ? '-' : column.cell(item)));
}

function referencesCell(item: CmdbItemView): string {
  return item.references.length === 0 ? '-' : item.references.join('\n');
}

/**
 * Formats what the CMDB part left in a CMDB that outlives the run, from the counts in
 * `report.inventory`: how many CIs there are, and in a run that continues an earlier one, why
 * none was created twice. Returns an empty string when the report has no counts.
 */
export function formatCmdbInventory(report: ConfigurationItemsReport, cmdbName: string, earlierRun: boolean): string {
  const { inventory } = report;
  if (inventory === undefined) return '';
  const created = inventory.after - inventory.before;
  const lines = [`CIs in ${cmdbName}: ${inventory.after}, ${created} of them new in this run and ${inventory.retired} retired.`];

  if (earlierRun && created === 0) {
    lines.push('The CIs were made by an earlier run in this data folder: each configuration item matched its link, so no CI was created twice.');
  } else if (earlierRun) {
    lines.push('Resources synced in an earlier run matched their links; the new CIs are for resources that earlier runs did not have.');
  }

  // The AWS simulators start empty, so a later run records the deleted instance as running again.
  const deletedAgain = report.steps.find((step) => step.action === 'recorded' && sameResource(step.resource, DELETED_RESOURCE));
  if (deletedAgain?.outcomes.includes('reopened')) {
    lines.push(
      `AWS Config recorded ${DELETED_RESOURCE.resourceId} again as running, because each run records the samples anew, so its retired CI`,
      'was installed again (reopened) until the deletion retired it once more: the same CI, not a second one.',
    );
  }
  return `${lines.join('\n')}\n`;
}

function sameResource(left: { resourceType: string; resourceId: string }, right: { resourceType: string; resourceId: string }): boolean {
  return left.resourceType === right.resourceType && left.resourceId === right.resourceId;
}
