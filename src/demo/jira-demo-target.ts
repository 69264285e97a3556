/** The Jira side of the demo: issues, JSM changes and Assets objects in the Jira simulator. */
import type { TicketRef } from '../core/types.js';
import { LOCAL_JIRA_APPROVER, type JiraSimulator } from '../simulators/local-stack.js';
import { ATTRIBUTE_TYPES } from '../simulators/jira/assets/store.js';
import { defaultJiraUsers, type JiraDeployment } from '../simulators/jira/index.js';
import type { JiraIssueView } from '../simulators/jira/index.js';
import { LINKED_LABEL } from '../targets/jira/jira-target.js';
import type { ChangeView, CmdbItemView, CmdbLifecycle, DemoTarget, DemoTicket, PersonEdit, StoredChange } from './demo-target.js';

/**
 * Edits the person makes in the demo: a comment, then Resolved with a resolution. With the
 * resolution Won't Do the mapping suppresses the finding. Resolving the OpsItem's issue resolves
 * the OpsItem. The comments reach AWS as notes.
 */
export const JIRA_PERSON_EDITS: readonly PersonEdit[] = [
  {
    kind: 'finding',
    recordId: 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.6/finding/f1ddf319-3e60-5921-830d-cb9bd7a12376',
    resolution: "Won't Do",
    note: 'Root has a virtual MFA device and no access keys; a hardware key is not required in this sandbox account',
  },
  {
    kind: 'opsitem',
    recordId: 'oi-4f2a9c81d0e7',
    resolution: 'Done',
    note: 'Scaled orders-api out from 2 to 4 tasks; CPU is back under 60%',
  },
];

/** POST requests that read: JQL search (Cloud and Data Center), Assets AQL search (Cloud) and OAuth tokens. */
const READS_BY_POST = [/\/rest\/api\/\d\/search(\/jql)?$/, /\/object\/aql$/, /^\/oauth\/token$/];

/** The Status values of the Assets mappings in `mappings/jira/` that the demo's checks read. */
const ASSETS_LIFECYCLES: Readonly<Record<string, CmdbLifecycle>> = { Active: 'in-use', Retired: 'retired' };

/** Settings of a JiraDemoTarget. */
export interface JiraDemoTargetOptions {
  /** Correlation prefix of the change rule: issues that carry a label with it are changes. */
  changePrefix: string;
}

/** The demo's view of the Jira simulator, Cloud or Data Center. */
export class JiraDemoTarget implements DemoTarget {
  readonly name: string;
  readonly ticketNoun = 'issue';
  readonly resolver: string;
  readonly approver: string;
  readonly personEdits = JIRA_PERSON_EDITS;
  readonly ticketColumns = { heads: ['Issue', 'Priority', 'Status'], widths: [10, 10, 12] } satisfies DemoTarget['ticketColumns'];
  readonly apiName = 'Jira and Assets REST APIs';
  readonly editsNote: string;
  readonly closeCodeColumn = 'Resolution';
  readonly cmdbName = 'JSM Assets';
  readonly changeOutcomeMeanings = {
    updated: 'the change got the fields that changed: Implementing, because the runbook runs',
    resolved: "the runbook ended, so the change moved to Completed, with the runbook's outcome in a comment",
  };
  private readonly resolverLogin: string;
  private readonly approverLogin: string;

  constructor(
    private readonly jira: JiraSimulator,
    private readonly options: JiraDemoTargetOptions,
  ) {
    const deployment: JiraDeployment = jira.deployment;
    this.name = deployment === 'cloud' ? 'Jira Cloud' : 'Jira Data Center';
    // The second default user is an agent who works issues; the approver is set up by the local stack.
    this.resolverLogin = defaultJiraUsers(deployment)[1]!.login;
    this.approverLogin = LOCAL_JIRA_APPROVER[deployment];
    this.resolver = this.displayNameOf(this.resolverLogin);
    this.approver = this.displayNameOf(this.approverLogin);
    this.editsNote = `${this.resolver}'s and ${this.approver}'s edits are made on the site, not through the REST API.`;
  }

  ticket(ref: TicketRef): DemoTicket | undefined {
    const issue = this.jira.issue(ref.id);
    if (issue === undefined) return undefined;
    return {
      number: issue.key,
      priority: issue.fields.priority?.name ?? '-',
      state: issue.fields.status.name,
      closed: issue.fields.status.statusCategory.key === 'done',
    };
  }

  ticketCount(): number {
    return this.jira.issues().filter((issue) => !this.isChange(issue)).length;
  }

  resolveAsPerson(ref: TicketRef, edit: PersonEdit): void {
    this.jira.addComment(ref.id, edit.note, this.resolverLogin);
    this.jira.transitionTo(ref.id, 'Resolved', this.resolverLogin, { resolution: edit.resolution });
  }

  change(ref: TicketRef): ChangeView | undefined {
    const issue = this.jira.issue(ref.id);
    return issue === undefined ? undefined : this.changeView(issue);
  }

  changes(): StoredChange[] {
    return this.jira
      .issues()
      .filter((issue) => this.isChange(issue))
      .map((issue) => ({ view: this.changeView(issue), correlation: this.changeCorrelationOf(issue) ?? '' }));
  }

  approveChange(ref: TicketRef, comment: string): void {
    // The approver decides the JSM approval on the site, which moves the change on.
    this.jira.decideApproval(ref.id, this.approverLogin, 'approve', comment);
  }

  countWrites(): number {
    return this.jira.requests.filter(
      (request) => request.method !== 'GET' && request.status < 300 && !READS_BY_POST.some((pattern) => pattern.test(request.path)),
    ).length;
  }

  recordNoun(): string {
    return 'issue';
  }

  configurationItem(ref: TicketRef): CmdbItemView | undefined {
    const view = this.jira.assets.object(ref.number);
    const stored = this.jira.assets.getObject(Number(ref.id));
    if (view === undefined || stored === undefined) return undefined;

    const references = this.jira.assets
      .attributesOf(stored.objectTypeId)
      .filter((attribute) => attribute.type === ATTRIBUTE_TYPES.reference && view.values[attribute.name] !== undefined)
      .map((attribute) => `${attribute.name}: ${[view.values[attribute.name]].flat().join(', ')}`);
    const status = String(view.values.Status ?? '-');
    return { number: view.objectKey, name: view.label, status, references, lifecycle: ASSETS_LIFECYCLES[status] ?? 'other' };
  }

  private changeView(issue: JiraIssueView): ChangeView {
    const latest = this.jira.approvals(issue.key).at(-1);
    const approval = latest?.finalDecision ?? 'none';
    return {
      number: issue.key,
      type: issue.fields.issuetype.name,
      state: issue.fields.status.name,
      stateName: issue.fields.status.name,
      approval,
      awaitingApproval: approval === 'pending',
      final: issue.fields.status.statusCategory.key === 'done',
      closeCode: issue.fields.resolution?.name ?? '',
    };
  }

  private isChange(issue: JiraIssueView): boolean {
    return this.changeCorrelationOf(issue) !== undefined;
  }

  /** Returns the label that starts with the change rule's prefix, such as `aws-jcr-…`, if the issue has one. */
  private changeCorrelationOf(issue: JiraIssueView): string | undefined {
    return issue.fields.labels.find((label) => label !== LINKED_LABEL && label.startsWith(this.options.changePrefix));
  }

  private displayNameOf(login: string): string {
    return this.jira.users.find((user) => user.login === login)?.displayName ?? login;
  }
}
