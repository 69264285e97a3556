/**
 * The conditions a demo run must meet to count as a success. The printed tables show every
 * outcome, and these checks turn those that mean the story broke into a non-zero exit.
 */
import type { ChangeApprovalReport } from './change-approval.js';
import { DELETED_RESOURCE, type ConfigurationItemsReport } from './configuration-items.js';
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
   * The CMDB part, whose objects must be Active, and Retired for the deleted resource (the Assets
   * mappings' status names), and whose account and Region objects must exist and be Active.
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

  for (const { resource, object } of configurationItems?.objects ?? []) {
    const name = `${resource.resourceType} ${resource.resourceId}`;
    const deleted = resource.resourceType === DELETED_RESOURCE.resourceType && resource.resourceId === DELETED_RESOURCE.resourceId;
    if (object === undefined) failures.push(`the configuration item of ${name} has no CMDB object`);
    else if (deleted && object.status !== 'Retired') failures.push(`${name} was deleted, but its object ${object.number} is ${object.status}, not Retired`);
    else if (!deleted && object.status !== 'Active') failures.push(`the object ${object.number} of ${name} is ${object.status}, not Active`);
  }

  // The samples' resources are in one account and one Region, whose objects must exist and stay Active.
  if (configurationItems !== undefined && configurationItems.placements.length === 0) {
    failures.push('no object was made for the account and Region of the sample resources');
  }
  for (const { displayId, object } of configurationItems?.placements ?? []) {
    if (object === undefined) failures.push(`${displayId} has no CMDB object`);
    else if (object.status !== 'Active') failures.push(`the object ${object.number} of ${displayId} is ${object.status}, not Active`);
  }
  return failures;
}
