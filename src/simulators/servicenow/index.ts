/** An HTTP simulator of the ServiceNow Table API, for the demo, end-to-end tests and benchmarks. */
export {
  startServiceNowSimulator,
  type AwsConnectorCi,
  type ChangeCancellation,
  type ChangeDecision,
  type DirectWriteOptions,
  type InjectedFault,
  type RecordedRequest,
  type ServiceNowSimulator,
  type ServiceNowSimulatorOptions,
  type SimulatorSnapshot,
} from './server.js';
export { DataPolicyViolation, computePriority, CORRELATION_ID_LENGTH } from './business-rules.js';
export {
  CI_TABLE_NAMES,
  CMDB_BASE_TABLE,
  INSTALL_STATUS,
  RELATIONSHIP_TABLE,
  RELATIONSHIP_TYPE_NAMES,
  relationshipTypeSysId,
  type RelationshipTypeName,
} from './cmdb.js';
export { BusinessRuleAbort, CHANGE_STATE, STATE_TRANSITION_RULE } from './change-model.js';
export {
  ChangeApprovalError,
  InvalidConnectorCiError,
  InvalidSimulatorOptionError, ReadOnlyTableError, UnknownRecordError } from './errors.js';
export type { StoredRecord } from './record-store.js';
export { userSysId, type SimulatorUserOptions } from './users.js';
export type { WebhookDeliveries, WebhookDelivery, WebhookOptions } from './webhooks.js';
