/** The Assets (CMDB) part of the Jira simulator: routes, the in-memory store and its seeded AWS schema. */
export { getAssetsStore, handleAssetsRequest, resetAssetsStore, type AssetsAnswer, type AssetsRequestContext } from './routes.js';
export {
  AssetsRequestError,
  AssetsStore,
  ATTRIBUTE_TYPES,
  DEFAULT_ASSETS_WORKSPACE_ID,
  DEFAULT_TYPES,
  type AssetsObjectView,
  type AssetsStoreOptions,
  type AssetsStoreSnapshot,
  type StoredAttribute,
  type StoredObject,
  type StoredObjectType,
  type StoredSchema,
  type StoredStatus,
} from './store.js';
export { AWS_OBJECT_TYPES, AWS_SCHEMA_KEY, AWS_SCHEMA_NAME, AWS_STATUSES, CORRELATION_ATTRIBUTE } from './aws-schema.js';
export { AqlSyntaxError, parseAql } from './aql-engine.js';
