import { unsupportedRuleIssues } from '../app/capabilities.js';
import { formatIssues } from '../rules/errors.js';
import { validateRules } from '../rules/loader.js';

/**
 * Check every mapping in `dir`; print each issue with file, line and field. Returns the exit code.
 * `folderSource` names where `dir` came from (`MAPPINGS_DIR`, or the folder argument), so that the
 * message about a missing or wrong folder names the setting to change.
 */
export async function runValidate(dir: string, folderSource = 'MAPPINGS_DIR'): Promise<number> {
  const validation = await validateRules(dir, { folderSource });
  const rules = validation.rules;
  const issues = [...validation.issues, ...unsupportedRuleIssues(rules)];

  if (issues.length > 0) {
    process.stderr.write(`${formatIssues(issues)}\n${issues.length} problem(s) in ${dir}; the daemon would not start with these mappings.\n`);
    return 1;
  }

  for (const rule of rules) {
    process.stdout.write(`ok  ${rule.file}  rule "${rule.name}": ${rule.source.kind} -> ${rule.target.system} ${rule.target.table}\n`);
  }
  for (const publication of validation.publications) {
    process.stdout.write(`ok  ${publication.file}  publication "${publication.name}": ${publication.from.system} ${publication.from.table} -> AWS Config ${publication.to.resourceType}\n`);
  }
  process.stdout.write(`${rules.length + validation.publications.length} mapping(s) valid in ${dir}\n`);
  return 0;
}
