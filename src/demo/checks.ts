/**
 * The conditions a demo run must meet to count as a success. The printed tables show every
 * outcome, and these checks turn those that mean the story broke into a non-zero exit.
 */
import type { ChangeApprovalReport } from './change-approval.js';
import { ACCOUNT_RESOURCE_TYPE, REGION_RESOURCE_TYPE } from '../sources/config/placement-relationships.js';
import { DELETED_RESOURCE, type ConfigurationItemsReport } from './configuration-items.js';
import type { CmdbItemView } from './demo-target.js';
import type { WayBackReport } from './way-back.js';

/** A demo run finished, but a part of its story did not happen. */
export class DemoFailedError extends Error {
  constructor(readonly failures: string[]) {
    super(
      `The demo did not go as expected:\n${failures.map((failure) => `  - ${failure}`).join('\n')}\n` +
        'The tables above show each part; run the demo with --log-level info to see what the connector did.',
    );
    this.name = 'DemoFailedError';
  }
}

/** The parts of a run to check; a part left out is not checked. */
export interface CheckedParts {
  changeApproval?: ChangeApprovalReport;
  /** A way back in a run that starts empty, where every person edit must reach AWS. */
  freshWayBack?: WayBackReport;
  /** Tickets that delivering the samples a second time created. */
  secondDeliveryCreated?: number;
  /**
   * The CMDB part. Each resource's CI must be in use (Assets Active, ServiceNow Installed) with at
   * least one relationship, and the deleted resource's CI retired. The account and the Region must
   * each have a CI in use, and no resource may have two CIs.
   */
  configurationItems?: ConfigurationItemsReport;
  /** The noun of the target's tickets, for the messages: incident, issue. */
  ticketNoun: string;
}

/** Returns one sentence for each part that did not do what the demo shows; empty when all did. */
export function failuresOf(parts: CheckedParts): string[] {
  const failures: string[] = [];
  const { changeApproval, freshWayBack, secondDeliveryCreated, configurationItems, ticketNoun } = parts;

  if (changeApproval?.stoppedBecause !== undefined) failures.push(`the change approval stopped early: ${changeApproval.stoppedBecause}`);
  if (changeApproval !== undefined && changeApproval.duplicateCorrelations.length > 0) {
    failures.push(`more than one change carries the correlation value ${changeApproval.duplicateCorrelations.join(', ')}`);
  }

  for (const step of freshWayBack?.steps ?? []) {
    if (step.action === 'no-ticket') failures.push(`the way back found no ${ticketNoun} for ${step.title}`);
    if (step.action === 'already-closed') failures.push(`the way back found ${step.ticket} closed before the person resolved it`);
    if (step.action === 'resolved' && step.after.status === step.before.status) {
      failures.push(`resolving ${step.ticket} did not reach AWS: ${step.title} is still ${step.after.status}`);
    }
  }

  if (secondDeliveryCreated !== undefined && secondDeliveryCreated > 0) {
    failures.push(`delivering the samples a second time created ${secondDeliveryCreated} ${ticketNoun}(s); every sample should have matched its link`);
  }

  if (configurationItems !== undefined) failures.push(...configurationItemFailures(configurationItems));
  return failures;
}

/** Returns the failures of the CMDB part, as {@link CheckedParts.configurationItems} describes. */
function configurationItemFailures(report: ConfigurationItemsReport): string[] {
  const failures: string[] = [];

  for (const { resource, object } of report.objects) {
    const name = `${resource.resourceType} ${resource.resourceId}`;
    const deleted = resource.resourceType === DELETED_RESOURCE.resourceType && resource.resourceId === DELETED_RESOURCE.resourceId;
    if (object === undefined) failures.push(`the configuration item of ${name} has no CI in the CMDB`);
    else if (deleted && object.lifecycle !== 'retired') failures.push(`${name} was deleted, but its CI ${ciName(object)} is ${object.status}, not retired`);
    else if (!deleted && object.lifecycle !== 'in-use') failures.push(`the CI ${ciName(object)} of ${name} is ${object.status}, though the resource was not deleted`);
    // Every resource of the samples is in a Region, so its CI has at least that relationship.
    else if (!deleted && object.references.length === 0) failures.push(`the CI ${ciName(object)} of ${name} has no relationship, not even to its Region`);
  }

  // The samples' resources are in one account and one Region, whose CIs must exist and stay in use.
  const placementKinds: Array<[resourceType: string, noun: string]> = [
    [ACCOUNT_RESOURCE_TYPE, 'account'],
    [REGION_RESOURCE_TYPE, 'Region'],
  ];
  for (const [resourceType, noun] of placementKinds) {
    if (!report.placements.some(({ displayId }) => displayId.startsWith(`${resourceType} `))) {
      failures.push(`no CI was made for the ${noun} of the sample resources`);
    }
  }
  for (const { displayId, object } of report.placements) {
    if (object === undefined) failures.push(`${displayId} has no CI in the CMDB`);
    else if (object.lifecycle !== 'in-use') failures.push(`the CI ${ciName(object)} of ${displayId} is ${object.status}, but account and Region CIs are never retired`);
  }

  for (const resource of report.inventory?.duplicates ?? []) {
    failures.push(`${resource} (CI class and object id) has more than one CI; each resource must have one`);
  }
  return failures;
}

/** Names a CI in a message by its key and name: `AWS-4 (orders-api-prod-2)`, a sys_id in ServiceNow. */
function ciName(item: CmdbItemView): string {
  return `${item.number} (${item.name})`;
}
