/**
 * The evaluation of one resource by one AWS Config rule, as mapping expressions see it. It is built
 * from a `Config Rules Compliance Change` event (`messageType` `ComplianceChangeNotification`),
 * which carries the new evaluation result and, after the first evaluation, the previous one.
 * `raw` keeps the event's detail for fields this view does not carry.
 */
export interface ConfigComplianceView {
  /** Name of the AWS Config rule, such as `restricted-ssh`. */
  ruleName: string;
  /** ARN of the rule (`configRuleARN`), or null when the event has none. */
  ruleArn: string | null;
  /** Type of the evaluated resource, such as `AWS::EC2::SecurityGroup`. */
  resourceType: string;
  /** Id of the evaluated resource, such as `sg-0f1e2d3c4b5a69788` or a bucket name. */
  resourceId: string;
  /** The result of this evaluation (`newEvaluationResult.complianceType`). */
  complianceType: ComplianceType;
  /**
   * The result of the evaluation before this one (`oldEvaluationResult.complianceType`), or null
   * on the first evaluation of the resource by the rule, which has no old result.
   */
  previousComplianceType: ComplianceType | null;
  /** The rule's explanation of the result, or null when the rule gave none. */
  annotation: string | null;
  /**
   * `DETECTIVE` (the rule evaluated a recorded resource) or `PROACTIVE` (a resource not yet
   * deployed), or null when the event has no `evaluationMode`.
   */
  evaluationMode: string | null;
  /** ISO-8601 time AWS Config recorded the result (`resultRecordedTime`); it orders the events of one evaluation. */
  recordedAt: string;
  /** ISO-8601 time the rule was invoked for this evaluation (`configRuleInvokedTime`), or null when the event has none. */
  invokedAt: string | null;
  /** AWS account id of the evaluated resource. */
  account: string;
  /** The Region of the rule that evaluated the resource. */
  region: string;
  /** Link that opens the rule's page, with its evaluated resources, in the AWS Config console. */
  consoleUrl: string;
  /** Link that opens the resource's page in the AWS Config console. */
  resourceConsoleUrl: string;
  /** The event's detail as it came. */
  raw: Record<string, unknown>;
}

/**
 * Values of `complianceType` in an evaluation result, as the AWS Config API reference lists them
 * (`NON_COMPLIANT`, `COMPLIANT`, `NOT_APPLICABLE`, `INSUFFICIENT_DATA`).
 */
export type ComplianceType = 'NON_COMPLIANT' | 'COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';
