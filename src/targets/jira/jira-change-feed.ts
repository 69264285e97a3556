import { pino, type Logger } from 'pino';

import type { ApprovalRecord, ChangedTicket, ChangeFeedIdentity, ItsmChangeFeed, JournalEntry, TicketRef } from '../../core/types.js';
import type { JiraClient, JiraIssue } from './client.js';
import { readText } from './document.js';
import { APPROVAL_FIELD, readIssueValues, toApprovalRecords } from './issue-values.js';
import { jiraTimeToIso, LINKED_LABEL, versionOf, type JiraTarget } from './jira-target.js';
import { formatJqlDate, Jql } from './jql.js';
import { lowerBoundInstant } from '../../core/time-zone.js';

/**
 * How far back a poll reads when the integration user's time zone is unknown: JQL reads date
 * literals in that zone, which may be up to 14 hours either side of UTC.
 */
const UNKNOWN_ZONE_MARGIN_MS = 26 * 3_600_000;

/** Settings of a JiraChangeFeed. */
export interface JiraChangeFeedOptions {
  /** The zone JQL dates are read in, when the user's profile does not say (JIRA_TIME_ZONE). */
  timeZone?: string;
  logger?: Logger;
}

/**
 * The Jira → AWS direction: issues that changed, their comments and their JSM approvals.
 *
 * JQL compares `updated` at minute precision, in the integration user's time zone. So each poll
 * reads from a minute boundary in that zone, and the poller's overlap rereads the last minutes. The
 * versions (the `updated` time) show what was handled already. Who made the last change comes from
 * the newest changelog entry.
 */
export class JiraChangeFeed implements ItsmChangeFeed {
  readonly system = 'jira' as const;
  private timeZone: string | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly client: JiraClient,
    private readonly target: JiraTarget,
    options: JiraChangeFeedOptions = {},
  ) {
    this.timeZone = options.timeZone;
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  async prepare(): Promise<ChangeFeedIdentity> {
    const me = await this.client.myself();
    this.timeZone = me.timeZone ?? this.timeZone;
    if (this.timeZone === undefined) {
      this.logger.warn('The Jira user profile shows no time zone and JIRA_TIME_ZONE is not set; each poll reads 26 hours back');
    }
    return { user: me.accountId ?? me.name ?? me.key, timeZone: this.timeZone };
  }

  async *listChanged(table: string, prefixes: string[], since: Date, fields: string[]): AsyncIterable<ChangedTicket> {
    const zone = this.timeZone ?? 'UTC';
    const from = this.timeZone === undefined ? new Date(since.getTime() - UNKNOWN_ZONE_MARGIN_MS) : since;
    const jql = new Jql()
      .equals('project', table)
      .equals('labels', LINKED_LABEL)
      .greaterOrEqual('updated', formatJqlDate(lowerBoundInstant(from, zone), zone))
      .orderBy('updated', 'ASC')
      .orderBy('key', 'ASC');

    for await (const issue of this.client.searchIssues(jql, readFields(fields), { pageSize: 100, expand: 'changelog' })) {
      const ticket = await this.toChangedTicket(table, issue, prefixes, fields);
      if (ticket !== undefined) yield ticket;
    }
  }

  async getChanged(table: string, id: string, fields: string[]): Promise<ChangedTicket | undefined> {
    const issue = await this.client.getIssue(id, readFields(fields), { expand: 'changelog' });
    return issue === undefined ? undefined : this.toChangedTicket(table, issue, undefined, fields);
  }

  async *listJournal(ref: TicketRef, fields: string[]): AsyncIterable<JournalEntry> {
    if (!fields.includes('comment')) return;
    for await (const comment of this.client.listComments(ref.id)) {
      yield {
        id: comment.id,
        field: 'comment',
        text: readText(comment.body),
        author: comment.author?.displayName ?? comment.author?.name ?? '',
        authorId: comment.author?.accountId ?? comment.author?.name,
        createdAt: new Date(jiraTimeToIso(comment.created)).toISOString(),
      };
    }
  }

  async listApprovals(ref: TicketRef): Promise<ApprovalRecord[]> {
    return toApprovalRecords(await this.client.listApprovals(ref.number), this.client.deployment);
  }

  private async toChangedTicket(table: string, issue: JiraIssue, prefixes: string[] | undefined, fields: string[]): Promise<ChangedTicket | undefined> {
    const labels = (issue.fields.labels as string[] | undefined) ?? [];
    const correlation = labels.find((label) => label !== LINKED_LABEL && (prefixes === undefined || prefixes.some((prefix) => label.startsWith(prefix))));
    if (correlation === undefined) return undefined;

    const version = versionOf(issue) ?? 0;
    return {
      ref: this.target.ticketRef(table, issue.id, issue.key),
      correlation,
      version,
      updatedAt: new Date(version).toISOString(),
      updatedBy: lastAuthor(issue),
      values: await readIssueValues(this.client, issue, fields),
    };
  }
}

/** List the fields to request: the mapped ones (less `approval`, which is not a Jira field) and those the feed needs. */
function readFields(fields: string[]): string[] {
  return [...new Set(['labels', 'updated', ...fields.filter((field) => field !== APPROVAL_FIELD)])];
}

/** One entry of an issue's changelog, as `expand=changelog` returns it. */
interface ChangelogHistory {
  created: string;
  author?: { displayName?: string; name?: string };
}

/** Return the display name of whoever made the newest changelog entry, or empty text when there is none. */
function lastAuthor(issue: JiraIssue): string {
  const histories = (issue.changelog as { histories?: ChangelogHistory[] } | undefined)?.histories ?? [];
  const newest = [...histories].sort((left, right) => Date.parse(jiraTimeToIso(left.created)) - Date.parse(jiraTimeToIso(right.created))).at(-1);
  return newest?.author?.displayName ?? newest?.author?.name ?? '';
}
