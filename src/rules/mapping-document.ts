import type { FieldOwner } from './sync-rule.js';
import type { SourceKind, TargetSystem } from '../core/types.js';

/**
 * The shape of one mapping file as written in YAML, after it passed the JSON Schema
 * (`mappings/schema/mapping.schema.json`, the source of truth for this structure).
 * The loader compiles it into a `SyncRule`.
 */
export interface MappingDocument {
  name: string;
  description?: string;
  priority?: number;
  source: {
    kind: SourceKind;
    when?: Condition;
  };
  target: {
    system: TargetSystem;
    table: string;
  };
  correlation: {
    prefix: string;
    lookupBeforeCreate?: boolean;
    adopt?: { field: string; value: string };
  };
  lifecycle: {
    create: { when: Condition };
    resolve?: {
      when: Condition;
      fields?: Record<string, LifecycleFieldSpec>;
      steps?: Array<Record<string, LifecycleFieldSpec>>;
      closeTickets?: { table: string; field: string; fields: Record<string, LifecycleFieldSpec> };
    };
    reopen?: { within: string | number; fields?: Record<string, LifecycleFieldSpec> };
    recur?: { fields?: Record<string, LifecycleFieldSpec> };
  };
  fields: Record<string, FieldSpec>;
  writeback?: {
    onLink?: WritebackSpec;
    onResolve?: WritebackSpec;
  };
  reverse?: ReverseSpec;
  start?: StartSpec;
  relationships?: Record<string, { type: string; this: 'parent' | 'child' }>;
}

/** ServiceNow changes that start an AWS runbook (change request rules). */
export interface StartSpec {
  query: string;
  fields: string[];
  when?: Condition;
  runbook: string;
  changeTemplate?: string;
  templateParameters?: Record<string, string>;
  parameters: Record<string, string>;
  write?: Record<string, LifecycleFieldSpec>;
}

/** The ITSM → AWS direction of a rule. */
export interface ReverseSpec {
  fields: string[];
  closed: Condition;
  writeback?: { status?: LifecycleFieldSpec; note?: LifecycleFieldSpec };
  journal?: { fields: string[]; note: LifecycleFieldSpec };
  decision?: {
    approve: Condition;
    reject: Condition;
    comment: LifecycleFieldSpec;
    calendarOverride?: { fields: Record<string, LifecycleFieldSpec>; approvers?: string[] };
  };
}

/** A JSONata expression, or a YAML boolean as a shorthand for `'true'` / `'false'`. */
export type Condition = string | boolean;

/** A literal that a field can take from `const`, `default` or a value map. */
export type Literal = string | number | boolean;

/** A target field: a JSONata expression (shorthand), or the long form. */
export type FieldSpec = string | FieldSpecObject;

export interface FieldSpecObject {
  value?: string;
  const?: Literal;
  map?: Record<string, Literal>;
  default?: Literal;
  owner?: FieldOwner;
  maxLength?: number;
}

/** Lifecycle fields are written when the lifecycle step happens, so they have no owner. */
export type LifecycleFieldSpec = string | Omit<FieldSpecObject, 'owner'>;

export interface WritebackSpec {
  status?: string;
  note?: string;
}
