import type { Condition, FieldSpec } from './mapping-document.js';
import type { CompiledExpression, FieldRule } from './sync-rule.js';

/**
 * A publication file as written in YAML, after it passed its JSON Schema
 * (`mappings/schema/publication.schema.json`). The loader compiles it into a {@link CmdbPublication}.
 */
export interface PublicationDocument {
  kind: 'publication';
  name: string;
  description?: string;
  from: {
    system: 'servicenow';
    table: string;
    query?: string;
    fields: string[];
  };
  to: {
    resourceType: string;
    schemaVersionId: string;
  };
  resourceName?: string;
  retired?: Condition;
  configuration: Record<string, FieldSpec>;
}

/**
 * A compiled publication: the records of one CMDB class, selected by a query, published to AWS
 * Config as a custom resource type. Each record is one resource whose id is the record's id
 * (ServiceNow `sys_id`), so a renamed record stays the same resource.
 */
export interface CmdbPublication {
  name: string;
  description?: string;
  /** The mapping file it came from, for messages. */
  file: string;
  from: {
    system: 'servicenow';
    table: string;
    /** The ITSM system's own query language (a ServiceNow encoded query); absent means every record. */
    query?: string;
    /** The fields read from each record. */
    fields: readonly string[];
  };
  to: {
    resourceType: string;
    schemaVersionId: string;
  };
  resourceName?: CompiledExpression;
  /** True for records whose resource must be removed from AWS Config. */
  retired: CompiledExpression;
  /** One rule per configuration property; a property whose rule yields undefined is left out of the configuration. */
  configuration: readonly FieldRule[];
}
