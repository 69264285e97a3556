import type { SourceKind, TargetSystem } from '../core/types.js';
import type { MappingIssue } from '../rules/errors.js';
import type { SyncRule } from '../rules/sync-rule.js';

/** Record kinds and ITSM systems this version syncs. */
export const SUPPORTED_SOURCE_KINDS: readonly SourceKind[] = ['finding', 'opsitem', 'change-request', 'configuration-item', 'config-compliance'];
export const SUPPORTED_TARGET_SYSTEMS: readonly TargetSystem[] = ['servicenow', 'jira'];

/** List the rules that this version cannot run, as mapping issues for `validate` and start-up. */
export function unsupportedRuleIssues(rules: readonly SyncRule[]): MappingIssue[] {
  const issues: MappingIssue[] = [];

  for (const rule of rules) {
    if (!SUPPORTED_SOURCE_KINDS.includes(rule.source.kind)) {
      issues.push({
        file: rule.file,
        line: 0,
        column: 0,
        path: 'source.kind',
        message: `"${rule.source.kind}" records are not synced by this version yet (supported: ${SUPPORTED_SOURCE_KINDS.join(', ')}). Remove the rule or move it out of the mappings folder.`,
      });
    }
    if (!SUPPORTED_TARGET_SYSTEMS.includes(rule.target.system)) {
      issues.push({
        file: rule.file,
        line: 0,
        column: 0,
        path: 'target.system',
        message: `"${rule.target.system}" is not supported by this version yet (supported: ${SUPPORTED_TARGET_SYSTEMS.join(', ')}). Remove the rule or move it out of the mappings folder.`,
      });
    }
  }
  return issues;
}
