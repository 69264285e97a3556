import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { compilePublication } from './compile-publication.js';
import { compileRule } from './compile-rule.js';
import { MappingValidationError, type MappingIssue } from './errors.js';
import type { MappingDocument } from './mapping-document.js';
import type { CmdbPublication, PublicationDocument } from './publication.js';
import { checkAgainstSchema, displayPath, documentKind } from './schema.js';
import { withoutSchemaProblems } from './schema-repair.js';
import type { SyncRule } from './sync-rule.js';
import type { MappingWarningLogger } from './unmapped-values.js';
import { YamlSource } from './yaml-source.js';

/** Options for loading mappings. */
export interface LoadOptions {
  /**
   * The setting that named the mappings folder, for the hint in a folder problem: `MAPPINGS_DIR`
   * (the default) or, for a command-line argument, `the folder argument of validate`.
   */
  folderSource?: string;
  /**
   * Receives the run-time warnings of the loaded mappings: a value that a field's map has no
   * entry for, when the field has no default. Without it they go to a logger on stderr.
   */
  logger?: MappingWarningLogger;
}

/** The outcome of checking a mappings folder. */
export interface ValidationResult {
  /**
   * The rules that compiled, sorted by priority and then name. When `issues` is not empty this
   * is only part of the rule set: use it for reports, never to run the daemon.
   */
  rules: SyncRule[];
  /** The publications (CMDB records to AWS Config) that compiled, sorted by name. */
  publications: CmdbPublication[];
  issues: MappingIssue[];
}

/** Everything a mappings folder declares: sync rules, and publications of CMDB records to AWS Config. */
export interface LoadedMappings {
  rules: SyncRule[];
  publications: CmdbPublication[];
}

/**
 * Loads every mapping file (`*.yaml`, `*.yml`) directly in `dir`, validates and compiles them.
 * Sub-folders are ignored. Returns the rules sorted by priority, then name.
 *
 * All or nothing: if any file has a problem, this throws `MappingValidationError` listing every
 * problem in every file, and no rule is returned.
 *
 * @example
 * const rules = await loadRules(process.env.MAPPINGS_DIR ?? 'mappings', { logger });
 */
export async function loadRules(dir: string, options: LoadOptions = {}): Promise<SyncRule[]> {
  return (await loadMappings(dir, options)).rules;
}

/**
 * Loads every mapping file directly in `dir`, like {@link loadRules}, and returns the publications
 * too. All or nothing: any problem in any file throws `MappingValidationError`.
 */
export async function loadMappings(dir: string, options: LoadOptions = {}): Promise<LoadedMappings> {
  const { rules, publications, issues } = await validateRules(dir, options);
  if (issues.length > 0) {
    throw new MappingValidationError(issues);
  }
  return { rules, publications };
}

/**
 * Checks a mappings folder without throwing, for `itsm-sync validate`: returns every problem
 * found, with file, line and column, and the rules that compiled.
 *
 * @example
 * const { issues } = await validateRules(folder, { folderSource: 'the folder argument of validate' });
 */
export async function validateRules(dir: string, options: LoadOptions = {}): Promise<ValidationResult> {
  const listing = await listMappingFiles(dir, options.folderSource ?? 'MAPPINGS_DIR');
  if ('issue' in listing) {
    return { rules: [], publications: [], issues: [listing.issue] };
  }

  const issues: MappingIssue[] = [];
  const rules: SyncRule[] = [];
  const publications: CmdbPublication[] = [];
  const named: NamedFile[] = [];
  for (const file of listing.files) {
    const result = await loadFile(file, options);
    issues.push(...result.issues);
    if (result.rule !== undefined) {
      rules.push(result.rule);
    }
    if (result.publication !== undefined) {
      publications.push(result.publication);
    }
    if (result.name !== undefined && result.source !== undefined) {
      named.push({ file, name: result.name, source: result.source });
    }
  }

  issues.push(...findDuplicateNames(named));
  issues.push(...(await publicationConflicts(publications, rules, named)));

  rules.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  publications.sort((a, b) => a.name.localeCompare(b.name));
  return { rules, publications, issues };
}

/**
 * Loads, validates and compiles one mapping file, for commands that work on a single mapping
 * (`itsm-sync preview`): a sync rule, or a publication. Throws `MappingValidationError` listing
 * every problem in the file.
 */
export async function loadMappingFile(file: string, options: LoadOptions = {}): Promise<{ rule: SyncRule } | { publication: CmdbPublication }> {
  const { rule, publication, issues } = await loadFile(file, options);
  if (issues.length > 0) {
    throw new MappingValidationError(issues);
  }
  if (publication !== undefined) return { publication };
  if (rule !== undefined) return { rule };
  throw new MappingValidationError([{ file, line: 1, column: 1, path: '', message: 'the file contains no sync rule or publication' }]);
}

/**
 * Loads, validates and compiles one sync rule file. Throws `MappingValidationError` listing every
 * problem in the file, or naming a publication, which is not a sync rule.
 *
 * @example
 * const rule = await loadRuleFile('mappings/securityhub-finding-to-incident.yaml');
 */
export async function loadRuleFile(file: string, options: LoadOptions = {}): Promise<SyncRule> {
  const loaded = await loadMappingFile(file, options);
  if ('publication' in loaded) {
    throw new MappingValidationError([{ file, line: 1, column: 1, path: 'kind', message: 'this file is a publication (CMDB to AWS Config), not a sync rule; preview it with --record, or run `itsm-sync publish --dry-run`' }]);
  }
  return loaded.rule;
}

const MAPPING_FILE = /\.ya?ml$/i;

/**
 * Returns the mapping files in `dir`, sorted by name, or one issue that explains why there are none.
 * `folderSource` names the setting the folder came from, so the hint names what to change.
 */
async function listMappingFiles(dir: string, folderSource: string): Promise<{ files: string[] } | { issue: MappingIssue }> {
  const folderIssue = (message: string): { issue: MappingIssue } => ({
    issue: { file: dir, line: 0, column: 0, path: '', message },
  });

  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      return folderIssue(`the mappings folder ${dir} is a file, not a folder; set ${folderSource} to the folder that contains the mapping files`);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return folderIssue(`the mappings folder ${dir} does not exist; create it or set ${folderSource} to the folder that contains the mapping files`);
    }
    return folderIssue(`failed to read the mappings folder ${dir}: ${(error as Error).message}`);
  }

  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    return folderIssue(`failed to read the mappings folder ${dir}: ${(error as Error).message}`);
  }
  const files = entries
    .filter((entry) => entry.isFile() && MAPPING_FILE.test(entry.name))
    .map((entry) => join(dir, entry.name))
    .sort();
  if (files.length === 0) {
    return folderIssue(
      `the mappings folder ${dir} has no mapping files (*.yaml or *.yml); add one, for example a copy of ` +
        `mappings/securityhub-finding-to-incident.yaml, or set ${folderSource} to the folder that contains them`,
    );
  }
  return { files };
}

interface FileResult {
  rule?: SyncRule;
  publication?: CmdbPublication;
  /** The rule name, when the file has one, even if the file has other problems. */
  name?: string;
  source?: YamlSource;
  issues: MappingIssue[];
}

interface NamedFile {
  file: string;
  name: string;
  source: YamlSource;
}

/** Reads, parses, checks against the schema and compiles one mapping file. Issues come in file order. */
async function loadFile(file: string, options: LoadOptions): Promise<FileResult> {
  const result = await readAndCompile(file, options);
  result.issues.sort((a, b) => a.line - b.line || a.column - b.column);
  return result;
}

async function readAndCompile(file: string, options: LoadOptions): Promise<FileResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { issues: [{ file, line: 0, column: 0, path: '', message: `failed to read the file: ${(error as Error).message}` }] };
  }

  const source = new YamlSource(text);
  if (source.problems.length > 0) {
    return { issues: source.problems.map((problem) => ({ file, ...problem, path: '' })) };
  }
  if (source.data === undefined || source.data === null) {
    return { issues: [{ file, line: 1, column: 1, path: '', message: 'the file is empty; a mapping file must contain one sync rule' }] };
  }

  const name = nameOf(source.data);
  const kind = documentKind(source.data);
  if ('problem' in kind) {
    const { path, message } = kind.problem;
    return { name, source, issues: [{ file, ...source.positionOf(path), path: displayPath(path), message }] };
  }
  const isPublication = kind.kind === 'publication';
  const problems = checkAgainstSchema(source.data, kind.kind);
  if (problems.length === 0) {
    if (isPublication) {
      const { publication, issues } = compilePublication(source.data as PublicationDocument, file, source, options);
      return { publication, name, source, issues };
    }
    const { rule, issues } = compileRule(source.data as MappingDocument, file, source, options);
    return { rule, name, source, issues };
  }

  const schemaIssues = problems.map((problem) => ({
    file,
    // A missing key has no place of its own: show the key of the map that should contain it.
    ...source.positionOf(problem.path, problem.missing ? 'key' : problem.pointAt),
    path: displayPath(problem.path),
    message: problem.message,
  }));
  return { name, source, issues: [...schemaIssues, ...checksAfterSchema(source, file, isPublication, schemaIssues, options)] };
}

/**
 * Runs the checks after the schema on what remains of a document once the parts that fail the
 * schema are removed, so that one run lists every problem of the file. Never yields a rule: a
 * file with schema problems is not loaded. Returns the issues that the schema issues do not
 * already cover.
 */
function checksAfterSchema(source: YamlSource, file: string, isPublication: boolean, schemaIssues: MappingIssue[], options: LoadOptions): MappingIssue[] {
  const repaired = withoutSchemaProblems(source.data, isPublication ? 'publication' : 'rule');
  if (repaired === undefined) {
    return [];
  }

  const { issues } = isPublication
    ? compilePublication(repaired.document as PublicationDocument, file, source, options)
    : compileRule(repaired.document as MappingDocument, file, source, options);

  // A check of a whole section that lost a part (a Jira rule's `fields` without the issuetype that
  // failed the schema) would report the removal rather than the file, so it is left out.
  const changed = repaired.changedPaths.map(displayPath);
  const aboutChangedSection = (issue: MappingIssue): boolean =>
    issue.path !== '' && changed.some((path) => path === issue.path || path.startsWith(`${issue.path}.`) || path.startsWith(`${issue.path}[`));
  const known = new Set(schemaIssues.map(issueKey));
  return issues.filter((issue) => !aboutChangedSection(issue) && !known.has(issueKey(issue)));
}

function issueKey(issue: MappingIssue): string {
  return `${issue.line}:${issue.column}:${issue.path}:${issue.message}`;
}

function nameOf(data: unknown): string | undefined {
  const name = (data as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Returns one issue for each file whose name an earlier file (in file name order) already uses. Sync
 * rules and publications share one namespace.
 */
function findDuplicateNames(named: NamedFile[]): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const firstByName = new Map<string, NamedFile>();
  for (const entry of named) {
    const first = firstByName.get(entry.name);
    if (first === undefined) {
      firstByName.set(entry.name, entry);
      continue;
    }
    const firstPlace = first.source.positionOf(['name']);
    issues.push({
      file: entry.file,
      ...entry.source.positionOf(['name']),
      path: 'name',
      message:
        `duplicate name '${entry.name}', already used in ${first.file}:${firstPlace.line}:${firstPlace.column}; ` +
        'names must be unique across mapping files (sync rules and publications)',
    });
  }
  return issues;
}

/**
 * Build a configuration item as AWS Config sends it for a published resource, to check which rules
 * would handle it. The connector never syncs such items (the source drops them), so this check
 * only makes the conflict visible at load time.
 */
function publishedItem(resourceType: string): Record<string, unknown> {
  return {
    resourceType,
    resourceId: 'published-record',
    resourceName: 'published-record',
    arn: null,
    account: '000000000000',
    region: 'us-east-1',
    availabilityZone: null,
    status: 'ResourceDiscovered',
    changeType: 'CREATE',
    deleted: false,
    captureTime: '2025-01-01T00:00:00.000Z',
    resourceCreationTime: '2025-01-01T00:00:00.000Z',
    tags: {},
    relationships: [],
    configuration: {},
    supplementaryConfiguration: {},
    consoleUrl: '',
    raw: {},
  };
}

/**
 * Returns one issue for each publication that conflicts with another mapping. Two publications of
 * one resource type would remove each other's resources. A configuration item rule that handles
 * the published type would bring each published record back into the CMDB as a new CI, a loop.
 */
async function publicationConflicts(publications: CmdbPublication[], rules: SyncRule[], named: NamedFile[]): Promise<MappingIssue[]> {
  const issues: MappingIssue[] = [];
  const issueAt = (publication: CmdbPublication, message: string): void => {
    const entry = named.find((candidate) => candidate.name === publication.name && candidate.file === publication.file);
    const place = entry?.source.positionOf(['to', 'resourceType']) ?? { line: 1, column: 1 };
    issues.push({ file: publication.file, ...place, path: 'to.resourceType', message });
  };

  const ownerOfType = new Map<string, CmdbPublication>();
  for (const publication of publications) {
    const owner = ownerOfType.get(publication.to.resourceType);
    if (owner !== undefined) {
      issueAt(publication, `${publication.to.resourceType} is already published by ${owner.name} (${owner.file}); a publication owns its type and removes the resources it does not list, so give each its own type`);
      continue;
    }
    ownerOfType.set(publication.to.resourceType, publication);

    for (const rule of rules.filter((candidate) => candidate.source.kind === 'configuration-item')) {
      const handles = rule.source.when === undefined || (await rule.source.when.evaluate(publishedItem(publication.to.resourceType), { rule: rule.name }).catch(() => false)) === true;
      if (handles) {
        issueAt(publication, `the sync rule ${rule.name} (${rule.file}) handles ${publication.to.resourceType}, so each published record would come back as a new CI; narrow its source.when to exclude the type`);
      }
    }
  }
  return issues;
}
