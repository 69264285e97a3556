import { compileFieldSpec, invalidExpressionIssue } from './compile-rule.js';
import { InvalidExpressionError, type MappingIssue } from './errors.js';
import { compileExpression } from './expression.js';
import type { CmdbPublication, PublicationDocument } from './publication.js';
import { displayPath } from './schema.js';
import type { CompiledExpression, FieldRule } from './sync-rule.js';
import { unmappedValueReporter, type MappingWarningLogger } from './unmapped-values.js';
import type { YamlSource } from './yaml-source.js';

/** The result of compiling one publication document: the publication, or every problem found in it. */
export interface CompilePublicationResult {
  publication?: CmdbPublication;
  issues: MappingIssue[];
}

// Organizations AWS Config keeps for its own types (the check is case-insensitive there too).
const RESERVED_ORGANIZATIONS = new Set(['aws', 'alexa', 'custom', 'amzn', 'amazon']);

// `^NQ` starts a second query that is ORed with the first, so a condition added after it would
// narrow only the second part.
const NEW_QUERY = /\^NQ/;

/**
 * Compiles a publication document that passed its JSON Schema. Its expressions may read only the
 * fields listed in `from.fields`. What AWS Config or ServiceNow would reject later (a reserved
 * organization in the type name, a second query) is reported here, with file and line. A value
 * that a property's map misses at run time (with no default) is logged as a warning to `logger`,
 * or to stderr without one.
 */
export function compilePublication(
  document: PublicationDocument,
  file: string,
  source: YamlSource,
  options: { logger?: MappingWarningLogger } = {},
): CompilePublicationResult {
  const issues: MappingIssue[] = [];
  const recordFields = new Set(document.from.fields);
  const issueAt = (path: string[], message: string): void => {
    issues.push({ file, ...source.positionOf(path), path: displayPath(path), message });
  };

  const expressionAt = (text: string, path: string[]): CompiledExpression | undefined => {
    try {
      return compileExpression(text, `publication '${document.name}', ${displayPath(path)}`, { recordFields, fieldsListedIn: 'from.fields' });
    } catch (error) {
      if (!(error instanceof InvalidExpressionError)) throw error;
      issues.push(invalidExpressionIssue(error, path, file, source));
      return undefined;
    }
  };

  const organization = document.to.resourceType.split('::')[0]!;
  if (RESERVED_ORGANIZATIONS.has(organization.toLowerCase())) {
    issueAt(
      ['to', 'resourceType'],
      `${document.to.resourceType} uses the reserved organization ${organization}; AWS Config records third-party types only, so name your own organization, such as MyCompany::CMDB::LinuxServer`,
    );
  }
  if (document.from.query !== undefined && NEW_QUERY.test(document.from.query)) {
    issueAt(['from', 'query'], 'the query holds ^NQ (a second query ORed with the first); write one query, with ^OR between alternatives, because itsm-sync adds conditions to it');
  }

  const configuration: FieldRule[] = [];
  for (const [name, spec] of Object.entries(document.configuration)) {
    const path = ['configuration', name];
    if (typeof spec === 'object' && spec.owner !== undefined) {
      issueAt([...path, 'owner'], 'owner has no meaning in a publication: AWS Config receives every property from the CMDB; remove it');
      continue;
    }
    const onUnmappedValue = unmappedValueReporter(
      { mapping: `publication '${document.name}'`, file, field: displayPath(path), writtenTo: 'the AWS Config configuration' },
      options.logger,
    );
    const rule = compileFieldSpec(name, spec, path, expressionAt, onUnmappedValue);
    if (rule !== undefined) configuration.push(rule);
  }
  const resourceName = document.resourceName === undefined ? undefined : expressionAt(document.resourceName, ['resourceName']);
  const retired = expressionAt(String(document.retired ?? false), ['retired']);

  if (issues.length > 0 || retired === undefined) {
    return { issues };
  }
  return {
    issues,
    publication: {
      name: document.name,
      description: document.description,
      file,
      from: { system: document.from.system, table: document.from.table, query: document.from.query, fields: document.from.fields },
      to: { resourceType: document.to.resourceType, schemaVersionId: document.to.schemaVersionId },
      resourceName,
      retired,
      configuration,
    },
  };
}
