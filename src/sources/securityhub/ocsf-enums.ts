import { describeValue, invalidField, optionalString, valueAt, type FieldReader } from './read-fields.js';

/** OCSF `*_id` 99: the producer's value has no normalized id, and the caption sibling carries the producer's own label. */
const OTHER_ID = 99;

/**
 * One OCSF enum attribute and how its ids become the ASFF value that `FindingView` carries.
 * Every id listed in `captions` is valid; any other value is rejected.
 */
interface OcsfEnum {
  /** Path of the `*_id` attribute in the finding, such as `severity_id`. */
  idPath: string;
  /** Path of its caption sibling, such as `severity`. */
  captionPath: string;
  /** The OCSF caption of each valid id, 99 (Other) included. */
  captions: Readonly<Record<number, string>>;
  /** The ASFF value of each valid id except 99. */
  asffValues: Readonly<Record<number, string>>;
  /** The ASFF value for id 99 when the caption names no known value. */
  asffValueForOther: string;
}

/** OCSF 1.6 `severity_id`, the values BatchUpdateFindingsV2 accepts in `SeverityId`. */
const SEVERITY: OcsfEnum = {
  idPath: 'severity_id',
  captionPath: 'severity',
  captions: { 0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal', 99: 'Other' },
  asffValues: {
    // ASFF has no "unknown" label, so an unrated finding gets the lowest one.
    0: 'INFORMATIONAL',
    1: 'INFORMATIONAL',
    2: 'LOW',
    3: 'MEDIUM',
    4: 'HIGH',
    5: 'CRITICAL',
    // Fatal ranks above Critical in OCSF, and CRITICAL is the highest ASFF label.
    6: 'CRITICAL',
  },
  // NOTE: a producer's own label such as "Severe" cannot be ranked, so it counts as Unknown. The
  // label stays in `raw.severity` for a mapping written for that producer.
  asffValueForOther: 'INFORMATIONAL',
};

/** OCSF 1.6 finding `status_id`, the values BatchUpdateFindingsV2 accepts in `StatusId`. */
const STATUS: OcsfEnum = {
  idPath: 'status_id',
  captionPath: 'status',
  captions: { 0: 'Unknown', 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved', 5: 'Archived', 6: 'Deleted', 99: 'Other' },
  asffValues: {
    // An unknown status gives no sign that anyone has reviewed the finding, which is what ASFF NEW means.
    0: 'NEW',
    1: 'NEW',
    // NOTIFIED is the only ASFF state between NEW and a decision.
    2: 'NOTIFIED',
    3: 'SUPPRESSED',
    4: 'RESOLVED',
    // An archived finding needs no more work.
    5: 'RESOLVED',
    // OCSF marks a finding Deleted when, for example, it was created in error. ASFF SUPPRESSED
    // means "no action is needed", while NEW would let the shipped mapping open a ticket for it.
    6: 'SUPPRESSED',
  },
  // A producer's own status cannot be placed in the ASFF workflow, so it counts as Unknown.
  asffValueForOther: 'NEW',
};

/** OCSF 1.6 `compliance.status_id`. 0 and 99 come from the OCSF defaults for every enum. */
const COMPLIANCE_STATUS: OcsfEnum = {
  idPath: 'compliance.status_id',
  captionPath: 'compliance.status',
  captions: { 0: 'Unknown', 1: 'Pass', 2: 'Warning', 3: 'Fail', 99: 'Other' },
  asffValues: { 0: 'NOT_AVAILABLE', 1: 'PASSED', 2: 'WARNING', 3: 'FAILED' },
  asffValueForOther: 'NOT_AVAILABLE',
};

/** ASFF names accepted as the caption of id 99 besides the OCSF captions, compared in lowercase. */
const ASFF_CAPTIONS: Readonly<Record<string, string>> = {
  notified: 'NOTIFIED',
  passed: 'PASSED',
  failed: 'FAILED',
  not_available: 'NOT_AVAILABLE',
};

/**
 * Convert the finding's `severity_id` to the ASFF severity label (INFORMATIONAL to CRITICAL).
 *
 * @throws InvalidEventError when `severity_id` is missing or not an OCSF severity id, or when it is
 *   99 (Other) and `severity` is missing.
 */
export function ocsfSeverity(finding: Record<string, unknown>, read: FieldReader): string {
  return readEnum(finding, SEVERITY, read);
}

/**
 * Convert the finding's `status_id` to the ASFF workflow status (NEW, NOTIFIED, SUPPRESSED or
 * RESOLVED). A finding without `status_id` is NEW, as for 0 (Unknown): OCSF 1.6 only recommends
 * the field, and rejecting such findings would send a whole product's findings to the dead-letter queue.
 *
 * @throws InvalidEventError when `status_id` is present but not an OCSF finding status id, or when
 *   it is 99 (Other) and `status` is missing.
 */
export function ocsfWorkflowStatus(finding: Record<string, unknown>, read: FieldReader): string {
  if (valueAt(finding, STATUS.idPath, read) === undefined) return STATUS.asffValues[0] as string;
  return readEnum(finding, STATUS, read);
}

/**
 * Convert `compliance.status_id` to the ASFF compliance status. A compliance section without a
 * status id is NOT_AVAILABLE, because OCSF only recommends the field.
 *
 * @throws InvalidEventError when `compliance.status_id` is present but not an OCSF compliance status id.
 */
export function ocsfComplianceStatus(finding: Record<string, unknown>, read: FieldReader): string {
  if (valueAt(finding, COMPLIANCE_STATUS.idPath, read) === undefined) return 'NOT_AVAILABLE';
  return readEnum(finding, COMPLIANCE_STATUS, read);
}

/**
 * Read one OCSF enum id and return its ASFF value. For 99 (Other), OCSF puts the producer's own
 * label in the caption, so a caption that names a known value decides, such as "High" for severity.
 */
function readEnum(finding: Record<string, unknown>, spec: OcsfEnum, read: FieldReader): string {
  const allowed = allowedIds(spec, true);
  const id = valueAt(finding, spec.idPath, read);

  if (id === undefined) {
    throw invalidField(read, spec.idPath, `is missing; set it to one of ${allowed}`);
  }
  if (typeof id !== 'number' || spec.captions[id] === undefined) {
    throw invalidField(read, spec.idPath, `${describeValue(id)} is not one of ${allowed}`);
  }
  if (id !== OTHER_ID) {
    return spec.asffValues[id] as string;
  }

  const caption = optionalString(finding, spec.captionPath, read);
  if (caption === undefined) {
    const found = describeValue(valueAt(finding, spec.captionPath, read));
    throw invalidField(
      read,
      spec.captionPath,
      `must be the producer's own label when ${spec.idPath} is 99 (Other), got ${found}; set it, or set ${spec.idPath} to one of ${allowedIds(spec, false)}`,
    );
  }
  return asffValueOfCaption(spec, caption) ?? spec.asffValueForOther;
}

/** Find the ASFF value whose OCSF caption or ASFF name matches `caption`, ignoring case and spaces around it. */
function asffValueOfCaption(spec: OcsfEnum, caption: string): string | undefined {
  const expected = caption.trim().toLowerCase();

  for (const [id, known] of Object.entries(spec.captions)) {
    if (Number(id) !== OTHER_ID && known.toLowerCase() === expected) return spec.asffValues[Number(id)];
  }

  const asffValue = ASFF_CAPTIONS[expected.replace(/ /g, '_')];
  return asffValue !== undefined && Object.values(spec.asffValues).includes(asffValue) ? asffValue : undefined;
}

/** List the valid ids with their captions, such as "0 (Unknown), 1 (Informational), …, 99 (Other)". */
function allowedIds(spec: OcsfEnum, withOther: boolean): string {
  return Object.entries(spec.captions)
    .filter(([id]) => withOther || Number(id) !== OTHER_ID)
    .map(([id, caption]) => `${id} (${caption})`)
    .join(', ');
}
