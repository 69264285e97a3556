/**
 * SSM documents of the simulator: Automation runbooks and Change Manager change templates, as
 * tests describe them, plus the check of execution parameters against a document's parameter
 * declarations (the check behind InvalidAutomationExecutionParametersException).
 *
 * A document here is a description, not a runnable YAML file: its parameters and the names and
 * actions of its steps. The simulator does not run actions; it only needs to know where an
 * execution stops and waits, which is at each `aws:approve` step.
 */
import {
  automationDefinitionNotFound,
  automationDefinitionVersionNotFound,
  invalidExecutionParameters,
  validationError,
} from './api-error.js';

/** `DocumentType` values that executions use: runbooks and change templates. */
export type AutomationDocumentType = 'Automation' | 'Automation.ChangeTemplate';

/** Parameter types of SSM documents (schema version 0.3). */
export const DOCUMENT_PARAMETER_TYPES = ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap'] as const;
export type DocumentParameterType = (typeof DOCUMENT_PARAMETER_TYPES)[number];

/** One parameter declaration, as the `parameters` section of a document writes it. */
export interface DocumentParameter {
  type: DocumentParameterType;
  description?: string;
  /** Values the parameter accepts; every value of a StringList must be one of them. */
  allowedValues?: string[];
  /** Regular expression that every value must match, as SSM applies it (not anchored for you). */
  allowedPattern?: string;
  /** A parameter without a default is required. */
  default?: string | number | boolean | string[];
}

/** One step of `mainSteps`: what an execution lists in StepExecutions. */
export interface DocumentStep {
  /** Step name: letters, digits and underscores. */
  name: string;
  /** Action such as `aws:approve`, `aws:runCommand` or `aws:changeInstanceState`. */
  action: string;
  timeoutSeconds?: number;
  /**
   * For `aws:approve` steps: the principals who may approve or reject, as ARNs. An entry may be a
   * parameter reference such as `{{ Approvers }}`, which takes the execution's values of that
   * parameter. Absent: anyone may send the signal.
   */
  approvers?: string[];
  /** For `aws:approve` steps: the approval request text. */
  message?: string;
}

/** A document as a test passes it to `registerDocument`. */
export interface DocumentDefinition {
  name: string;
  /** Whole number as a string. Default `1`. */
  version?: string;
  /** Default `Automation`. */
  documentType?: AutomationDocumentType;
  /** For change templates: the template information that becomes the change request's description. */
  description?: string;
  parameters?: Record<string, DocumentParameter>;
  /** At least one step. */
  steps: DocumentStep[];
  /** For change templates: whether a change request may set AutoApprove. Default false. */
  autoApprovable?: boolean;
}

/** A registered document (a copy is returned to callers). */
export interface SimulatedDocument {
  name: string;
  version: string;
  documentType: AutomationDocumentType;
  description?: string;
  parameters: Record<string, DocumentParameter>;
  steps: DocumentStep[];
  autoApprovable: boolean;
}

/** A document definition that cannot be registered, with the document and the field at fault. */
export class InvalidDocumentDefinitionError extends Error {
  override readonly name = 'InvalidDocumentDefinitionError';

  constructor(
    readonly documentName: string,
    readonly field: string,
    message: string,
  ) {
    super(`Document "${documentName}": ${field} ${message}`);
  }
}

// Patterns of the SSM API model: `DocumentARN` names and `DocumentVersion`.
const DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const DOCUMENT_VERSION_PATTERN = /^([$]LATEST|[$]DEFAULT|[1-9][0-9]*)$/;
const STEP_NAME_PATTERN = /^[a-zA-Z0-9_]+$/;
const PARAMETER_REFERENCE = /^\{\{\s*([A-Za-z0-9_]+)\s*\}\}$/;

/** The documents of one simulator, by name and version. */
export class DocumentRegistry {
  private readonly documents = new Map<string, Map<string, SimulatedDocument>>();

  /**
   * Registers a document, or replaces the same name and version. Returns a copy of it.
   *
   * @throws InvalidDocumentDefinitionError naming the field that is wrong.
   */
  register(definition: DocumentDefinition): SimulatedDocument {
    const document = checkDefinition(definition);
    const versions = this.documents.get(document.name) ?? new Map<string, SimulatedDocument>();
    versions.set(document.version, document);
    this.documents.set(document.name, versions);
    return structuredClone(document);
  }

  /**
   * Finds the document an execution request names. `$DEFAULT` and `$LATEST` (and no version)
   * both take the highest registered version.
   *
   * NOTE: in SSM the default version is set separately and may be older than `$LATEST`; the
   * simulator has no call to set it.
   *
   * @throws SsmApiError AutomationDefinitionNotFoundException, AutomationDefinitionVersionNotFoundException
   *   or ValidationException.
   */
  resolve(name: unknown, version: unknown, member: { name: string; version: string }): SimulatedDocument {
    if (typeof name !== 'string' || name === '') {
      throw validationError(member.name, name ?? null, 'Member must not be null');
    }
    if (!DOCUMENT_NAME_PATTERN.test(name)) {
      throw validationError(member.name, name, `Member must satisfy regular expression pattern: ${DOCUMENT_NAME_PATTERN.source}`);
    }
    if (version !== undefined && version !== null && (typeof version !== 'string' || !DOCUMENT_VERSION_PATTERN.test(version))) {
      throw validationError(member.version, version, `Member must satisfy regular expression pattern: ${DOCUMENT_VERSION_PATTERN.source}`);
    }

    const versions = this.documents.get(name);
    if (versions === undefined) {
      throw automationDefinitionNotFound(name);
    }
    const requestedVersion = typeof version === 'string' && !version.startsWith('$') ? version : highestVersion(versions);
    const document = versions.get(requestedVersion);
    if (document === undefined) {
      throw automationDefinitionVersionNotFound(name, requestedVersion, [...versions.keys()]);
    }
    return document;
  }

  /** Registers the sample documents again and drops every other document. */
  reset(): void {
    this.documents.clear();
    for (const sample of SAMPLE_DOCUMENTS) {
      this.register(sample);
    }
  }
}

/**
 * Checks execution parameters (`map<string, string[]>`, as StartAutomationExecution takes them)
 * against the declarations of `document`. Returns them with the defaults of the parameters that
 * were left out, as GetAutomationExecution reports them.
 *
 * @throws SsmApiError InvalidAutomationExecutionParametersException for an unknown parameter, a
 *   missing required parameter, or a value that breaks the type, allowedValues or allowedPattern.
 */
export function resolveParameters(document: SimulatedDocument, parameters: Record<string, string[]>): Record<string, string[]> {
  const declared = document.parameters;
  const unknown = Object.keys(parameters).filter((name) => declared[name] === undefined);
  if (unknown.length > 0) {
    const known = Object.keys(declared);
    throw invalidExecutionParameters(
      `Parameter ${unknown.map((name) => `"${name}"`).join(', ')} is not declared by document ${document.name}. ` +
        `Use only ${known.length === 0 ? 'no parameters' : known.join(', ')}.`,
    );
  }

  const resolved: Record<string, string[]> = {};
  for (const [name, declaration] of Object.entries(declared)) {
    const values = parameters[name];
    if (values === undefined) {
      if (declaration.default === undefined) {
        throw invalidExecutionParameters(`Parameter "${name}" of document ${document.name} is required and has no default. Send a value for it.`);
      }
      resolved[name] = defaultValues(declaration.default);
      continue;
    }
    checkValues(document.name, name, declaration, values);
    resolved[name] = [...values];
  }
  return resolved;
}

/**
 * Resolves the approvers of an `aws:approve` step: literal entries stay, and `{{ Name }}` takes the
 * execution's values of parameter `Name`. Returns undefined when the step names no approvers.
 */
export function resolveApprovers(step: DocumentStep, parameters: Record<string, string[]>): string[] | undefined {
  if (step.approvers === undefined) {
    return undefined;
  }
  return step.approvers.flatMap((entry) => {
    const reference = PARAMETER_REFERENCE.exec(entry);
    return reference === null ? [entry] : (parameters[reference[1]!] ?? []);
  });
}

/** ARN of a document: documents named `AWS-…` belong to Amazon and have no account in their ARN. */
export function documentArn(name: string, location: { partition: string; region: string; account: string }): string {
  const owner = name.startsWith('AWS-') ? '' : location.account;
  return `arn:${location.partition}:ssm:${location.region}:${owner}:document/${name}`;
}

function checkValues(documentName: string, name: string, declaration: DocumentParameter, values: string[]): void {
  const where = `Parameter "${name}" of document ${documentName}`;
  const single = declaration.type === 'String' || declaration.type === 'Integer' || declaration.type === 'Boolean' || declaration.type === 'StringMap';
  if (single && values.length !== 1) {
    throw invalidExecutionParameters(`${where} has type ${declaration.type} and takes exactly one value, got ${values.length}.`);
  }
  if (declaration.type === 'StringList' && values.length === 0) {
    throw invalidExecutionParameters(`${where} has type StringList and takes at least one value, got none.`);
  }

  for (const value of values) {
    if (declaration.type === 'Integer' && !/^-?\d+$/.test(value)) {
      throw invalidExecutionParameters(`${where} has type Integer, got "${value}". Send a whole number.`);
    }
    if (declaration.type === 'Boolean' && value !== 'true' && value !== 'false') {
      throw invalidExecutionParameters(`${where} has type Boolean, got "${value}". Send true or false.`);
    }
    if ((declaration.type === 'StringMap' || declaration.type === 'MapList') && !isJsonObjectText(value)) {
      throw invalidExecutionParameters(`${where} has type ${declaration.type}, got "${value}". Send a JSON object.`);
    }
    if (declaration.allowedValues !== undefined && !declaration.allowedValues.includes(value)) {
      throw invalidExecutionParameters(`${where} has value "${value}", which is not one of the allowed values: ${declaration.allowedValues.join(', ')}.`);
    }
    if (declaration.allowedPattern !== undefined && !new RegExp(declaration.allowedPattern).test(value)) {
      throw invalidExecutionParameters(`${where} has value "${value}", which does not match the allowed pattern ${declaration.allowedPattern}.`);
    }
  }
}

function isJsonObjectText(value: string): boolean {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

function defaultValues(value: NonNullable<DocumentParameter['default']>): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function highestVersion(versions: Map<string, SimulatedDocument>): string {
  return [...versions.keys()].sort((a, b) => Number(b) - Number(a))[0]!;
}

function checkDefinition(definition: DocumentDefinition): SimulatedDocument {
  const name = definition?.name;
  if (typeof name !== 'string' || !DOCUMENT_NAME_PATTERN.test(name)) {
    throw new InvalidDocumentDefinitionError(String(name), 'name', `must be 3 to 128 letters, digits or _-.:/ characters`);
  }
  const fail = (field: string, message: string): never => {
    throw new InvalidDocumentDefinitionError(name, field, message);
  };

  const version = definition.version ?? '1';
  if (!/^[1-9][0-9]*$/.test(version)) {
    fail('version', `must be a whole number of at least 1 as a string, got "${version}"`);
  }
  const documentType = definition.documentType ?? 'Automation';
  if (documentType !== 'Automation' && documentType !== 'Automation.ChangeTemplate') {
    fail('documentType', `must be Automation or Automation.ChangeTemplate, got "${String(documentType)}"`);
  }

  const parameters = definition.parameters ?? {};
  for (const [parameterName, declaration] of Object.entries(parameters)) {
    checkDeclaration(parameterName, declaration, fail);
  }

  if (!Array.isArray(definition.steps) || definition.steps.length === 0) {
    fail('steps', 'must list at least one step');
  }
  const seen = new Set<string>();
  definition.steps.forEach((step, index) => {
    if (typeof step?.name !== 'string' || !STEP_NAME_PATTERN.test(step.name)) {
      fail(`steps[${index}].name`, `must be letters, digits and underscores, got "${String(step?.name)}"`);
    }
    if (seen.has(step.name)) {
      fail(`steps[${index}].name`, `repeats the step name "${step.name}"; step names must be unique`);
    }
    seen.add(step.name);
    if (typeof step.action !== 'string' || !step.action.startsWith('aws:')) {
      fail(`steps[${index}].action`, `must be an Automation action such as aws:approve, got "${String(step.action)}"`);
    }
    if (step.approvers !== undefined && step.action !== 'aws:approve') {
      fail(`steps[${index}].approvers`, `is only valid on aws:approve steps, but step "${step.name}" is ${step.action}`);
    }
    if (step.approvers !== undefined && (!Array.isArray(step.approvers) || step.approvers.some((entry) => typeof entry !== 'string' || entry === ''))) {
      fail(`steps[${index}].approvers`, 'must be a list of principal ARNs or {{ Parameter }} references');
    }
    if (step.timeoutSeconds !== undefined && (!Number.isInteger(step.timeoutSeconds) || step.timeoutSeconds < 1)) {
      fail(`steps[${index}].timeoutSeconds`, `must be a whole number of seconds of at least 1, got ${step.timeoutSeconds}`);
    }
  });

  return structuredClone({
    name,
    version,
    documentType,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    parameters,
    steps: definition.steps,
    autoApprovable: definition.autoApprovable ?? false,
  });
}

function checkDeclaration(parameterName: string, declaration: DocumentParameter, fail: (field: string, message: string) => never): void {
  const field = `parameters.${parameterName}`;
  if (!/^[A-Za-z0-9_]+$/.test(parameterName)) {
    fail(field, 'is not a valid parameter name: use letters, digits and underscores');
  }
  if (!(DOCUMENT_PARAMETER_TYPES as readonly string[]).includes(declaration?.type)) {
    fail(`${field}.type`, `must be one of ${DOCUMENT_PARAMETER_TYPES.join(', ')}, got "${String(declaration?.type)}"`);
  }
  if (declaration.allowedValues !== undefined && (!Array.isArray(declaration.allowedValues) || declaration.allowedValues.some((value) => typeof value !== 'string'))) {
    fail(`${field}.allowedValues`, 'must be a list of strings');
  }
  if (declaration.allowedPattern !== undefined) {
    try {
      new RegExp(declaration.allowedPattern);
    } catch {
      fail(`${field}.allowedPattern`, `is not a valid regular expression: ${declaration.allowedPattern}`);
    }
  }
}

/**
 * The documents every simulator starts with. Names and parameters follow the examples used across
 * the test fixtures: the `PatchOrdersFleet` runbook (version 3) of the change request events, the
 * Amazon-owned `AWS-RestartEC2Instance` runbook, and the change templates `StandardFleetPatching`
 * and `Example-RestartWebTierChangeTemplate`. `RestartWebTierWithApproval` is a runbook that
 * waits at an `aws:approve` step before it acts.
 */
export const SAMPLE_DOCUMENTS: readonly DocumentDefinition[] = [
  {
    name: 'AWS-RestartEC2Instance',
    parameters: {
      InstanceId: { type: 'StringList', description: '(Required) EC2 instances to restart.', allowedPattern: '^i-[a-z0-9]{8,17}$' },
      AutomationAssumeRole: {
        type: 'String',
        description: '(Optional) Role that Automation assumes to act for you.',
        allowedPattern: '^$|^arn:aws[a-z0-9-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
        default: '',
      },
    },
    steps: [
      { name: 'stopInstances', action: 'aws:changeInstanceState' },
      { name: 'startInstances', action: 'aws:changeInstanceState' },
    ],
  },
  {
    name: 'PatchOrdersFleet',
    version: '3',
    parameters: {
      Operation: { type: 'String', allowedValues: ['Scan', 'Install'], default: 'Install' },
      RebootOption: { type: 'String', allowedValues: ['RebootIfNeeded', 'NoReboot'], default: 'RebootIfNeeded' },
      AutomationAssumeRole: { type: 'String', allowedPattern: '^$|^arn:aws[a-z0-9-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$', default: '' },
    },
    steps: [
      { name: 'patchInstances', action: 'aws:runCommand', timeoutSeconds: 3600 },
      { name: 'verifyHealth', action: 'aws:executeAwsApi' },
    ],
  },
  {
    name: 'RestartWebTierWithApproval',
    parameters: {
      InstanceId: { type: 'StringList', allowedPattern: '^i-[a-z0-9]{8,17}$', default: ['i-0a1b2c3d4e5f60718'] },
      Approvers: { type: 'StringList', description: 'Principals who approve the restart.', default: [] },
    },
    steps: [
      { name: 'approveRestart', action: 'aws:approve', timeoutSeconds: 604800, approvers: ['{{ Approvers }}'], message: 'Approve the web tier restart.' },
      { name: 'stopInstances', action: 'aws:changeInstanceState' },
      { name: 'startInstances', action: 'aws:changeInstanceState' },
    ],
  },
  {
    name: 'StandardFleetPatching',
    documentType: 'Automation.ChangeTemplate',
    description: '### Document Name: StandardFleetPatching\n\n## What does this document do?\nPatches a fleet to the latest approved baseline.',
    parameters: changeTemplateParameters(),
    steps: [{ name: 'ApproveAction1', action: 'aws:approve', timeoutSeconds: 3600 }],
    autoApprovable: true,
  },
  {
    name: 'Example-RestartWebTierChangeTemplate',
    documentType: 'Automation.ChangeTemplate',
    description: '### Document Name: Example-RestartWebTierChangeTemplate\n\n## What does this document do?\nRestarts the web tier instances.',
    parameters: changeTemplateParameters(),
    steps: [{ name: 'ApproveAction1', action: 'aws:approve', timeoutSeconds: 3600 }],
  },
];

/** Returns the parameters that Change Manager's template builder declares for the first approval level. */
function changeTemplateParameters(): Record<string, DocumentParameter> {
  return {
    ApproverSnsTopicArn: { type: 'String', description: 'Amazon SNS topic that notifies the approvers.', default: '' },
    Approver: { type: 'String', description: 'Name of the IAM principal or group who approves.' },
    ApproverType: { type: 'String', allowedValues: ['IamUser', 'IamGroup', 'IamRole', 'SSOGroup', 'SSOUser'] },
  };
}
