/**
 * The finding as mapping expressions see it: one shape for ASFF (Security Hub CSPM) and OCSF (the
 * new Security Hub), so a single mapping serves both formats. `raw` keeps the original finding for
 * fields this view does not carry.
 */
export interface FindingView {
  /** ASFF `Id`, or OCSF `finding_info.uid`. Security Hub uses the same value in both formats. */
  id: string;
  format: 'asff' | 'ocsf';
  account: string;
  region: string;
  productArn: string;
  productName: string;
  companyName: string;
  generatorId: string;
  title: string;
  description: string;
  /** INFORMATIONAL | LOW | MEDIUM | HIGH | CRITICAL (ASFF labels; OCSF severities are converted). */
  severity: string;
  /** NEW | NOTIFIED | RESOLVED | SUPPRESSED. */
  workflowStatus: string;
  /** ACTIVE | ARCHIVED. */
  recordState: string;
  /** PASSED | WARNING | FAILED | NOT_AVAILABLE, or null when the finding has no compliance section. */
  complianceStatus: string | null;
  /** Security control id such as `S3.8`, or null. */
  controlId: string | null;
  types: string[];
  resources: FindingResource[];
  remediationText: string | null;
  remediationUrl: string | null;
  firstObservedAt: string | null;
  lastObservedAt: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  /** Link to the finding in the Security Hub console. */
  consoleUrl: string;
  raw: Record<string, unknown>;
}

export interface FindingResource {
  type: string;
  id: string;
  region: string | null;
  tags: Record<string, string>;
}
