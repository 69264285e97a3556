import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  loadRuleFile,
  loadRules,
  MappingValidationError,
  validateRules,
  type MappingIssue,
} from '../../../src/rules/index.js';
import {
  fixture,
  mappingsFolder,
  placeOf,
  removeFolder,
  SHIPPED_MAPPING,
  SHIPPED_MAPPINGS_DIR,
} from './mapping-test-kit.js';

const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeFolder));
});

async function folderWith(...files: string[]): Promise<string> {
  const dir = await mappingsFolder(...files);
  folders.push(dir);
  return dir;
}

/** Validates a folder holding only the given bad fixture and returns its single issue. */
async function onlyIssueOf(name: string): Promise<MappingIssue> {
  const dir = await folderWith(fixture(`bad/${name}`));
  const { rules, issues } = await validateRules(dir);
  expect(rules).toEqual([]);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

describe('loadRules with the shipped mappings', () => {
  it('loads the default finding mapping', async () => {
    const rules = await loadRules(SHIPPED_MAPPINGS_DIR);

    expect(rules.map((rule) => rule.name)).toEqual([
      'change-request-to-change',
      'config-aws-account-to-cmdb',
      'config-aws-region-to-cmdb',
      'config-dynamodb-table-to-cmdb',
      'config-ec2-instance-to-cmdb',
      'config-ec2-security-group-to-cmdb',
      'config-ec2-subnet-to-cmdb',
      'config-ec2-volume-to-cmdb',
      'config-ec2-vpc-to-cmdb',
      'config-ecs-cluster-to-cmdb',
      'config-ecs-service-to-cmdb',
      'config-eks-cluster-to-cmdb',
      'config-elbv2-load-balancer-to-cmdb',
      'config-lambda-function-to-cmdb',
      'config-rds-db-cluster-to-cmdb',
      'config-rds-db-instance-to-cmdb',
      'config-rule-noncompliant-to-incident',
      'config-s3-bucket-to-cmdb',
      'opsitem-to-incident',
      'securityhub-finding-to-incident',
    ]);
    const rule = rules.find((candidate) => candidate.name === 'securityhub-finding-to-incident');
    expect(rule?.file).toBe(SHIPPED_MAPPING);
    expect(rule?.source.kind).toBe('finding');
    expect(rule?.target).toEqual({ system: 'servicenow', table: 'incident' });
    expect(rule?.correlation).toEqual({ prefix: 'aws-sh-', lookupBeforeCreate: false });
    expect(rule?.lifecycle.reopenWithinMs).toBe(7 * 24 * 60 * 60 * 1000);
    expect(rule?.writeback.onLink?.status).toBeDefined();
    expect(rule?.reverse?.fields).toEqual(['state', 'close_code', 'close_notes']);
    expect(rule?.reverse?.journal?.fields).toEqual(['comments', 'work_notes']);
  });

  it('compiles the reverse expressions of the default mappings against ticket values', async () => {
    const rules = await loadRules(SHIPPED_MAPPINGS_DIR);
    const finding = rules.find((candidate) => candidate.name === 'securityhub-finding-to-incident')!.reverse!;
    const opsItem = rules.find((candidate) => candidate.name === 'opsitem-to-incident')!.reverse!;
    const resolved = { state: '6', close_code: 'Risk Accepted', close_notes: 'By design', number: 'INC0010001', updatedBy: 'jane.doe' };

    expect(await finding.closed.evaluate(resolved)).toBe(true);
    expect(await finding.status?.evaluate(resolved)).toBe('SUPPRESSED');
    expect(await finding.status?.evaluate({ ...resolved, close_code: 'Solution provided' })).toBe('RESOLVED');
    expect(await finding.status?.evaluate({ ...resolved, state: '2' })).toBe('NOTIFIED');
    expect(await finding.note?.evaluate(resolved)).toBe('ServiceNow incident INC0010001 was resolved by jane.doe (Risk Accepted): By design');

    expect(await opsItem.status?.evaluate({ ...resolved, state: '3' })).toBe('Open');
    expect(await opsItem.status?.evaluate({ ...resolved, state: '7' })).toBe('Resolved');
    expect(await opsItem.status?.evaluate({ ...resolved, state: '2' })).toBe('InProgress');
  });

  it('sorts rules by priority, then name', async () => {
    const dir = await folderWith(SHIPPED_MAPPING, fixture('good/jira-critical-findings.yaml'));

    const rules = await loadRules(dir);

    expect(rules.map((rule) => [rule.name, rule.priority])).toEqual([
      ['critical-findings-to-jira', 10],
      ['securityhub-finding-to-incident', 100],
    ]);
  });

  it('applies defaults for optional keys', async () => {
    const dir = await folderWith(fixture('good/jira-critical-findings.yaml'));

    const [rule] = await loadRules(dir);

    // No resolve section: never resolve. `within: 0`: never reopen.
    expect(await rule?.lifecycle.resolve.evaluate({ severity: 'CRITICAL' })).toBe(false);
    expect(rule?.lifecycle.reopenWithinMs).toBe(0);
    expect(rule?.lifecycle.resolveSteps).toEqual([[]]);
    expect(rule?.writeback).toEqual({ onLink: undefined, onResolve: undefined });
    expect(await rule?.lifecycle.create.evaluate({})).toBe(true);
    expect(await rule?.source.when?.evaluate({ severity: 'HIGH' })).toBe(false);
  });
});

describe('loadRules all or nothing', () => {
  it('rejects the whole set when one file is bad', async () => {
    const bad = fixture('bad/unknown-key.yaml');
    const dir = await folderWith(SHIPPED_MAPPING, fixture('good/jira-critical-findings.yaml'), bad);

    const failure = await loadRules(dir).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(MappingValidationError);
    const issues = (failure as MappingValidationError).issues;
    expect(issues.map((issue) => issue.file)).toEqual([join(dir, 'unknown-key.yaml')]);
    expect((failure as Error).message).toContain(`${join(dir, 'unknown-key.yaml')}:15:5: fields.urgency.colour: unknown key 'colour'`);
  });

  it('lists problems of every bad file', async () => {
    const dir = await folderWith(fixture('bad/bad-enum.yaml'), fixture('bad/wrong-type.yaml'), SHIPPED_MAPPING);

    const { issues } = await validateRules(dir);

    expect(issues.map((issue) => issue.path)).toEqual(['target.system', 'priority']);
  });

  it('ignores sub-folders and other files', async () => {
    const dir = await folderWith(SHIPPED_MAPPING);
    await mkdir(join(dir, 'drafts'));
    await writeFile(join(dir, 'drafts', 'broken.yaml'), 'name: [');
    await writeFile(join(dir, 'README.md'), '# notes');

    const rules = await loadRules(dir);

    expect(rules.map((rule) => rule.name)).toEqual(['securityhub-finding-to-incident']);
  });

  it('reads .yml files too', async () => {
    const dir = await folderWith();
    await writeFile(join(dir, 'rule.yml'), await readFile(SHIPPED_MAPPING, 'utf8'));

    const rules = await loadRules(dir);

    expect(rules).toHaveLength(1);
  });
});

describe('validateRules issue locations', () => {
  it('rejects an unknown key in the reverse section', async () => {
    const issue = await onlyIssueOf('reverse-problems.yaml');

    expect(issue.path).toBe('reverse.writeback.stauts');
    expect(issue.message).toBe("unknown key 'stauts' at reverse.writeback; allowed keys: status, note (did you mean 'status'?)");
    expect(issue.line).toBe(19);
  });

  it('rejects a reverse expression that reads a field the section does not list', async () => {
    const issue = await onlyIssueOf('reverse-unknown-field.yaml');

    expect(issue.path).toBe('reverse.closed');
    expect(issue.message).toContain("'stat' is not among the fields this expression can read; add it to reverse.fields");
    expect(issue.line).toBe(17);
  });

  it('rejects a mapped status that AWS does not take', async () => {
    const issue = await onlyIssueOf('reverse-bad-status.yaml');

    expect(issue.path).toBe('reverse.writeback.status.map["8"]');
    expect(issue.message).toBe('"Closed" is not a status that opsitem records take; use one of Open, InProgress, Resolved');
    expect(issue.line).toBe(21);
  });

  it('rejects a start query that would escape the conditions itsm-sync adds', async () => {
    const issue = await onlyIssueOf('start-query-nq.yaml');

    expect(issue.path).toBe('start.query');
    expect(issue.message).toContain('may not contain ^NQ or ORDERBY');
    expect(issue.line).toBe(16);
  });

  it('reports a broken reverse expression with its place', async () => {
    const issue = await onlyIssueOf('reverse-bad-expression.yaml');

    expect(issue.path).toBe('reverse.closed');
    expect(issue.message).toMatch(/^invalid JSONata expression/);
    expect(issue.line).toBe(17);
  });

  it('reports an unknown key at the key', async () => {
    const file = fixture('bad/unknown-key.yaml');

    const issue = await onlyIssueOf('unknown-key.yaml');

    expect(issue.path).toBe('fields.urgency.colour');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(file, 'colour'));
    expect(issue.message).toBe(
      "unknown key 'colour' at fields.urgency; allowed keys: value, const, map, default, owner, maxLength",
    );
  });

  it('reports a wrong type at the value', async () => {
    const issue = await onlyIssueOf('wrong-type.yaml');

    expect(issue.path).toBe('priority');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(fixture('bad/wrong-type.yaml'), 'high'));
    expect(issue.message).toBe('wrong type: expected a whole number, got "high"');
  });

  it('reports a bad enum value with the allowed values', async () => {
    const issue = await onlyIssueOf('bad-enum.yaml');

    expect(issue.path).toBe('target.system');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(fixture('bad/bad-enum.yaml'), 'servicenoww'));
    expect(issue.message).toBe('invalid value "servicenoww"; allowed values: servicenow, jira');
  });

  it('points into a literal block at a JSONata syntax error', async () => {
    const file = fixture('bad/bad-jsonata-block.yaml');

    const issue = await onlyIssueOf('bad-jsonata-block.yaml');

    expect(issue.path).toBe('lifecycle.create.when');
    const firstEquals = await placeOf(file, '= "ACTIVE"');
    // The second "=" of `recordState = = "ACTIVE"` is the offending token.
    expect({ line: issue.line, column: issue.column }).toEqual(firstEquals);
    expect(issue.message).toContain('invalid JSONata expression: The symbol "=" cannot be used as a unary operator');
  });

  it('points into a quoted value at a JSONata syntax error', async () => {
    const file = fixture('bad/bad-jsonata-inline.yaml');

    const issue = await onlyIssueOf('bad-jsonata-inline.yaml');

    expect(issue.path).toBe('fields.short_description');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(file, '& title'));
    expect(issue.message).toContain('The symbol "&" cannot be used as a unary operator');
  });

  it('reports an unknown JSONata function', async () => {
    const issue = await onlyIssueOf('unknown-function.yaml');

    expect(issue.path).toBe('fields.short_description');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(fixture('bad/unknown-function.yaml'), '$uppercasee'));
    expect(issue.message).toContain('unknown variable or function $uppercasee');
  });

  it('reports text written without quotes', async () => {
    const issue = await onlyIssueOf('unquoted-text.yaml');

    expect(issue.path).toBe('writeback.onLink.status');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(fixture('bad/unquoted-text.yaml'), 'NOTIFIED'));
    expect(issue.message).toContain(`the record has no field 'NOTIFIED'; to write the text NOTIFIED, quote it`);
  });

  it('reports a bad duration', async () => {
    const issue = await onlyIssueOf('bad-duration.yaml');

    expect(issue.path).toBe('lifecycle.reopen.within');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(fixture('bad/bad-duration.yaml'), '7 days'));
    expect(issue.message).toBe(
      'invalid value "7 days": write a whole number followed by s, m, h or d (for example 7d or 12h), or 0',
    );
  });

  it('reports value and const together', async () => {
    const issue = await onlyIssueOf('value-and-const.yaml');

    expect(issue.path).toBe('fields.category');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(fixture('bad/value-and-const.yaml'), 'value: productName'));
    expect(issue.message).toBe("use either 'value' or 'const', not both");
  });

  it('reports a field with neither value nor const', async () => {
    const issue = await onlyIssueOf('neither-value-nor-const.yaml');

    expect(issue.path).toBe('fields.urgency.value');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(fixture('bad/neither-value-nor-const.yaml'), 'urgency:'));
    expect(issue.message).toBe("field needs 'value' (a JSONata expression) or 'const' (a fixed value)");
  });

  it('reports a missing top-level key', async () => {
    const issue = await onlyIssueOf('missing-lifecycle.yaml');

    expect(issue.path).toBe('lifecycle');
    expect({ line: issue.line, column: issue.column }).toEqual({ line: 1, column: 1 });
    expect(issue.message).toBe("missing required key 'lifecycle' at the top level");
  });

  it('reports an unclosed flow sequence where it starts', async () => {
    const file = fixture('bad/yaml-syntax.yaml');

    const issue = await onlyIssueOf('yaml-syntax.yaml');

    expect(issue.path).toBe('');
    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(file, '[title'));
    expect(issue.message).toMatch(/^YAML syntax error: the flow sequence \(\[ … \]\) that starts here is not closed with \]; /);
    expect(issue.message).toMatch(/the parser stopped at line 14, column 1: Flow sequence .* must .* end with a \]$/);
  });

  it('reports an unclosed flow sequence before the next key', async () => {
    const file = fixture('bad/yaml-unclosed-flow.yaml');

    const issue = await onlyIssueOf('yaml-unclosed-flow.yaml');

    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(file, '[servicenow'));
    expect(issue.line).toBe(18);
    expect(issue.message).toContain('the parser stopped at line 19, column 3');
  });

  it('reports unclosed quoted text where it starts', async () => {
    const dir = await folderWith();
    const file = join(dir, 'quote.yaml');
    await writeFile(file, ['name: quote-rule', 'description: "never closed', 'source: { kind: finding }', ''].join('\n'));

    const { issues } = await validateRules(dir);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 2, column: 14 });
    expect(issues[0]?.message).toMatch(/^YAML syntax error: the double-quoted text that starts here is not closed with "; the parser stopped at line 4/);
  });

  it('keeps the parser position for other YAML errors', async () => {
    const dir = await folderWith();
    await writeFile(join(dir, 'indent.yaml'), ['name: indent-rule', 'source:', '  kind: finding', ' target: x', ''].join('\n'));

    const { issues } = await validateRules(dir);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 4, column: 1 });
    expect(issues[0]?.message).toBe('YAML syntax error: All mapping items must start at the same column');
  });

  it('reports a file without a rule', async () => {
    const issue = await onlyIssueOf('empty.yaml');

    expect(issue).toMatchObject({ line: 1, column: 1, path: '' });
    expect(issue.message).toBe('the file is empty; a mapping file must contain one sync rule');
  });

  it('reports several YAML documents in one file', async () => {
    const issue = await onlyIssueOf('two-documents.yaml');

    expect({ line: issue.line, column: issue.column }).toEqual(await placeOf(fixture('bad/two-documents.yaml'), '---'));
    expect(issue.message).toBe('the file contains 2 YAML documents; put one sync rule in each file');
  });

  it('reports a duplicate rule name in the later file', async () => {
    const first = fixture('bad/duplicate-name-a.yaml');
    const second = fixture('bad/duplicate-name-b.yaml');
    const dir = await folderWith(first, second);

    const { rules, issues } = await validateRules(dir);

    expect(rules).toHaveLength(2);
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    const firstPlace = await placeOf(first, 'shared-rule-name');
    expect(issue).toMatchObject({
      file: join(dir, 'duplicate-name-b.yaml'),
      ...(await placeOf(second, 'shared-rule-name')),
      path: 'name',
    });
    expect(issue?.message).toBe(
      `duplicate name 'shared-rule-name', already used in ${join(dir, 'duplicate-name-a.yaml')}:` +
        `${firstPlace.line}:${firstPlace.column}; names must be unique across mapping files (sync rules and publications)`,
    );
    await expect(loadRules(dir)).rejects.toThrow(MappingValidationError);
  });

  it('reports several problems in one file', async () => {
    const dir = await folderWith();
    const file = join(dir, 'many.yaml');
    await writeFile(
      file,
      [
        'name: Bad_Name',
        'source: { kind: finding, when: "severty = 1" }',
        'target: { system: jira, table: SEC }',
        'correlation: { prefix: "has space" }',
        'lifecycle: { create: { when: true } }',
        'fields: {}',
        '',
      ].join('\n'),
    );

    const { issues } = await validateRules(dir);

    expect(issues.map((issue) => [issue.path, issue.line])).toEqual([
      ['name', 1],
      ['source.when', 2],
      ['correlation.prefix', 4],
      ['fields', 6],
      ['fields', 6],
    ]);
    expect(issues[0]?.message).toContain('use 2 to 63 lowercase letters, digits and hyphens');
    expect(issues[1]?.message).toContain("the record has no field 'severty'");
    expect(issues[2]?.message).toBe('invalid value "has space": use 1 to 40 letters, digits or . _ : - (for example aws-sh-)');
    expect(issues[3]?.message).toBe('needs at least 1 entry');
    expect(issues[4]?.message).toMatch(/^a Jira issue rule needs an issuetype field/);
  });

  it('lists expression problems next to schema problems', async () => {
    const file = fixture('bad/schema-and-expression-problems.yaml');
    const dir = await folderWith(file);

    const { rules, issues } = await validateRules(dir);

    expect(rules).toEqual([]);
    expect(issues.map((issue) => issue.path)).toEqual(['fields.urgency.colour', 'reverse.closed', 'reverse.writeback.status', 'reverse.writeback.note']);
    expect(issues[0]?.message).toMatch(/^unknown key 'colour' at fields.urgency/);
    for (const issue of issues.slice(1)) {
      expect(issue.message).toContain("'close_code' is not among the fields this expression can read; add it to reverse.fields");
    }
    expect({ line: issues[1]!.line, column: issues[1]!.column }).toEqual(await placeOf(file, 'close_code = "Closed"'));
  });

  it('loads no rule from a file with schema problems', async () => {
    const dir = await folderWith(SHIPPED_MAPPING, fixture('bad/schema-and-expression-problems.yaml'));

    const { rules } = await validateRules(dir);

    expect(rules.map((rule) => rule.name)).toEqual(['securityhub-finding-to-incident']);
    await expect(loadRules(dir)).rejects.toThrow(MappingValidationError);
    await expect(loadRuleFile(fixture('bad/schema-and-expression-problems.yaml'))).rejects.toThrow('4 problems');
  });

  it('reports no section check about a removed part', async () => {
    const file = fixture('bad/jira-misspelt-issuetype.yaml');
    const dir = await folderWith(file);

    const { issues } = await validateRules(dir);

    expect(issues.map((issue) => issue.path)).toEqual(['fields.issuetype.value', 'fields.issuetype.valeu', 'fields.summary']);
    expect(issues[2]?.message).toContain("the record has no field 'titel'");
    // The issuetype is there, with a misspelt key, so "a Jira issue rule needs an issuetype field" would mislead.
    expect(issues.map((issue) => issue.message).join('\n')).not.toContain('needs an issuetype field');
  });

  it('stops at a source section that failed the schema', async () => {
    const dir = await folderWith(fixture('bad/bad-kind-and-expression.yaml'));

    const { issues } = await validateRules(dir);

    // Every later check depends on the record kind, so the broken create condition waits for the fix.
    expect(issues.map((issue) => issue.path)).toEqual(['source.kind']);
  });

  it('suggests the key meant by a typo', async () => {
    const dir = await folderWith();
    await writeFile(
      join(dir, 'typo-key.yaml'),
      [
        'name: typo-key-rule',
        'source: { kind: finding }',
        'target: { system: jira, table: SEC }',
        'correlation: { prefix: typo- }',
        'lifecycle: { create: { when: true } }',
        'fields:',
        '  summary: { value: title, ownr: itsm }',
        '  priority: 3',
        '  bad-name: title',
        '',
      ].join('\n'),
    );

    const { issues } = await validateRules(dir);

    expect(issues.map((issue) => [issue.path, issue.line, issue.column, issue.message])).toEqual([
      [
        'fields.summary.ownr',
        7,
        28,
        "unknown key 'ownr' at fields.summary; allowed keys: value, const, map, default, owner, maxLength (did you mean 'owner'?)",
      ],
      [
        'fields.priority',
        8,
        13,
        "wrong type: expected a JSONata expression or a map with 'value' or 'const', got 3; for a fixed value write { const: 3 }",
      ],
      [
        'fields.bad-name',
        9,
        3,
        "invalid field name 'bad-name' at fields: use letters, digits and _, starting with a letter or _ (for example short_description or customfield_10060); JSM Assets attribute names may also hold spaces, ( ) . and &",
      ],
    ]);
  });

  it('reports an unknown record field once the structure is valid', async () => {
    const dir = await folderWith();
    await writeFile(
      join(dir, 'typo.yaml'),
      [
        'name: typo-rule',
        'source: { kind: finding, when: "severty = \\"HIGH\\"" }',
        'target: { system: jira, table: SEC }',
        'correlation: { prefix: typo- }',
        'lifecycle: { create: { when: true } }',
        'fields: { summary: title, issuetype: { const: Task, owner: create-only } }',
        '',
      ].join('\n'),
    );

    const { issues } = await validateRules(dir);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'source.when', line: 2, column: 33 });
    expect(issues[0]?.message).toContain("the record has no field 'severty'");
  });
});

describe('loadRuleFile', () => {
  it('loads one mapping file', async () => {
    const rule = await loadRuleFile(fixture('good/jira-critical-findings.yaml'));

    expect(rule.name).toBe('critical-findings-to-jira');
    expect(rule.target).toEqual({ system: 'jira', table: 'SEC' });
    expect(rule.correlation.lookupBeforeCreate).toBe(true);
  });

  it('throws every problem of a bad file', async () => {
    const file = fixture('bad/value-and-const.yaml');

    const failure = await loadRuleFile(file).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(MappingValidationError);
    expect((failure as MappingValidationError).issues).toEqual([
      expect.objectContaining({ file, path: 'fields.category', message: "use either 'value' or 'const', not both" }),
    ]);
  });

  it('reports a missing file', async () => {
    const file = fixture('bad/no-such-file.yaml');

    await expect(loadRuleFile(file)).rejects.toThrow(`${file}: failed to read the file: ENOENT`);
  });
});

describe('validateRules folder problems', () => {
  it('reports an empty folder', async () => {
    const dir = await folderWith();

    const { rules, issues } = await validateRules(dir);

    expect(rules).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: dir, line: 0, column: 0, path: '' });
    expect(issues[0]?.message).toContain(`the mappings folder ${dir} has no mapping files (*.yaml or *.yml)`);
    expect(issues[0]?.message).toContain('MAPPINGS_DIR');
    await expect(loadRules(dir)).rejects.toThrow(`${dir}: the mappings folder ${dir} has no mapping files`);
  });

  it('reports a missing folder', async () => {
    const dir = join(await folderWith(), 'missing');

    const { issues } = await validateRules(dir);

    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toBe(
      `the mappings folder ${dir} does not exist; create it or set MAPPINGS_DIR to the folder that contains the mapping files`,
    );
  });

  it('reports a file given as the folder', async () => {
    const { issues } = await validateRules(SHIPPED_MAPPING);

    expect(issues[0]?.message).toBe(
      `the mappings folder ${SHIPPED_MAPPING} is a file, not a folder; set MAPPINGS_DIR to the folder that contains the mapping files`,
    );
  });

  it('names the folder source in the hint', async () => {
    const options = { folderSource: 'the folder argument of validate' };
    const missing = join(await folderWith(), 'missing');
    const empty = await folderWith();

    const [asFile] = (await validateRules(SHIPPED_MAPPING, options)).issues;
    const [asMissing] = (await validateRules(missing, options)).issues;
    const [asEmpty] = (await validateRules(empty, options)).issues;

    expect(asFile?.message).toBe(
      `the mappings folder ${SHIPPED_MAPPING} is a file, not a folder; set the folder argument of validate to the folder that contains the mapping files`,
    );
    expect(asMissing?.message).toContain('create it or set the folder argument of validate to the folder');
    expect(asEmpty?.message).toContain('or set the folder argument of validate to the folder that contains them');
    for (const issue of [asFile, asMissing, asEmpty]) {
      expect(issue?.message).not.toContain('MAPPINGS_DIR');
    }
  });
});
