/**
 * The configuration of one simulated Jira site, looked up by id or name: projects, issue types,
 * statuses, priorities, resolutions, fields, workflows and users.
 */

import type { Logger } from 'pino';

import { adfValidator, type AdfValidator } from './adf.js';
import {
  buildFieldDefinitions,
  type CustomFieldOptions,
  type FieldDefinition,
  type IssueTypeDefinition,
  PRIORITIES,
  type PriorityDefinition,
  RESOLUTIONS,
  type ResolutionDefinition,
  STATUS_CATEGORIES,
  type StatusCategory,
  type StatusDefinition,
  STATUSES,
} from './catalog.js';
import type { IssueRecord } from './issue-store.js';
import { buildProjects, type JiraSimulatorProjectOptions, type ProjectDefinition } from './projects.js';
import { type JiraDeployment, JiraUserDirectory, type JiraSimulatorUserOptions, type OAuthClientOptions } from './users.js';
import { type WorkflowDefinition, WORKFLOWS } from './workflows.js';

export interface SiteOptions {
  deployment: JiraDeployment;
  projects: readonly JiraSimulatorProjectOptions[];
  customFields: readonly CustomFieldOptions[];
  users: readonly JiraSimulatorUserOptions[];
  oauthClients: readonly OAuthClientOptions[];
  timeZone: string;
  logger: Logger;
}

export class JiraSite {
  readonly deployment: JiraDeployment;
  readonly fields: FieldDefinition[];
  readonly projects: ProjectDefinition[];
  readonly users: JiraUserDirectory;
  readonly validateAdf: AdfValidator;
  /** The default user time zone, for users without their own and for the test helpers' views. */
  readonly timeZone: string;
  private readonly fieldById: Map<string, FieldDefinition>;

  constructor(options: SiteOptions) {
    this.deployment = options.deployment;
    this.timeZone = options.timeZone;
    this.fields = buildFieldDefinitions(options.customFields);
    this.fieldById = new Map(this.fields.map((field) => [field.id, field]));
    this.projects = buildProjects(options.projects, new Set(this.fieldById.keys()));
    this.users = new JiraUserDirectory(options.deployment, options.users, options.timeZone, options.oauthClients);
    this.validateAdf = adfValidator(options.logger);
  }

  /** The REST API version whose rich text is the site's own format: 3 (ADF) on Cloud, 2 (wiki) on Data Center. */
  get nativeApiVersion(): '2' | '3' {
    return this.deployment === 'cloud' ? '3' : '2';
  }

  field(id: string): FieldDefinition | undefined {
    return this.fieldById.get(id);
  }

  /** Find a field by a name JQL accepts for it: its id, a clause name such as `cf[10060]`, or its name (any case). */
  fieldByClauseName(name: string): FieldDefinition | undefined {
    const lower = name.toLowerCase();
    return (
      this.fieldById.get(lower) ??
      this.fields.find((field) => field.clauseNames.some((clauseName) => clauseName.toLowerCase() === lower))
    );
  }

  project(keyOrId: string): ProjectDefinition | undefined {
    return this.projects.find((project) => project.key === keyOrId.toUpperCase() || project.id === keyOrId);
  }

  projectById(id: string): ProjectDefinition {
    const project = this.projects.find((candidate) => candidate.id === id);
    if (project === undefined) {
      throw new Error(`Jira simulator has no project with id ${id}.`);
    }
    return project;
  }

  /** Return every issue type of every project, once each. */
  issueTypes(): IssueTypeDefinition[] {
    const types = new Map<string, IssueTypeDefinition>();
    for (const project of this.projects) {
      for (const type of project.issueTypes) {
        types.set(type.id, type);
      }
    }
    return [...types.values()];
  }

  issueType(id: string): IssueTypeDefinition {
    const type = this.issueTypes().find((candidate) => candidate.id === id);
    if (type === undefined) {
      throw new Error(`Jira simulator has no issue type with id ${id}.`);
    }
    return type;
  }

  status(id: string): StatusDefinition {
    const status = STATUSES.find((candidate) => candidate.id === id);
    if (status === undefined) {
      throw new Error(`Jira simulator has no status with id ${id}.`);
    }
    return status;
  }

  /** Find a status by id or name (any case). */
  findStatus(idOrName: string): StatusDefinition | undefined {
    const lower = idOrName.toLowerCase();
    return STATUSES.find((status) => status.id === idOrName || status.name.toLowerCase() === lower);
  }

  statuses(): readonly StatusDefinition[] {
    return STATUSES;
  }

  statusCategory(key: StatusCategory['key']): StatusCategory {
    return STATUS_CATEGORIES.find((category) => category.key === key) ?? STATUS_CATEGORIES[0]!;
  }

  /** Find a priority by id or name (any case). */
  findPriority(idOrName: string): PriorityDefinition | undefined {
    const lower = idOrName.toLowerCase();
    return PRIORITIES.find((priority) => priority.id === idOrName || priority.name.toLowerCase() === lower);
  }

  priorities(): readonly PriorityDefinition[] {
    return PRIORITIES;
  }

  /** Find a resolution by id or name (any case). */
  findResolution(idOrName: string): ResolutionDefinition | undefined {
    const lower = idOrName.toLowerCase();
    return RESOLUTIONS.find((resolution) => resolution.id === idOrName || resolution.name.toLowerCase() === lower);
  }

  resolutions(): readonly ResolutionDefinition[] {
    return RESOLUTIONS;
  }

  /** Return the workflow an issue follows, from its issue type. */
  workflowOf(record: IssueRecord): WorkflowDefinition {
    return this.workflowForIssueType(record.issueTypeId);
  }

  workflowForIssueType(issueTypeId: string): WorkflowDefinition {
    return WORKFLOWS[this.issueType(issueTypeId).workflow];
  }
}
