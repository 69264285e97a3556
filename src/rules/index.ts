/**
 * Sync rules: mapping files loaded, validated and compiled. See docs/mappings.md for the format.
 */
export {
  loadMappingFile,
  loadMappings,
  loadRuleFile,
  loadRules,
  validateRules,
  type LoadedMappings,
  type LoadOptions,
  type ValidationResult,
} from './loader.js';
export type { MappingWarningLogger } from './unmapped-values.js';
export type { CmdbPublication } from './publication.js';
export {
  ExpressionError,
  InvalidExpressionError,
  MappingValidationError,
  formatIssues,
  type MappingIssue,
} from './errors.js';
export { compileExpression, EXPRESSION_MAX_DEPTH, EXPRESSION_TIMEOUT_MS, type CompileOptions } from './expression.js';
export { createFieldRule, type FieldRuleParts } from './field-rule.js';
export { parseDuration, InvalidDurationError } from './duration.js';
export { MAPPING_SCHEMA_PATH } from './schema.js';
export { truncateText } from '../core/text.js';
export type * from './sync-rule.js';
