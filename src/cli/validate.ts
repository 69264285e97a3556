import { formatIssues } from '../rules/errors.js';
import { validateRules } from '../rules/loader.js';

/** Check every mapping in `dir`; print each issue with file, line and field. Returns the exit code. */
export async function runValidate(dir: string): Promise<number> {
  const { rules, issues } = await validateRules(dir);

  if (issues.length > 0) {
    process.stderr.write(`${formatIssues(issues)}\n${issues.length} problem(s) in ${dir}; nothing was loaded.\n`);
    return 1;
  }

  for (const rule of rules) {
    process.stdout.write(`ok  ${rule.file}  rule "${rule.name}": ${rule.source.kind} -> ${rule.target.system} ${rule.target.table}\n`);
  }
  process.stdout.write(`${rules.length} mapping(s) valid in ${dir}\n`);
  return 0;
}
