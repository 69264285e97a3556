/**
 * The demo's printed output: the timeline table, the way back, the change approval, the writes each
 * side received, and what every outcome means.
 */
import Table from 'cli-table3';

import type { ReverseOutcome } from '../reverse/reverse-sync.js';
import type { SyncOutcome } from '../sync/engine.js';
import type { ChangeApprovalReport } from './change-approval.js';
import { formatChangeApproval } from './change-report.js';
import type { DemoTarget } from './demo-target.js';
import { severityOf, titleOf, type TimelineEntry } from './timeline.js';
import type { WriteCounts } from './traffic.js';
import type { WayBackReport, WayBackStep } from './way-back.js';

/** Destination of the demo's text, such as `process.stdout`. */
export interface TextOutput {
  write(text: string): unknown;
}

/** The writes of each part of a run, in the order the parts ran; parts a run skips are left out. */
export interface PartWrites {
  timeline: WriteCounts;
  wayBack: WriteCounts;
  secondDelivery?: WriteCounts;
  changeApproval: WriteCounts;
  configurationItems?: WriteCounts;
}

const PART_NAMES: Record<keyof PartWrites, string> = {
  timeline: 'Timeline',
  wayBack: 'Way back',
  secondDelivery: 'Second delivery',
  changeApproval: 'Change approval',
  configurationItems: 'Configuration items',
};

const TABLE_STYLE = { head: [], border: [] };

/** Meaning of each sync outcome, with `{ticket}` for what the target calls a ticket (incident, issue). */
const SYNC_OUTCOME_MEANINGS: Record<SyncOutcome, string> = {
  created: 'a new {ticket} was created and linked to the finding or OpsItem',
  adopted: "an {ticket} with the record's correlation value existed already, so it was linked instead of creating another",
  updated: 'the linked {ticket} got the fields that changed',
  unchanged: 'the record is linked and nothing mapped changed, so nothing was written',
  resolved: 'the finding passed or was archived, or the OpsItem was resolved, so its {ticket} was resolved',
  'not-created': 'the record does not meet the creation conditions (for findings: severity, record state, workflow status)',
  'already-resolved': 'the {ticket} is resolved and the record is still passing or resolved, so nothing was written',
  'closed-not-patched':
    'a person closed the {ticket} while the finding was still failing or the OpsItem still open.\n' +
    '    It stays closed until the record is resolved in AWS and then fails or opens again, so nothing was written',
  stale: 'the event is older than the state already synced, so it was dropped',
  reopened: 'the record failed or opened again within the reopen window, so its {ticket} was reopened',
  recreated: 'the record failed or opened again after the reopen window, so a new {ticket} references the old one',
  'no-rule': 'no sync rule matches the record, so nothing was done',
};

/** Outcomes that leave the ticket as it was. */
const NO_TICKET_WRITE: ReadonlySet<SyncOutcome> = new Set(['unchanged', 'not-created', 'already-resolved', 'closed-not-patched', 'stale', 'no-rule']);

const REVERSE_OUTCOME_MEANINGS: Record<ReverseOutcome, string> = {
  applied: 'a person changed the {ticket}, and the change was written to the finding or OpsItem',
  'no-change': "nothing a person changed: itsm-sync's own write, or a field that no rule maps back",
  seen: 'this version of the {ticket} or change is known already: itsm-sync wrote it itself, or an earlier read handled it',
  unlinked: 'no link has this {ticket}',
  'one-way': "the {ticket}'s rule syncs one way only",
};

/**
 * Prints the parts of the demo to one output. Each outcome is explained once, under the first
 * table or list that shows it.
 */
export class DemoPrinter {
  private readonly explained = new Set<string>();
  private readonly syncMeanings: Record<string, string>;
  private readonly reverseMeanings: Record<string, string>;

  constructor(
    private readonly target: DemoTarget,
    private readonly output: TextOutput = process.stdout,
  ) {
    this.syncMeanings = withTicketNoun(SYNC_OUTCOME_MEANINGS, target.ticketNoun);
    this.reverseMeanings = withTicketNoun(REVERSE_OUTCOME_MEANINGS, target.ticketNoun);
  }

  /** Prints the note at the start of a run that continues an earlier one. */
  earlierRun(dataDir: string): void {
    this.output.write(
      `\nContinuing the demo state in ${dataDir}: the ${this.target.name} records and the state store are kept from earlier runs.\n` +
        'The AWS simulators start empty, so the findings and OpsItems arrive as they did the first time.\n',
    );
  }

  /** Prints a timeline table under `heading`, and what its outcomes mean. */
  timeline(entries: TimelineEntry[], heading: string): void {
    const { heads, widths } = this.target.ticketColumns;
    const table = new Table({
      head: ['Kind', 'Finding / OpsItem', 'Severity', 'Outcome', 'Echo', ...heads],
      wordWrap: true,
      style: TABLE_STYLE,
      colWidths: [11, 28, 15, 20, 18, ...widths],
    });
    table.push(...entries.map(timelineRow));

    this.output.write(`\n${heading}\n`);
    this.output.write(`${table.toString()}\n`);
    if (!this.explained.has('echo')) {
      this.explained.add('echo');
      this.output.write(
        '  Echo: outcomes of the events that AWS sent back after the connector wrote to the record (Workflow NOTIFIED and\n' +
          `  a Note on a finding, the ${this.target.ticketNoun} link on an OpsItem). They reach the queue like any other event.\n`,
      );
    }

    const outcomes = entries.flatMap((entry) => [entry.result.outcome, ...entry.echoes.map((echo) => echo.outcome)]);
    this.legend({ meanings: this.syncMeanings, outcomes });
  }

  /** Prints what the way back did: the person's edits, AWS before and after, the poll and the echo. */
  wayBack(report: WayBackReport): void {
    const { name, resolver, ticketNoun } = this.target;
    const resolved = report.steps.filter((step): step is Extract<WayBackStep, { action: 'resolved' }> => step.action === 'resolved');

    if (resolved.length > 0) {
      this.output.write(`\nWay back: ${resolver} resolves ${resolved.length} ${ticketNoun}${plural(resolved.length)} in ${name}, then one change poll runs:\n`);
      const table = new Table({
        head: [capitalize(ticketNoun), `Resolved by ${resolver}`, 'AWS record', 'AWS before', 'AWS after'],
        wordWrap: true,
        style: TABLE_STYLE,
        colWidths: [12, 26, 24, 30, 34],
      });
      table.push(...resolved.map(wayBackRow));
      this.output.write(`${table.toString()}\n`);
    } else {
      this.output.write(`\nWay back: nothing for ${resolver} to resolve in this run.\n`);
    }

    for (const step of report.steps) {
      if (step.action === 'already-closed') {
        const closedBy = step.closedBy === resolver ? `${resolver} resolved it in an earlier run` : `last changed by ${step.closedBy}`;
        const outcome = step.timelineOutcome ? `\n    Its outcome in the timeline above: ${step.timelineOutcome}.` : '';
        this.output.write(`  ${step.ticket} (${step.title}) is ${step.state} already: ${closedBy}.${outcome}\n`);
      } else if (step.action === 'no-ticket') {
        this.output.write(`  ${step.title} has no ${ticketNoun} in this run, so there was nothing to resolve.\n`);
      }
    }
    if (resolved.length === 0) this.output.write('  Run `npm run demo -- --fresh` to see the way back from the start.\n');

    this.poll(report);
  }

  /** Prints the change approval: its steps, the signal AWS received and the audit trail. */
  changeApproval(report: ChangeApprovalReport): void {
    this.output.write(formatChangeApproval(report, this.target));
  }

  /** Prints text that a part of the demo formatted itself. */
  text(text: string): void {
    this.output.write(text);
  }

  /**
   * Prints the writes each side received, and whether any echo of the timeline or the way back wrote
   * to the ITSM system. The verdict is computed from the results, so a regression shows here.
   */
  writes(writes: PartWrites, echoOutcomes: SyncOutcome[]): void {
    const { name } = this.target;
    const table = new Table({
      head: ['Writes in this run', this.target.apiName, 'UpdateOpsItem', 'BatchUpdateFindings', 'SendAutomationSignal'],
      style: TABLE_STYLE,
    });
    for (const [part, partName] of Object.entries(PART_NAMES) as Array<[keyof PartWrites, string]>) {
      const counts = writes[part];
      if (counts !== undefined) table.push([partName, counts.itsm, counts.updateOpsItem, counts.batchUpdateFindings, counts.sendAutomationSignal]);
    }
    this.output.write(`\n${table.toString()}\n`);
    this.output.write(
      `  ${this.target.editsNote} BatchUpdateFindings includes\n` +
        '  the V2 call for OCSF. The change approval writes the change link to the change request\'s OpsItem with UpdateOpsItem.\n',
    );

    const writingEchoes = echoOutcomes.filter((outcome) => !NO_TICKET_WRITE.has(outcome));
    const awsWrites = [writes.timeline, writes.wayBack].reduce((sum, counts) => sum + counts.updateOpsItem + counts.batchUpdateFindings, 0);
    if (awsWrites === 0 && writes.wayBack.itsm === 0) {
      this.output.write(`The timeline and the way back wrote nothing to AWS, so no event came back, and the way back wrote nothing to ${name}.\n`);
    } else if (writingEchoes.length === 0 && writes.wayBack.itsm === 0) {
      this.output.write(`No echo: the events AWS sent back after each write changed nothing in ${name}, and the way back wrote only to AWS.\n`);
    } else {
      this.output.write(
        `Echo found: events that AWS sent back after the connector's writes led to ${writingEchoes.length} ${name} ` +
          `write${plural(writingEchoes.length)} (${writingEchoes.join(', ') || 'none'}), and the way back made ${writes.wayBack.itsm}.\n`,
      );
    }
  }

  /**
   * Prints the ticket counts, and the CI counts when the run showed a CMDB that outlives it, and
   * what a second run shows.
   */
  summary(counts: { created: number; total: number; earlierRun: boolean; configurationItems?: { created: number; total: number; retired: number } }): void {
    const { name, ticketNoun } = this.target;
    const cis = counts.configurationItems;
    const cmdbCounts = cis === undefined ? '' : ` New CIs: ${cis.created}. CIs in ${this.target.cmdbName ?? name}: ${cis.total}, ${cis.retired} of them retired.`;
    const records = cis === undefined ? ticketNoun : `${ticketNoun} or CI`;
    this.output.write(`\nNew ${ticketNoun}s in this run: ${counts.created}. ${capitalize(ticketNoun)}s in the ${name} simulator: ${counts.total}.${cmdbCounts}\n`);

    if (!counts.earlierRun) {
      this.output.write(
        `Run \`npm run demo\` again: ${name} and the state store keep what this run left, the AWS simulators start\n` +
          `empty, and the same samples are delivered again without creating any ${records} twice.\n`,
      );
    } else if (counts.created === 0 && (cis === undefined || cis.created === 0)) {
      this.output.write(`This run delivered the samples of an earlier run again: they matched their links, so no ${records} was created twice.\n`);
    } else if (counts.created === 0) {
      this.output.write(`This run delivered the samples of an earlier run again: no ${ticketNoun} was created twice, and the new CIs are for resources that the earlier runs did not have.\n`);
    } else {
      this.output.write(
        `Samples synced in an earlier run matched their links and got no second ${ticketNoun}. The new ${ticketNoun}s are for\n` +
          'samples that the earlier runs in this folder did not have (outcome created in the timeline).\n',
      );
    }
  }

  private poll(report: WayBackReport): void {
    const applied = report.reverseResults.filter(({ result }) => result.outcome === 'applied');
    const others = countBy(report.reverseResults.filter(({ result }) => result.outcome !== 'applied').map(({ result }) => result.outcome));

    const lines = applied.map(({ ticket, result }) => `${ticket.ref.number} applied: ${result.writes.join(', ') || 'no AWS write'}`);
    if (others.size > 0) lines.push([...others].map(([outcome, count]) => `${count} ${outcome}`).join(', '));
    this.output.write(`\nThe change poll read ${this.recordsRead(report)}${lines.length > 0 ? ':' : '.'}\n`);
    if (lines.length > 0) this.output.write(`${lines.map((line) => `  ${line}`).join('\n')}\n`);

    if (report.echoes.length > 0) {
      const echoes = report.echoes.map(({ record, result }) => `  ${titleOf(record)}: ${result.outcome}`);
      this.output.write(`The AWS updates came back through the queue as ${report.echoes.length} event${plural(report.echoes.length)}:\n`);
      this.output.write(`${echoes.join('\n')}\n`);
    }

    this.legend(
      { meanings: this.reverseMeanings, outcomes: report.reverseResults.map(({ result }) => result.outcome) },
      { meanings: this.syncMeanings, outcomes: report.echoes.map(({ result }) => result.outcome) },
    );
  }

  /**
   * Describes what the way back's poll read: `6 incidents`, or `7 records (6 incidents, 1 change)`
   * once an earlier run left changes. The poll reads every table a rule with a way back writes to.
   */
  private recordsRead(report: WayBackReport): string {
    const read = report.poll.read;
    const nouns = countBy(report.reverseResults.map(({ ticket }) => this.target.recordNoun(ticket.ref.table)));
    const ticketNoun = this.target.ticketNoun;
    if ((nouns.get(ticketNoun) ?? 0) === read) return `${read} ${ticketNoun}${plural(read)}`;

    const parts = [...nouns].map(([noun, count]) => `${count} ${noun}${plural(count)}`);
    return `${read} record${plural(read)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
  }

  /** Prints, as one list, the meaning of each outcome shown that was not explained before. */
  private legend(...groups: Array<{ meanings: Record<string, string>; outcomes: string[] }>): void {
    const lines: string[] = [];
    for (const { meanings, outcomes } of groups) {
      const present = new Set(outcomes);
      for (const [outcome, meaning] of Object.entries(meanings)) {
        if (!present.has(outcome) || this.explained.has(outcome)) continue;
        this.explained.add(outcome);
        lines.push(`  ${outcome}: ${meaning}`);
      }
    }
    if (lines.length > 0) this.output.write(`\n${lines.join('\n')}\n`);
  }
}

/** Returns the heading of the timeline that delivers the samples of a run. */
export function timelineHeading(sampleCounts: { findingEvents: number; opsItems: number }): string {
  return (
    `Timeline: ${sampleCounts.findingEvents} Security Hub finding event${plural(sampleCounts.findingEvents)} sent to the queue, ` +
    `then ${sampleCounts.opsItems} OpsItem${plural(sampleCounts.opsItems)} created in\n` +
    'OpsCenter, whose OpsItem Create events reach the queue as the EventBridge rule sends them:'
  );
}

function timelineRow(entry: TimelineEntry): string[] {
  const { sample, record, result, echoes, ticket } = entry;
  const kind = sample.kind === 'finding' ? `finding ${record.format.toUpperCase()}${sample.viaSns ? ' via SNS' : ''}` : 'OpsItem';

  return [
    kind,
    titleOf(record),
    severityOf(record),
    result.outcome,
    echoes.length === 0 ? '-' : echoes.map((echo) => echo.outcome).join('\n'),
    result.ticket?.number ?? '-',
    ticket ? ticket.priority : '-',
    ticket ? ticket.state : '-',
  ];
}

function wayBackRow(step: Extract<WayBackStep, { action: 'resolved' }>): string[] {
  const record = step.edit.kind === 'finding' ? 'finding' : `OpsItem ${step.edit.recordId}`;
  return [
    step.ticket,
    `${step.edit.resolution}: ${step.edit.note}`,
    `${record}\n${step.title}`,
    `${step.before.status}\n${step.before.note}`,
    `${step.after.status}\n${step.after.note}`,
  ];
}

function withTicketNoun(meanings: Record<string, string>, noun: string): Record<string, string> {
  return Object.fromEntries(Object.entries(meanings).map(([outcome, meaning]) => [outcome, meaning.replaceAll('{ticket}', noun)]));
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Returns `s` unless the count is 1. */
export function plural(count: number): string {
  return count === 1 ? '' : 's';
}
