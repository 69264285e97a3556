import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's mappings folder, holding the shipped default mapping. */
export const SHIPPED_MAPPINGS_DIR = fileURLToPath(new URL('../../../mappings', import.meta.url));
export const SHIPPED_MAPPING = join(SHIPPED_MAPPINGS_DIR, 'securityhub-finding-to-incident.yaml');

const FIXTURES = fileURLToPath(new URL('../../fixtures/mappings', import.meta.url));

/** Path of a fixture under test/fixtures/mappings, such as `bad/unknown-key.yaml`. */
export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** Creates a temporary mappings folder holding copies of the given files; remove it with `rm`. */
export async function mappingsFolder(...files: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'itsm-sync-mappings-'));
  for (const file of files) {
    await copyFile(file, join(dir, basename(file)));
  }
  return dir;
}

export async function removeFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * The 1-based line and column where `needle` first occurs in a file, so that tests state the
 * expected place by its text rather than by a number that breaks when the fixture changes.
 */
export async function placeOf(file: string, needle: string): Promise<{ line: number; column: number }> {
  const text = await readFile(file, 'utf8');
  const offset = text.indexOf(needle);
  if (offset < 0) {
    throw new Error(`${needle} not found in ${file}`);
  }
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

/** The source section and a create condition that suit each record kind. */
export const RULE_SOURCES = {
  finding: { source: 'kind: finding', create: 'severity = "HIGH"' },
  opsitem: { source: 'kind: opsitem', create: 'status = "Open"' },
  'change-request': { source: 'kind: change-request', create: 'waitingForApproval' },
  'configuration-item': { source: 'kind: configuration-item\n  when: resourceType = "AWS::EC2::VPC"', create: '$not(deleted)' },
  'config-compliance': { source: 'kind: config-compliance', create: 'complianceType = "NON_COMPLIANT"' },
} as const;

/** The parts of a one-rule mapping file that {@link mappingFile} writes. */
export interface RuleParts {
  /** The rule's name. Default `test-rule`. */
  name?: string;
  kind: keyof typeof RULE_SOURCES;
  system: 'servicenow' | 'jira';
  table: string;
  /** The lines under `fields:`, indented by two spaces. */
  fields: string[];
  /** The lines under `lifecycle:` after the create condition, indented by two spaces. */
  lifecycle?: string[];
  /** The lines under `correlation:` after the prefix, indented by two spaces. */
  correlation?: string[];
  /** More top-level YAML, such as a reverse, relationships or start section. */
  extra?: string;
}

/** Writes one mapping file into a fresh folder, adds the folder to `folders`, and returns the file's path. */
export async function mappingFile(folders: string[], parts: RuleParts): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'itsm-sync-rule-'));
  folders.push(dir);
  const file = join(dir, 'rule.yaml');
  const { source, create } = RULE_SOURCES[parts.kind];
  const text = [
    `name: ${parts.name ?? 'test-rule'}`,
    'source:',
    `  ${source}`,
    'target:',
    `  system: ${parts.system}`,
    `  table: ${parts.table}`,
    'correlation:',
    '  prefix: aws-test-',
    ...(parts.correlation ?? []).map((line) => `  ${line}`),
    'lifecycle:',
    '  create:',
    `    when: ${create}`,
    ...(parts.lifecycle ?? []).map((line) => `  ${line}`),
    'fields:',
    ...parts.fields.map((line) => `  ${line}`),
    parts.extra ?? '',
  ].join('\n');
  await writeFile(file, `${text}\n`);
  return file;
}
