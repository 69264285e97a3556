/**
 * The demo against Jira Service Management: the ServiceNow demo's story, with the Jira simulator
 * (Cloud or Data Center) and the mappings in `mappings/jira/`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Connector } from '../app/connector.js';
import type { LocalStack } from '../simulators/local-stack.js';
import type { JiraDeployment } from '../simulators/jira/index.js';
import { runChangeApproval, type ChangeApprovalReport } from './change-approval.js';
import { DemoFailedError, failuresOf } from './checks.js';
import { requireDeletedResource, runConfigurationItems, type ConfigurationItemsReport } from './configuration-items.js';
import { formatConfigurationItems } from './configuration-items-report.js';
import type { DemoOptions } from './demo.js';
import { JiraDemoTarget } from './jira-demo-target.js';
import { DemoPrinter, timelineHeading, type PartWrites } from './report.js';
import { loadDemoSamples, loadResourceSamples, PACKAGE_ROOT, SAMPLE_DIRS } from './samples.js';
import { runDemoSession } from './session.js';
import { linkedRecords, runTimeline, type TimelineEntry } from './timeline.js';
import { writesBetween } from './traffic.js';
import { runWayBack, type WayBackReport } from './way-back.js';

const JIRA_MAPPINGS_DIR = join(PACKAGE_ROOT, 'mappings/jira');

/** Options of the Jira demo: those of the ServiceNow demo, with the deployment required. */
export interface JiraDemoOptions extends DemoOptions {
  deployment: JiraDeployment;
}

/** Results of one Jira demo run, as printed. */
export interface JiraDemoReport {
  deployment: JiraDeployment;
  timeline: TimelineEntry[];
  wayBack: WayBackReport;
  /** The samples delivered a second time, after the way back. */
  secondDelivery: TimelineEntry[];
  changeApproval: ChangeApprovalReport;
  configurationItems: ConfigurationItemsReport;
  writes: Required<PartWrites>;
  /** Issues of findings and OpsItems that the first delivery created. */
  issuesCreated: number;
  /** Issues of findings and OpsItems that the second delivery created: 0 when every sample matched its link. */
  issuesCreatedBySecondDelivery: number;
  /** Issues of findings and OpsItems at the end, changes left out. */
  issuesTotal: number;
}

/**
 * Runs the real connector against the Jira simulator with the mappings in `mappings/jira/`, next
 * to the same AWS stand-ins as the ServiceNow demo, and prints each part:
 *
 * 1. Timeline: the sample findings and OpsItems become issues in SEC and ITS.
 * 2. Way back: an agent comments on and resolves two issues, and one change poll carries the
 *    resolution and the comments to the finding and the OpsItem.
 * 3. Second delivery: the same samples again, which must create no issue.
 * 4. Change approval: an AWS change request becomes a JSM change, the approver approves it in
 *    Jira, one change poll sends the Approve signal, and the runbook's end completes it.
 * 5. Configuration items: AWS Config records a few resources, which become JSM Assets objects,
 *    then the deletion of one, whose object is retired.
 *
 * The simulator keeps issues in memory only, so each run starts with an empty site and a new
 * state store in `<dataDir>/jira-<deployment>`. The second delivery shows what a second run would.
 * Throws DemoFailedError, after printing, when a part did not happen as described.
 */
export async function playJiraDemo(options: JiraDemoOptions): Promise<JiraDemoReport> {
  if (options.fresh) rmSync(resolve(options.dataDir), { recursive: true, force: true });
  const dataDir = join(resolve(options.dataDir), `jira-${options.deployment}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  // Everything read from files is checked before any server starts.
  const samples = loadDemoSamples();
  const resources = loadResourceSamples(SAMPLE_DIRS.resources);
  requireDeletedResource(resources, SAMPLE_DIRS.resources);

  const report = await runDemoSession(
    {
      mappingsDir: JIRA_MAPPINGS_DIR,
      stateStore: `sqlite:${join(dataDir, 'state.db')}`,
      logLevel: options.logLevel,
      jira: { deployment: options.deployment },
      createTarget: createJiraTarget,
    },
    {
      async play(session): Promise<JiraDemoReport> {
        const { target, traffic } = session;
        const printer = new DemoPrinter(target, options.output);
        printer.text(introduction(options.deployment, dataDir));

        const timeline = await runTimeline(session, samples.all);
        const timelineWrites = traffic.writes();
        const issuesCreated = target.ticketCount();
        printer.timeline(timeline, timelineHeading(samples.counts));

        const wayBack = await runWayBack(session, linkedRecords(timeline));
        printer.wayBack(wayBack);

        const beforeSecondDelivery = traffic.writes();
        const issuesBeforeSecondDelivery = target.ticketCount();
        const secondDelivery = await runTimeline(session, samples.all);
        const issuesCreatedBySecondDelivery = target.ticketCount() - issuesBeforeSecondDelivery;
        printer.timeline(
          secondDelivery,
          `Second delivery: the same ${samples.counts.findingEvents} finding events and ${samples.counts.opsItems} OpsItems again, as a second run delivers them:`,
        );
        printer.text(`New issues from the second delivery: ${issuesCreatedBySecondDelivery}.\n`);
        const secondDeliveryWrites = writesBetween(beforeSecondDelivery, traffic.writes());

        const changeApproval = await runChangeApproval(session);
        printer.changeApproval(changeApproval);

        const configurationItems = await runConfigurationItems(session, resources);
        printer.text(formatConfigurationItems(configurationItems, target.cmdbName ?? target.name));

        const writes = {
          timeline: timelineWrites,
          wayBack: wayBack.writes,
          secondDelivery: secondDeliveryWrites,
          changeApproval: changeApproval.writes,
          configurationItems: configurationItems.writes,
        };
        const echoOutcomes = [...timeline, ...secondDelivery].flatMap((entry) => entry.echoes.map((echo) => echo.outcome));
        printer.writes(writes, [...echoOutcomes, ...wayBack.echoes.map(({ result }) => result.outcome)]);

        const issuesTotal = target.ticketCount();
        printer.text(
          `\nNew issues in this run: ${issuesTotal}, ${issuesCreatedBySecondDelivery} of them from the second delivery. ` +
            `Changes: ${changeApproval.changeCount}. Assets objects: ${configurationItems.objects.length + configurationItems.placements.length} (${configurationItems.placements.length} of them for the account and Region).\n`,
        );
        return {
          deployment: options.deployment,
          timeline,
          wayBack,
          secondDelivery,
          changeApproval,
          configurationItems,
          writes,
          issuesCreated,
          issuesCreatedBySecondDelivery,
          issuesTotal,
        };
      },
    },
  );

  const failures = failuresOf({
    changeApproval: report.changeApproval,
    freshWayBack: report.wayBack,
    secondDeliveryCreated: report.issuesCreatedBySecondDelivery,
    configurationItems: report.configurationItems,
    ticketNoun: 'issue',
  });
  if (failures.length > 0) throw new DemoFailedError(failures);
  return report;
}

/** Builds the demo's view of the Jira simulator; changes are the issues the change rule links. */
function createJiraTarget(stack: LocalStack, connector: Connector): JiraDemoTarget {
  const changeRule = connector.rules.find((rule) => rule.source.kind === 'change-request' && rule.target.system === 'jira');
  if (stack.jira === undefined || changeRule === undefined) {
    throw new Error(`The Jira demo needs the Jira simulator and a change request rule for Jira in ${JIRA_MAPPINGS_DIR}.`);
  }
  return new JiraDemoTarget(stack.jira, { changePrefix: changeRule.correlation.prefix });
}

function introduction(deployment: JiraDeployment, dataDir: string): string {
  const api = deployment === 'cloud' ? 'Jira Cloud simulator (REST API v3, text as Atlassian Document Format)' : 'Jira Data Center simulator (REST API v2, text as wiki markup)';
  return (
    `\nThe connector syncs to a ${api}, with the mappings in mappings/jira:\n` +
    'findings go to project SEC, OpsItems and AWS change requests to project ITS, configuration items to JSM Assets.\n' +
    `The simulator keeps its issues in memory only, so each Jira run starts from an empty site and a new state store in\n` +
    `${dataDir}; the second delivery below shows what a second run does.\n`
  );
}
