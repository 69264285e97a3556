/**
 * OCSF findings of the Security Hub simulator and BatchUpdateFindingsV2. Validation follows the
 * BatchUpdateFindingsV2 documentation of @aws-sdk/client-securityhub 3.1108.
 */
import { validationError } from './api-error.js';
import { asObject, checkLength } from './validate.js';

/** An OCSF finding as stored by the simulator. Only `metadata.uid` is required. */
export type OcsfFinding = Record<string, unknown> & { metadata: Record<string, unknown> & { uid: string } };

/** The alternative key of BatchUpdateFindingsV2: account, `finding_info.uid` and product. */
export interface OcsfFindingIdentifier {
  CloudAccountUid: string;
  FindingInfoUid: string;
  MetadataProductUid: string;
}

/** BatchUpdateFindingsV2 output as sent on the wire. */
export interface BatchUpdateFindingsV2Output {
  ProcessedFindings: Array<{ MetadataUid?: string; FindingIdentifier?: OcsfFindingIdentifier }>;
  UnprocessedFindings: Array<{ MetadataUid?: string; FindingIdentifier?: OcsfFindingIdentifier; ErrorCode: string; ErrorMessage: string }>;
}

// NOTE: the SDK documentation gives no item limit for MetadataUids or FindingIdentifiers; the
// simulator applies BatchUpdateFindings' limit of 100.
const MAX_FINDINGS_PER_BATCH = 100;
const COMMENT_MAX_LENGTH = 512;

/** OCSF finding status names by `status_id` (the values BatchUpdateFindingsV2 accepts in `StatusId`). */
const STATUS_NAMES: Record<number, string> = { 0: 'Unknown', 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved', 5: 'Archived', 6: 'Deleted', 99: 'Other' };

/** OCSF severity names by `severity_id` (the values BatchUpdateFindingsV2 accepts in `SeverityId`). */
const SEVERITY_NAMES: Record<number, string> = { 0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal', 99: 'Other' };

const RESOURCE_NOT_FOUND = { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Finding not found' };

/** The simulator's OCSF findings, keyed by `metadata.uid`. */
export class OcsfFindingStore {
  private readonly findings = new Map<string, OcsfFinding>();

  /** Adds findings, or replaces findings with the same `metadata.uid`. Stores copies. */
  seed(findings: readonly unknown[]): void {
    findings.forEach((candidate, index) => {
      const metadata = (candidate as { metadata?: { uid?: unknown } } | null)?.metadata;
      if (typeof metadata?.uid !== 'string' || metadata.uid === '') {
        throw new TypeError(`findings[${index}] is not an OCSF finding: it needs a non-empty string metadata.uid`);
      }
      this.findings.set(metadata.uid, structuredClone(candidate) as OcsfFinding);
    });
  }

  /** Returns a copy of the finding with this `metadata.uid`, or undefined. */
  get(metadataUid: string): OcsfFinding | undefined {
    const finding = this.findings.get(metadataUid);
    return finding === undefined ? undefined : structuredClone(finding);
  }

  clear(): void {
    this.findings.clear();
  }

  /**
   * Applies a BatchUpdateFindingsV2 request. As documented for the real operation, it changes
   * neither `finding_info.modified_time` nor `time`.
   */
  batchUpdate(body: unknown): BatchUpdateFindingsV2Output {
    const request = asObject(body, 'request body', validationError);
    const targets = readTargets(request);
    const update = readUpdate(request);

    const output: BatchUpdateFindingsV2Output = { ProcessedFindings: [], UnprocessedFindings: [] };
    for (const target of targets) {
      const finding = target.metadataUid !== undefined ? this.findings.get(target.metadataUid) : this.findByIdentifier(target.identifier!);
      const reference = target.metadataUid !== undefined ? { MetadataUid: target.metadataUid } : { FindingIdentifier: target.identifier! };
      if (finding === undefined) {
        output.UnprocessedFindings.push({ ...reference, ...RESOURCE_NOT_FOUND });
        continue;
      }
      applyUpdate(finding, update);
      // NOTE: the documentation does not say whether Security Hub also returns the other key of a
      // processed finding. The simulator echoes the key the request used, plus metadata.uid.
      output.ProcessedFindings.push({ ...reference, MetadataUid: finding.metadata.uid });
    }
    return output;
  }

  private findByIdentifier(identifier: OcsfFindingIdentifier): OcsfFinding | undefined {
    for (const finding of this.findings.values()) {
      const account = (finding.cloud as { account?: { uid?: unknown } } | undefined)?.account?.uid;
      const findingInfoUid = (finding.finding_info as { uid?: unknown } | undefined)?.uid;
      const productUid = (finding.metadata.product as { uid?: unknown } | undefined)?.uid;
      if (account === identifier.CloudAccountUid && findingInfoUid === identifier.FindingInfoUid && productUid === identifier.MetadataProductUid) {
        return finding;
      }
    }
    return undefined;
  }
}

interface UpdateTarget {
  metadataUid?: string;
  identifier?: OcsfFindingIdentifier;
}

interface OcsfUpdate {
  comment?: string;
  statusId?: number;
  severityId?: number;
}

function readTargets(request: Record<string, unknown>): UpdateTarget[] {
  const { MetadataUids: metadataUids, FindingIdentifiers: identifiers } = request;
  if (metadataUids !== undefined && identifiers !== undefined) {
    throw validationError('MetadataUids cannot be used together with FindingIdentifiers; send one of them');
  }
  if (metadataUids === undefined && identifiers === undefined) {
    throw validationError('Either MetadataUids or FindingIdentifiers is required');
  }

  const list = (metadataUids ?? identifiers) as unknown;
  const name = metadataUids !== undefined ? 'MetadataUids' : 'FindingIdentifiers';
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_FINDINGS_PER_BATCH) {
    throw validationError(`Invalid parameter '${name}': it must contain 1 to ${MAX_FINDINGS_PER_BATCH} items`);
  }

  if (metadataUids !== undefined) {
    return list.map((uid, index) => {
      if (typeof uid !== 'string' || uid === '') {
        throw validationError(`Invalid parameter 'MetadataUids[${index}]': a non-empty string is required`);
      }
      return { metadataUid: uid };
    });
  }
  return list.map((item, index) => {
    const identifier = asObject(item, `FindingIdentifiers[${index}]`, validationError);
    for (const key of ['CloudAccountUid', 'FindingInfoUid', 'MetadataProductUid'] as const) {
      if (typeof identifier[key] !== 'string' || identifier[key] === '') {
        throw validationError(`Invalid parameter 'FindingIdentifiers[${index}].${key}': a non-empty string is required`);
      }
    }
    return { identifier: identifier as unknown as OcsfFindingIdentifier };
  });
}

function readUpdate(request: Record<string, unknown>): OcsfUpdate {
  const update: OcsfUpdate = {};
  if (request.Comment !== undefined) {
    checkLength(request.Comment, 'Comment', 1, COMMENT_MAX_LENGTH, validationError);
    update.comment = request.Comment as string;
  }
  if (request.StatusId !== undefined) {
    update.statusId = enumId(request.StatusId, 'StatusId', STATUS_NAMES);
  }
  if (request.SeverityId !== undefined) {
    update.severityId = enumId(request.SeverityId, 'SeverityId', SEVERITY_NAMES);
  }

  // NOTE: the documentation does not say how Security Hub handles a request that updates nothing.
  // Rejecting it is an assumption.
  if (update.comment === undefined && update.statusId === undefined && update.severityId === undefined) {
    throw validationError('At least one of Comment, SeverityId or StatusId is required');
  }
  return update;
}

function applyUpdate(finding: OcsfFinding, update: OcsfUpdate): void {
  if (update.comment !== undefined) {
    finding.comment = update.comment;
  }
  // Security Hub keeps the string sibling of each id in step (BatchUpdateFindingsV2 documentation).
  if (update.statusId !== undefined) {
    finding.status_id = update.statusId;
    finding.status = STATUS_NAMES[update.statusId];
  }
  if (update.severityId !== undefined) {
    finding.severity_id = update.severityId;
    finding.severity = SEVERITY_NAMES[update.severityId];
  }
}

function enumId(value: unknown, name: string, names: Record<number, string>): number {
  if (typeof value !== 'number' || names[value] === undefined) {
    throw validationError(`Invalid parameter '${name}': ${JSON.stringify(value)} is not one of ${Object.keys(names).join(', ')}`);
  }
  return value;
}
