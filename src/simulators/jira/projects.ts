/**
 * Projects of the simulated site: their issue types (each tied to a workflow), the fields a create
 * must set, and for Jira Service Management projects the service desk and its request types.
 */

import { DEFAULT_ISSUE_TYPES, type IssueTypeDefinition, type WorkflowName } from './catalog.js';
import { InvalidJiraSimulatorOptionError } from './errors.js';

/** A JSM request type: what a customer picks in the portal, tied to one issue type. */
export interface RequestTypeOptions {
  id: string;
  name: string;
  /** Name of the issue type the request type creates. */
  issueType: string;
}

/** A project as the `projects` option takes it. */
export interface JiraSimulatorProjectOptions {
  /** Project key: an upper-case letter, then 1 to 9 upper-case letters, digits or underscores. */
  key: string;
  /** Default: the key. */
  name?: string;
  /** `service_desk` (Jira Service Management, the default) has request types and approvals. */
  projectTypeKey?: 'service_desk' | 'software' | 'business';
  /**
   * Issue types of the project: names of the default issue types ("Task", "[System] Incident",
   * "[System] Service request", "[System] Change") or new types with the workflow they follow.
   * Default: all default issue types.
   */
  issueTypes?: Array<string | { name: string; workflow: WorkflowName }>;
  /**
   * Fields a create must set, per issue type name, besides project, issue type and summary, as a
   * field configuration makes them required. Example: `{ "[System] Incident": ["priority"] }`.
   */
  requiredFields?: Record<string, string[]>;
  /** Request types of a service desk project. Default: none. */
  requestTypes?: RequestTypeOptions[];
}

/** A request type with its project and issue type resolved. */
export interface RequestTypeDefinition {
  id: string;
  name: string;
  issueTypeId: string;
  serviceDeskId: string;
}

/** A project as the simulator keeps it. */
export interface ProjectDefinition {
  id: string;
  key: string;
  name: string;
  projectTypeKey: 'service_desk' | 'software' | 'business';
  issueTypes: IssueTypeDefinition[];
  /** Required field ids per issue type id. */
  requiredFields: Map<string, string[]>;
  /** The service desk id of a JSM project. */
  serviceDeskId?: string;
  requestTypes: RequestTypeDefinition[];
}

/**
 * The projects when the `projects` option is not given: SEC (security findings) and ITS (IT
 * operations and changes), both JSM service projects with every default issue type.
 */
export const DEFAULT_PROJECTS: readonly JiraSimulatorProjectOptions[] = [
  {
    key: 'SEC',
    name: 'Security Operations',
    requestTypes: [
      { id: '10', name: 'Report a security finding', issueType: '[System] Incident' },
      { id: '11', name: 'Request a security change', issueType: '[System] Change' },
    ],
  },
  {
    key: 'ITS',
    name: 'IT Service Management',
    requestTypes: [
      { id: '20', name: 'Report an incident', issueType: '[System] Incident' },
      { id: '21', name: 'Get IT help', issueType: '[System] Service request' },
      { id: '22', name: 'Request a change', issueType: '[System] Change' },
    ],
  },
];

/**
 * Check the `projects` option and build the projects. Issue types are site-wide, so a new type
 * named in two projects is one type; `knownFieldIds` checks the `requiredFields` entries.
 */
export function buildProjects(options: readonly JiraSimulatorProjectOptions[], knownFieldIds: ReadonlySet<string>): ProjectDefinition[] {
  if (options.length === 0) {
    throw new InvalidJiraSimulatorOptionError('projects', 'The Jira simulator needs at least one project in the projects option.');
  }

  const issueTypesByName = new Map(DEFAULT_ISSUE_TYPES.map((type) => [type.name, type]));
  let nextIssueTypeId = 10100;
  const seenKeys = new Set<string>();

  return options.map((option, index) => {
    if (!/^[A-Z][A-Z0-9_]{1,9}$/.test(option.key ?? '')) {
      throw new InvalidJiraSimulatorOptionError(
        'projects',
        `Invalid Jira project key ${JSON.stringify(option.key)}: use an upper-case letter followed by 1 to 9 upper-case letters, digits or underscores, such as "SEC".`,
      );
    }
    if (seenKeys.has(option.key)) {
      throw new InvalidJiraSimulatorOptionError('projects', `The Jira project key ${option.key} is listed twice.`);
    }
    seenKeys.add(option.key);

    const issueTypes = (option.issueTypes ?? DEFAULT_ISSUE_TYPES.map((type) => type.name)).map((entry) => {
      if (typeof entry === 'string') {
        const known = issueTypesByName.get(entry);
        if (known === undefined) {
          throw new InvalidJiraSimulatorOptionError(
            'projects',
            `Project ${option.key} names the unknown issue type ${JSON.stringify(entry)}. Use one of ${[...issueTypesByName.keys()].join(', ')}, ` +
              'or give { name, workflow } for a new type.',
          );
        }
        return known;
      }
      let type = issueTypesByName.get(entry.name);
      if (type === undefined) {
        type = { id: String(nextIssueTypeId++), name: entry.name, description: '', workflow: entry.workflow };
        issueTypesByName.set(entry.name, type);
      }
      return type;
    });

    const typeNamed = (name: string, purpose: string): IssueTypeDefinition => {
      const type = issueTypes.find((candidate) => candidate.name === name);
      if (type === undefined) {
        throw new InvalidJiraSimulatorOptionError(
          'projects',
          `Project ${option.key} names the issue type ${JSON.stringify(name)} in ${purpose}, but the project does not have it. ` +
            `Its issue types: ${issueTypes.map((candidate) => candidate.name).join(', ')}.`,
        );
      }
      return type;
    };

    const requiredFields = new Map<string, string[]>();
    for (const [typeName, fieldIds] of Object.entries(option.requiredFields ?? {})) {
      const unknown = fieldIds.filter((fieldId) => !knownFieldIds.has(fieldId));
      if (unknown.length > 0) {
        throw new InvalidJiraSimulatorOptionError(
          'projects',
          `Project ${option.key} requires unknown fields ${unknown.join(', ')}. Use field ids such as "priority" or "customfield_10060".`,
        );
      }
      requiredFields.set(typeNamed(typeName, 'requiredFields').id, [...fieldIds]);
    }

    const projectTypeKey = option.projectTypeKey ?? 'service_desk';
    const serviceDeskId = projectTypeKey === 'service_desk' ? String(index + 1) : undefined;
    if (serviceDeskId === undefined && (option.requestTypes ?? []).length > 0) {
      throw new InvalidJiraSimulatorOptionError('projects', `Project ${option.key} has request types but is not a service_desk project.`);
    }
    const requestTypes = (option.requestTypes ?? []).map((requestType) => ({
      id: requestType.id,
      name: requestType.name,
      issueTypeId: typeNamed(requestType.issueType, `request type ${requestType.id}`).id,
      serviceDeskId: serviceDeskId ?? '',
    }));

    return {
      id: String(10000 + index),
      key: option.key,
      name: option.name ?? option.key,
      projectTypeKey,
      issueTypes,
      requiredFields,
      serviceDeskId,
      requestTypes,
    };
  });
}
