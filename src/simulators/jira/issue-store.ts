/**
 * The simulator's issues, with their comments, entity properties and JSM approvals. Search does
 * not read issues directly. Like Jira's index, it returns each issue as it was `searchLagMs` ago,
 * so an issue created or changed within that time is missing or stale in search results while a
 * GET by key already returns it.
 */

/**
 * A rich text value in the site's own format: an ADF document on Cloud, a wiki markup string on
 * Data Center.
 */
export type StoredText = unknown;

/** An issue's fields as the simulator stores them. Users are stored by login. */
export interface IssueRecord {
  id: string;
  key: string;
  projectId: string;
  issueTypeId: string;
  statusId: string;
  resolutionId: string | null;
  priorityId: string | null;
  summary: string;
  /** Sorted and without duplicates, as Jira returns them. */
  labels: string[];
  creator: string;
  reporter: string | null;
  assignee: string | null;
  /** Epoch milliseconds. */
  created: number;
  updated: number;
  resolutionDate: number | null;
  statusCategoryChanged: number;
  /**
   * Values of the other fields by field id: rich text as StoredText, a single-line text as a
   * string, a select as its option id, a date-time as epoch milliseconds, a number, and the JSM
   * request type as its id.
   */
  values: Record<string, unknown>;
  /**
   * The changelog, oldest first. It is part of the record so that search, which reads the index's
   * copy of the record, shows the changelog as of that copy.
   */
  history: HistoryRecord[];
}

/**
 * One changelog entry (`expand=changelog`): the fields one edit or transition changed. Creates and
 * comments make no entry, as in Jira.
 */
export interface HistoryRecord {
  id: string;
  /** Login of the user who made the change. */
  author: string;
  /** Epoch milliseconds. */
  created: number;
  items: HistoryItem[];
}

/** One changed field of a changelog entry, with its old and new value as ids and as text. */
export interface HistoryItem {
  /** The field's name for system fields (`status`, `resolution`), its display name for custom fields. */
  field: string;
  fieldId: string;
  fieldtype: 'jira' | 'custom';
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface CommentRecord {
  id: string;
  body: StoredText;
  author: string;
  updateAuthor: string;
  created: number;
  updated: number;
  /** Whether customers see the comment in the JSM portal. */
  jsdPublic: boolean;
}

/** One approver's decision on a JSM approval. */
export interface ApproverRecord {
  login: string;
  decision: 'approved' | 'declined' | 'pending';
}

/** A JSM approval, started when the issue enters its workflow's approval status. */
export interface ApprovalRecord {
  id: string;
  /** The approval status's name, which JSM shows as the approval's name. */
  name: string;
  finalDecision: 'approved' | 'declined' | 'pending';
  approvers: ApproverRecord[];
  /** How many approvals decide the approval; one decline always does. */
  requiredApprovals: number;
  created: number;
  completed: number | null;
}

/** An issue with everything attached to it. */
export interface IssueEntry {
  record: IssueRecord;
  comments: CommentRecord[];
  properties: Map<string, unknown>;
  approvals: ApprovalRecord[];
  /** Copies of the record for the search index, each visible from `visibleAt` (real time, epoch ms). */
  indexVersions: Array<{ visibleAt: number; record: IssueRecord }>;
}

/** The issues of one simulator. */
export class IssueStore {
  private readonly byId = new Map<string, IssueEntry>();
  private readonly byKey = new Map<string, IssueEntry>();
  private readonly issueCounters = new Map<string, number>();
  private nextIssueId = 10000;
  private nextCommentId = 10000;
  private nextApprovalId = 1;
  private nextHistoryId = 10000;

  constructor(private readonly searchLagMs: number) {}

  /** Reserve the id and key of a new issue in a project. */
  allocateIssue(projectKey: string): { id: string; key: string } {
    const number = (this.issueCounters.get(projectKey) ?? 0) + 1;
    this.issueCounters.set(projectKey, number);
    const id = String(this.nextIssueId);
    this.nextIssueId += 1;
    return { id, key: `${projectKey}-${number}` };
  }

  allocateCommentId(): string {
    const id = String(this.nextCommentId);
    this.nextCommentId += 1;
    return id;
  }

  allocateApprovalId(): string {
    const id = String(this.nextApprovalId);
    this.nextApprovalId += 1;
    return id;
  }

  allocateHistoryId(): string {
    const id = String(this.nextHistoryId);
    this.nextHistoryId += 1;
    return id;
  }

  /** Store a new issue and index it. */
  insert(record: IssueRecord, nowMs: number): IssueEntry {
    const entry: IssueEntry = { record, comments: [], properties: new Map(), approvals: [], indexVersions: [] };
    this.byId.set(record.id, entry);
    this.byKey.set(record.key, entry);
    this.reindex(entry, nowMs);
    return entry;
  }

  /**
   * Find an issue by id or key. Keys are matched without regard to case, as Jira does; a key of a
   * moved issue is not simulated.
   */
  find(idOrKey: string): IssueEntry | undefined {
    return this.byId.get(idOrKey) ?? this.byKey.get(idOrKey.toUpperCase());
  }

  /** Return every issue, oldest first. */
  all(): IssueEntry[] {
    return [...this.byId.values()];
  }

  /** Record a change of the issue for search, which returns it once the search lag has passed. */
  reindex(entry: IssueEntry, nowMs: number): void {
    if (this.searchLagMs <= 0) {
      return;
    }
    this.dropHiddenVersions(entry, nowMs);
    entry.indexVersions.push({ visibleAt: nowMs + this.searchLagMs, record: structuredClone(entry.record) });
  }

  /**
   * Return the issues as the search index has them at `nowMs`: each issue's latest version that is
   * older than the search lag. Issues created within the lag are left out.
   */
  searchable(nowMs: number): IssueRecord[] {
    if (this.searchLagMs <= 0) {
      return this.all().map((entry) => entry.record);
    }

    const visible: IssueRecord[] = [];
    for (const entry of this.byId.values()) {
      this.dropHiddenVersions(entry, nowMs);
      const version = entry.indexVersions[0];
      if (version !== undefined && version.visibleAt <= nowMs) {
        visible.push(version.record);
      }
    }
    return visible;
  }

  /** Drop the versions before the latest visible one, which search can no longer return. */
  private dropHiddenVersions(entry: IssueEntry, nowMs: number): void {
    let latestVisible = -1;
    entry.indexVersions.forEach((version, index) => {
      if (version.visibleAt <= nowMs) {
        latestVisible = index;
      }
    });
    if (latestVisible > 0) {
      entry.indexVersions.splice(0, latestVisible);
    }
  }

  clear(): void {
    this.byId.clear();
    this.byKey.clear();
    this.issueCounters.clear();
    this.nextIssueId = 10000;
    this.nextCommentId = 10000;
    this.nextApprovalId = 1;
    this.nextHistoryId = 10000;
  }
}
