/**
 * ASFF findings of the Security Hub simulator and the two operations on them: BatchUpdateFindings
 * and GetFindings. Validation follows the Security Hub API reference as the SDK documents it
 * (@aws-sdk/client-securityhub 3.1108 model documentation).
 */
import { pageOf, readPageOffset } from '../paging.js';
import { invalidInput } from './api-error.js';
import { asObject, checkLength } from './validate.js';

/** An ASFF finding as stored and returned by the simulator. Only `Id` and `ProductArn` are required. */
export type AsffFinding = Record<string, unknown> & { Id: string; ProductArn: string };

/** Identity of an ASFF finding in BatchUpdateFindings: the Id together with the ProductArn. */
export interface AsffFindingIdentifier {
  Id: string;
  ProductArn: string;
}

/** BatchUpdateFindings output as sent on the wire. */
export interface BatchUpdateFindingsOutput {
  ProcessedFindings: AsffFindingIdentifier[];
  UnprocessedFindings: Array<{ FindingIdentifier: AsffFindingIdentifier; ErrorCode: string; ErrorMessage: string }>;
}

/** GetFindings output as sent on the wire. */
export interface GetFindingsOutput {
  Findings: AsffFinding[];
  NextToken?: string;
}

const MAX_FINDINGS_PER_BATCH = 100;
const NOTE_TEXT_MAX_LENGTH = 512;
const NOTE_UPDATED_BY_MAX_LENGTH = 128;
const USER_DEFINED_VALUE_MAX_LENGTH = 1024;
const GET_FINDINGS_MAX_RESULTS = 100;

const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'];
const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const VERIFICATION_STATES = ['UNKNOWN', 'TRUE_POSITIVE', 'FALSE_POSITIVE', 'BENIGN_POSITIVE'];

// Per-finding error codes and messages as the BatchUpdateFindingsUnprocessedFinding documentation lists them.
const FINDING_NOT_FOUND = { ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' };
const DUPLICATED_IDENTIFIER = { ErrorCode: 'DuplicatedFindingIdentifier', ErrorMessage: 'Finding Identifier is duplicated' };

/**
 * GetFindings filters the simulator supports, each as the finding values it compares against. A
 * filter on a resource field matches when any resource of the finding matches.
 */
const FILTER_FIELDS: Record<string, (finding: AsffFinding) => string[]> = {
  Id: (finding) => [finding.Id],
  ProductArn: (finding) => [finding.ProductArn],
  AwsAccountId: (finding) => stringAt(finding, ['AwsAccountId']),
  Region: (finding) => stringAt(finding, ['Region']),
  GeneratorId: (finding) => stringAt(finding, ['GeneratorId']),
  Title: (finding) => stringAt(finding, ['Title']),
  ProductName: (finding) => stringAt(finding, ['ProductName']),
  CompanyName: (finding) => stringAt(finding, ['CompanyName']),
  RecordState: (finding) => stringAt(finding, ['RecordState']),
  WorkflowStatus: (finding) => stringAt(finding, ['Workflow', 'Status']),
  SeverityLabel: (finding) => stringAt(finding, ['Severity', 'Label']),
  ComplianceStatus: (finding) => stringAt(finding, ['Compliance', 'Status']),
  ComplianceSecurityControlId: (finding) => stringAt(finding, ['Compliance', 'SecurityControlId']),
  ResourceId: (finding) => resourceValues(finding, 'Id'),
  ResourceType: (finding) => resourceValues(finding, 'Type'),
};

// Positive comparisons on one field are combined with OR, negative ones with AND (GetFindings API reference).
const POSITIVE_COMPARISONS: Record<string, (actual: string, expected: string) => boolean> = {
  EQUALS: (actual, expected) => actual === expected,
  PREFIX: (actual, expected) => actual.startsWith(expected),
  CONTAINS: (actual, expected) => actual.includes(expected),
};
const NEGATIVE_COMPARISONS: Record<string, (actual: string, expected: string) => boolean> = {
  NOT_EQUALS: (actual, expected) => actual !== expected,
  PREFIX_NOT_EQUALS: (actual, expected) => !actual.startsWith(expected),
  NOT_CONTAINS: (actual, expected) => !actual.includes(expected),
};

/** The simulator's ASFF findings, in the order they were seeded. */
export class AsffFindingStore {
  private readonly findings = new Map<string, AsffFinding>();

  /** Adds findings, or replaces findings with the same Id and ProductArn. Stores copies. */
  seed(findings: readonly unknown[]): void {
    findings.forEach((candidate, index) => {
      const finding = asObject(candidate, `findings[${index}]`, (message) => new TypeError(message));
      if (typeof finding.Id !== 'string' || finding.Id === '' || typeof finding.ProductArn !== 'string' || finding.ProductArn === '') {
        throw new TypeError(`findings[${index}] is not an ASFF finding: it needs a non-empty string Id and ProductArn`);
      }
      this.findings.set(storeKey(finding.Id, finding.ProductArn), structuredClone(finding) as AsffFinding);
    });
  }

  /** Returns a copy of the finding with this Id (and ProductArn, when given), or undefined. */
  get(id: string, productArn?: string): AsffFinding | undefined {
    if (productArn !== undefined) {
      const finding = this.findings.get(storeKey(id, productArn));
      return finding === undefined ? undefined : structuredClone(finding);
    }
    for (const finding of this.findings.values()) {
      if (finding.Id === id) {
        return structuredClone(finding);
      }
    }
    return undefined;
  }

  clear(): void {
    this.findings.clear();
  }

  /**
   * Applies a BatchUpdateFindings request. Like the real operation it sets `ProcessedAt` and leaves
   * `UpdatedAt` alone, because `UpdatedAt` belongs to the finding provider.
   */
  batchUpdate(body: unknown, now: Date): BatchUpdateFindingsOutput {
    const request = asObject(body, 'request body', invalidInput);
    const identifiers = readIdentifiers(request.FindingIdentifiers);
    const update = readUpdate(request);
    const nowIso = now.toISOString();

    const output: BatchUpdateFindingsOutput = { ProcessedFindings: [], UnprocessedFindings: [] };
    const seen = new Set<string>();
    for (const identifier of identifiers) {
      const key = storeKey(identifier.Id, identifier.ProductArn);
      const finding = this.findings.get(key);
      if (seen.has(key)) {
        output.UnprocessedFindings.push({ FindingIdentifier: identifier, ...DUPLICATED_IDENTIFIER });
      } else if (finding === undefined) {
        output.UnprocessedFindings.push({ FindingIdentifier: identifier, ...FINDING_NOT_FOUND });
      } else {
        applyUpdate(finding, update, nowIso);
        output.ProcessedFindings.push(identifier);
      }
      seen.add(key);
    }
    return output;
  }

  /** Runs GetFindings: filters, then returns one page of at most `MaxResults` findings. */
  getFindings(body: unknown): GetFindingsOutput {
    const request = asObject(body ?? {}, 'request body', invalidInput);
    const matches = compileFilters(request.Filters);
    const maxResults = readMaxResults(request.MaxResults);
    const offset = readNextToken(request.NextToken);

    // NOTE: SortCriteria is accepted but ignored; findings come back in the order they were seeded.
    const selected = [...this.findings.values()].filter(matches);
    const page = pageOf(selected, offset, maxResults);
    const output: GetFindingsOutput = { Findings: page.items.map((finding) => structuredClone(finding)) };
    if (page.nextToken !== undefined) {
      output.NextToken = page.nextToken;
    }
    return output;
  }
}

/** The update fields of a BatchUpdateFindings request, validated. */
interface AsffUpdate {
  workflowStatus?: string;
  note?: { Text: string; UpdatedBy: string };
  userDefinedFields?: Record<string, string>;
  severity?: Record<string, unknown>;
  verificationState?: string;
  confidence?: number;
  criticality?: number;
  types?: string[];
  relatedFindings?: unknown[];
}

function readIdentifiers(value: unknown): AsffFindingIdentifier[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_FINDINGS_PER_BATCH) {
    const got = Array.isArray(value) ? `${value.length} items` : 'none';
    throw invalidInput(`Invalid parameter 'FindingIdentifiers': it must contain 1 to ${MAX_FINDINGS_PER_BATCH} items, got ${got}`);
  }
  return value.map((item, index) => {
    const identifier = asObject(item, `FindingIdentifiers[${index}]`, invalidInput);
    if (typeof identifier.Id !== 'string' || identifier.Id === '') {
      throw invalidInput(`Invalid parameter 'FindingIdentifiers[${index}].Id': a non-empty string is required`);
    }
    if (typeof identifier.ProductArn !== 'string' || identifier.ProductArn === '') {
      throw invalidInput(`Invalid parameter 'FindingIdentifiers[${index}].ProductArn': a non-empty string is required`);
    }
    return { Id: identifier.Id, ProductArn: identifier.ProductArn };
  });
}

function readUpdate(request: Record<string, unknown>): AsffUpdate {
  const update: AsffUpdate = {};

  if (request.Note !== undefined) {
    const note = asObject(request.Note, 'Note', invalidInput);
    checkLength(note.Text, 'Note.Text', 1, NOTE_TEXT_MAX_LENGTH, invalidInput);
    checkLength(note.UpdatedBy, 'Note.UpdatedBy', 1, NOTE_UPDATED_BY_MAX_LENGTH, invalidInput);
    update.note = { Text: note.Text as string, UpdatedBy: note.UpdatedBy as string };
  }

  if (request.Workflow !== undefined) {
    const workflow = asObject(request.Workflow, 'Workflow', invalidInput);
    if (workflow.Status !== undefined) {
      update.workflowStatus = oneOf(workflow.Status, 'Workflow.Status', WORKFLOW_STATUSES);
    }
  }

  if (request.UserDefinedFields !== undefined) {
    const fields = asObject(request.UserDefinedFields, 'UserDefinedFields', invalidInput);
    for (const [key, value] of Object.entries(fields)) {
      checkLength(value, `UserDefinedFields.${key}`, 0, USER_DEFINED_VALUE_MAX_LENGTH, invalidInput);
    }
    update.userDefinedFields = fields as Record<string, string>;
  }

  if (request.Severity !== undefined) {
    const severity = asObject(request.Severity, 'Severity', invalidInput);
    if (severity.Label !== undefined) {
      oneOf(severity.Label, 'Severity.Label', SEVERITY_LABELS);
    }
    if (severity.Normalized !== undefined) {
      percentage(severity.Normalized, 'Severity.Normalized');
    }
    update.severity = severity;
  }

  if (request.VerificationState !== undefined) {
    update.verificationState = oneOf(request.VerificationState, 'VerificationState', VERIFICATION_STATES);
  }
  if (request.Confidence !== undefined) {
    update.confidence = percentage(request.Confidence, 'Confidence');
  }
  if (request.Criticality !== undefined) {
    update.criticality = percentage(request.Criticality, 'Criticality');
  }
  if (request.Types !== undefined) {
    if (!Array.isArray(request.Types) || request.Types.some((type) => typeof type !== 'string')) {
      throw invalidInput(`Invalid parameter 'Types': a list of strings is required`);
    }
    update.types = request.Types as string[];
  }
  if (request.RelatedFindings !== undefined) {
    if (!Array.isArray(request.RelatedFindings)) {
      throw invalidInput(`Invalid parameter 'RelatedFindings': a list is required`);
    }
    update.relatedFindings = request.RelatedFindings;
  }

  return update;
}

function applyUpdate(finding: AsffFinding, update: AsffUpdate, nowIso: string): void {
  if (update.workflowStatus !== undefined) {
    finding.Workflow = { ...(finding.Workflow as object | undefined), Status: update.workflowStatus };
  }
  if (update.note !== undefined) {
    finding.Note = { ...update.note, UpdatedAt: nowIso };
  }
  if (update.userDefinedFields !== undefined) {
    finding.UserDefinedFields = { ...(finding.UserDefinedFields as object | undefined), ...update.userDefinedFields };
  }
  if (update.severity !== undefined) {
    finding.Severity = { ...(finding.Severity as object | undefined), ...update.severity };
  }
  if (update.verificationState !== undefined) {
    finding.VerificationState = update.verificationState;
  }
  if (update.confidence !== undefined) {
    finding.Confidence = update.confidence;
  }
  if (update.criticality !== undefined) {
    finding.Criticality = update.criticality;
  }
  if (update.types !== undefined) {
    finding.Types = update.types;
  }
  if (update.relatedFindings !== undefined) {
    finding.RelatedFindings = update.relatedFindings;
  }
  finding.ProcessedAt = nowIso;
}

function compileFilters(value: unknown): (finding: AsffFinding) => boolean {
  if (value === undefined) {
    return () => true;
  }
  const filters = asObject(value, 'Filters', invalidInput);
  const fieldMatchers = Object.entries(filters).map(([field, conditions]) => compileFieldFilter(field, conditions));
  return (finding) => fieldMatchers.every((matches) => matches(finding));
}

function compileFieldFilter(field: string, conditions: unknown): (finding: AsffFinding) => boolean {
  const read = FILTER_FIELDS[field];
  if (read === undefined) {
    throw invalidInput(`Filter '${field}' is not supported by the Security Hub simulator; supported filters: ${Object.keys(FILTER_FIELDS).join(', ')}`);
  }
  if (!Array.isArray(conditions) || conditions.length === 0) {
    throw invalidInput(`Invalid parameter 'Filters.${field}': a non-empty list of {Value, Comparison} is required`);
  }

  const positive: Array<(actual: string) => boolean> = [];
  const negative: Array<(actual: string) => boolean> = [];
  conditions.forEach((item, index) => {
    const condition = asObject(item, `Filters.${field}[${index}]`, invalidInput);
    const expected = condition.Value;
    if (typeof expected !== 'string') {
      throw invalidInput(`Invalid parameter 'Filters.${field}[${index}].Value': a string is required`);
    }
    const comparison = String(condition.Comparison);
    const positiveCompare = POSITIVE_COMPARISONS[comparison];
    const negativeCompare = NEGATIVE_COMPARISONS[comparison];
    if (positiveCompare !== undefined) {
      positive.push((actual) => positiveCompare(actual, expected));
    } else if (negativeCompare !== undefined) {
      negative.push((actual) => negativeCompare(actual, expected));
    } else {
      const allowed = [...Object.keys(POSITIVE_COMPARISONS), ...Object.keys(NEGATIVE_COMPARISONS)];
      throw invalidInput(`Invalid parameter 'Filters.${field}[${index}].Comparison': "${comparison}" is not one of ${allowed.join(', ')}`);
    }
  });

  return (finding) => {
    const values = read(finding);
    const positiveOk = positive.length === 0 || values.some((actual) => positive.some((test) => test(actual)));
    const negativeOk = values.every((actual) => negative.every((test) => test(actual)));
    return positiveOk && negativeOk;
  };
}

function readMaxResults(value: unknown): number {
  if (value === undefined) {
    return GET_FINDINGS_MAX_RESULTS;
  }
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > GET_FINDINGS_MAX_RESULTS) {
    throw invalidInput(`Invalid parameter 'MaxResults': it must be a whole number from 1 to ${GET_FINDINGS_MAX_RESULTS}, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function readNextToken(value: unknown): number {
  const offset = readPageOffset(value);
  if (offset === undefined) {
    throw invalidInput(`Invalid parameter 'NextToken': the token was not issued by a previous GetFindings call`);
  }
  return offset;
}

function oneOf(value: unknown, name: string, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalidInput(`Invalid parameter '${name}': ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value;
}

function percentage(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 100) {
    throw invalidInput(`Invalid parameter '${name}': it must be a whole number from 0 to 100, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function storeKey(id: string, productArn: string): string {
  return `${productArn}\u0000${id}`;
}

function stringAt(finding: AsffFinding, path: string[]): string[] {
  let current: unknown = finding;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) {
      return [];
    }
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'string' ? [current] : [];
}

function resourceValues(finding: AsffFinding, key: 'Id' | 'Type'): string[] {
  const resources = Array.isArray(finding.Resources) ? finding.Resources : [];
  return resources.flatMap((resource: unknown) => {
    const value = typeof resource === 'object' && resource !== null ? (resource as Record<string, unknown>)[key] : undefined;
    return typeof value === 'string' ? [value] : [];
  });
}
