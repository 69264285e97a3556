/** The ServiceNow target: Table API client, encoded queries, errors and the ItsmTarget implementation. */
export {
  ServiceNowClient,
  type CreateRecordOptions,
  type QueryOptions,
  type QueryPage,
  type QueryPageOptions,
  type ServiceNowAuthConfig,
  type ServiceNowClientConfig,
  type ServiceNowRecord,
} from './client.js';
export { EncodedQuery, escapeQueryValue, validateFieldName, type QueryValue } from './encoded-query.js';
export * from './errors.js';
export {
  MAX_CORRELATION_LENGTH,
  ServiceNowTarget,
  formatServiceNowDate,
  parseServiceNowDate,
  toServiceNowFields,
  type ServiceNowTargetOptions,
} from './servicenow-target.js';
