/** The printed CMDB part of the demo: each configuration item change and the object it left. */
import Table from 'cli-table3';

import type { SyncOutcome } from '../sync/engine.js';
import { DELETED_RESOURCE, type ConfigurationItemsReport, type ConfigurationItemStep } from './configuration-items.js';

const TABLE_STYLE = { head: [], border: [] };

/** Meaning of each sync outcome for a configuration item, in the words of this part. */
const CONFIGURATION_ITEM_OUTCOME_MEANINGS: Partial<Record<SyncOutcome, string>> = {
  created: 'the resource is new, so an object was created and linked to it',
  adopted: 'an object for the resource existed already without a link, so it was linked instead of creating another',
  updated: 'the object got the attributes that changed',
  unchanged: 'the object is linked and nothing mapped changed, so nothing was written',
  resolved: 'AWS Config recorded the deletion, so the object was retired: Status Retired, never deleted',
};

/** Formats the CMDB part, ready to print. `cmdbName` names the CMDB, such as `JSM Assets`. */
export function formatConfigurationItems(report: ConfigurationItemsReport, cmdbName: string): string {
  const recorded = report.steps.filter((step) => step.action === 'recorded').length;
  const lines = [
    '',
    `Configuration items: AWS Config records ${recorded} resources, then the deletion of ${DELETED_RESOURCE.resourceId}; each Configuration`,
    `Item Change event reaches the queue, and the connector writes the resource's object in ${cmdbName}:`,
  ];

  const table = new Table({
    head: ['Step', 'AWS resource', 'Connector', 'Object', 'Name', 'Status', 'References'],
    wordWrap: true,
    style: TABLE_STYLE,
    colWidths: [10, 30, 12, 9, 26, 9, 30],
  });
  table.push(...report.steps.map(stepRow));
  lines.push(table.toString());

  const present = new Set(report.steps.flatMap((step) => step.outcomes));
  for (const [outcome, meaning] of Object.entries(CONFIGURATION_ITEM_OUTCOME_MEANINGS)) {
    if (present.has(outcome as SyncOutcome)) lines.push(`  ${outcome}: ${meaning}`);
  }
  lines.push('  References: reference attributes that the connector set from the AWS Config relationships of the resource,');
  lines.push('  and from the account and Region it is in.');

  lines.push('', `The connector also keeps an object in ${cmdbName} for each account and Region the resources are in (never retired):`);
  const placements = new Table({ head: ['AWS record', 'Object', 'Name', 'Status', 'References'], wordWrap: true, style: TABLE_STYLE, colWidths: [43, 9, 16, 9, 30] });
  placements.push(
    ...report.placements.map(({ displayId, object }) => [
      displayId,
      object?.number ?? '-',
      object?.name ?? '-',
      object?.status ?? '-',
      object === undefined || object.references.length === 0 ? '-' : object.references.join('\n'),
    ]),
  );
  lines.push(placements.toString());
  return `${lines.join('\n')}\n`;
}

function stepRow(step: ConfigurationItemStep): string[] {
  const { object } = step;
  return [
    step.action,
    `${step.resource.resourceType}\n${step.resource.resourceId}`,
    step.outcomes.join('\n') || 'no sync',
    object?.number ?? '-',
    object?.name ?? '-',
    object?.status ?? '-',
    object === undefined || object.references.length === 0 ? '-' : object.references.join('\n'),
  ];
}
