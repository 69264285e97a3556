import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

import { DURATION_HINT } from './duration.js';
import { truncateText } from '../core/text.js';

/** Location of the published JSON Schema; editors read the same file through the modeline in each mapping. */
export const MAPPING_SCHEMA_PATH = fileURLToPath(
  new URL('../../mappings/schema/mapping.schema.json', import.meta.url),
);

/** Location of the JSON Schema of publications (CMDB records to AWS Config), which borrows from the mapping schema. */
export const PUBLICATION_SCHEMA_PATH = fileURLToPath(
  new URL('../../mappings/schema/publication.schema.json', import.meta.url),
);

/** The two kinds of mapping document: a sync rule, or a publication of CMDB records to AWS Config. */
export type DocumentKind = 'rule' | 'publication';

/** One schema violation, in words an ITSM admin can act on. */
export interface SchemaProblem {
  /** Keys from the document root to the offending value or key. */
  path: string[];
  /** Whether the editor should point at the key itself (unknown or badly named keys) or at its value. */
  pointAt: 'key' | 'value';
  /**
   * Whether `path` names a key that is missing. Such a key has no place in the file, so the
   * problem is shown at the map that should contain it.
   */
  missing: boolean;
  message: string;
}

// ajv-formats is CommonJS; under NodeNext its default import is the module object, whose
// `default` property is the plugin function.
const addFormats = addFormatsModule.default;

let validators: Record<DocumentKind, ValidateFunction> | undefined;

/**
 * The location (`#/definitions/duration`) of every sub-schema, by object identity. ajv reports
 * `schemaPath` relative to whichever sub-schema it compiled separately, but with `verbose` it
 * passes the sub-schema object itself, so this map gives a stable location for error messages.
 */
const schemaLocations = new Map<object, string>();

/** Compiles both schemas once, on first use. A broken schema file fails here, at start-up. */
function validatorFor(kind: DocumentKind): ValidateFunction {
  if (validators === undefined) {
    const mappingSchema = JSON.parse(readFileSync(MAPPING_SCHEMA_PATH, 'utf8')) as object;
    const publicationSchema = JSON.parse(readFileSync(PUBLICATION_SCHEMA_PATH, 'utf8')) as object;
    recordLocations(mappingSchema, '#');
    recordLocations(publicationSchema, 'publication#');
    const ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: true,
      allowUnionTypes: true,
      // The field specs use `required` inside `not` and `then`, where the keys are declared one level up.
      strictRequired: false,
    });
    addFormats(ajv);
    // The publication schema refers to definitions of the mapping schema by its file name.
    ajv.addSchema(mappingSchema, 'mapping.schema.json');
    validators = { rule: ajv.getSchema('mapping.schema.json')!, publication: ajv.compile(publicationSchema) };
  }
  return validators[kind];
}

/**
 * Checks a parsed mapping document against the JSON Schema of its kind (a sync rule by default) and
 * returns every problem found.
 */
export function checkAgainstSchema(document: unknown, kind: DocumentKind = 'rule'): SchemaProblem[] {
  const validate = validatorFor(kind);
  if (validate(document)) {
    return [];
  }

  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const problem = describeSchemaError(error);
    if (problem === undefined) {
      continue;
    }
    // allErrors makes ajv report some problems twice (through several keywords); keep one of each.
    const key = `${problem.path.join('\u0000')}|${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

/** The schema a mapping document follows, or the problem with its `kind` key. */
export type DocumentKindResult = { kind: DocumentKind } | { problem: SchemaProblem };

/**
 * Tells which schema a parsed mapping document follows, from its `kind` key: `kind: publication` for
 * a publication, no `kind` for a sync rule. Any other value is one problem at `kind`, because checking
 * the document against either schema would bury the typo under a dozen unrelated errors.
 */
export function documentKind(document: unknown): DocumentKindResult {
  if (typeof document !== 'object' || document === null || !Object.hasOwn(document, 'kind')) {
    return { kind: 'rule' };
  }

  const kind = (document as { kind: unknown }).kind;
  if (kind === 'publication') {
    return { kind: 'publication' };
  }
  const kindText = kind === null || kind === undefined ? 'empty kind' : `kind ${describeValue(kind)}`;
  const suggestion = typeof kind === 'string' ? closestKey(kind, ['publication']) : undefined;
  const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
  return {
    problem: {
      path: ['kind'],
      pointAt: 'value',
      missing: false,
      message: `invalid ${kindText}: kind must be publication for a publication; leave it out for a sync rule${hint}`,
    },
  };
}

function recordLocations(node: unknown, location: string): void {
  if (node === null || typeof node !== 'object') {
    return;
  }
  schemaLocations.set(node, location);
  for (const [key, child] of Object.entries(node)) {
    recordLocations(child, `${location}/${key}`);
  }
}

/** Returns the location of the sub-schema that raised an error, such as `#/definitions/duration`. */
function locationOf(error: ErrorObject): string {
  return (error.parentSchema === undefined ? undefined : schemaLocations.get(error.parentSchema)) ?? '';
}

/** Human descriptions of the patterns in the schema, by the location of the sub-schema. */
const PATTERN_HINTS: Record<string, string> = {
  '#/properties/name': 'use 2 to 63 lowercase letters, digits and hyphens, starting with a letter or digit (for example securityhub-finding-to-incident)',
  '#/properties/target/properties/table': 'use a ServiceNow table name (incident), a Jira project key (SEC), or assets/<object schema key>/<object type name> for JSM Assets',
  '#/properties/correlation/properties/prefix': 'use 1 to 40 letters, digits or . _ : - (for example aws-sh-)',
  '#/definitions/duration': `write ${DURATION_HINT}`,
  'publication#/properties/from/properties/table': 'use a ServiceNow table name in lowercase, such as cmdb_ci_linux_server',
  'publication#/properties/to/properties/resourceType':
    'use the registered type name Organization::Service::Resource, three parts of 2 to 64 letters or digits (for example MyCompany::CMDB::LinuxServer)',
  'publication#/properties/from/properties/fields/items': 'use a column name in lowercase, such as host_name; dot-walked names such as location.name are not read',
  'publication#/properties/configuration/propertyNames': 'use a property name of the registered schema: a letter, then letters, digits or _',
  '#/definitions/fieldName': 'use letters, digits and _, starting with a letter or _ (for example short_description or customfield_10060); JSM Assets attribute names may also hold spaces, ( ) . and &',
};

/** Messages for an empty list, by the location of the sub-schema. */
const MIN_ITEMS_HINTS: Record<string, string> = {
  'publication#/properties/from/properties/fields': 'needs at least one field, such as name; list the CMDB fields that the expressions read',
};

const SCHEMA_VERSION_LOCATION = 'publication#/properties/to/properties/schemaVersionId';

/**
 * Returns the quoted text a user most likely meant by an unquoted schema version: YAML reads
 * `00000001` as the number 1, and version ids of the CloudFormation registry have 8 digits.
 */
function quotedVersion(version: number): string {
  const text = Number.isInteger(version) && version >= 0 ? String(version).padStart(8, '0') : String(version);
  return JSON.stringify(text);
}

const FIELD_SPEC_LOCATIONS = new Set(['#/definitions/fieldSpec', '#/definitions/lifecycleFieldSpec']);

/** Turns one ajv error into a problem, or undefined for errors that only repeat a more precise one. */
function describeSchemaError(error: ErrorObject): SchemaProblem | undefined {
  const path = pointerToPath(error.instancePath);
  const at = path.length === 0 ? 'the top level' : displayPath(path);
  const params = error.params as Record<string, unknown>;
  const value = (message: string): SchemaProblem => ({ path, pointAt: 'value', missing: false, message });

  // ajv reports a bad key twice: as `propertyNames`, and as the failed keyword with the key in
  // `propertyName`. The second is the precise one.
  if (error.keyword === 'propertyNames') {
    return undefined;
  }
  if (typeof error.propertyName === 'string') {
    const hint = PATTERN_HINTS[locationOf(error)] ?? 'the name is not allowed here';
    return {
      path: [...path, error.propertyName],
      pointAt: 'key',
      missing: false,
      message: `invalid field name '${error.propertyName}' at ${at}: ${hint}`,
    };
  }

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const suggestion = closestKey(key, allowed);
      const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
      return {
        path: [...path, key],
        pointAt: 'key',
        missing: false,
        message: `unknown key '${key}' at ${at}; allowed keys: ${allowed.join(', ')}${hint}`,
      };
    }

    case 'required': {
      const key = String(params.missingProperty);
      const isFieldSpec = error.schemaPath.endsWith('/then/required');
      const message = isFieldSpec
        ? `field needs 'value' (a JSONata expression) or 'const' (a fixed value)`
        : `missing required key '${key}' at ${at}`;
      return { path: [...path, key], pointAt: 'value', missing: true, message };
    }

    case 'type': {
      const got = describeValue(error.data);
      if (FIELD_SPEC_LOCATIONS.has(locationOf(error))) {
        const literal = JSON.stringify(error.data) ?? 'null';
        return value(
          `wrong type: expected a JSONata expression or a map with 'value' or 'const', got ${got}; ` +
            `for a fixed value write { const: ${literal} }`,
        );
      }
      if (locationOf(error) === SCHEMA_VERSION_LOCATION && typeof error.data === 'number') {
        return value(`wrong type: expected text, got ${got}; quote the version so YAML reads it as text: schemaVersionId: ${quotedVersion(error.data)}`);
      }
      return value(`wrong type: expected ${describeTypes(error.schema)}, got ${got}`);
    }

    case 'enum': {
      const allowed = (error.schema as unknown[]).map(String).join(', ');
      return value(`invalid value ${describeValue(error.data)}; allowed values: ${allowed}`);
    }

    case 'pattern':
    case 'minimum':
    case 'maximum': {
      const hint = PATTERN_HINTS[locationOf(error)];
      const rule = hint ?? (error.keyword === 'pattern' ? `must match ${String(error.schema)}` : String(error.message));
      return value(`invalid value ${describeValue(error.data)}: ${rule}`);
    }

    case 'minLength':
      return value('must not be empty');

    case 'const':
      return value(`invalid value ${describeValue(error.data)}; expected ${JSON.stringify(params.allowedValue)}`);

    case 'minProperties':
      return value(`needs at least ${String(params.limit)} entry`);

    case 'minItems':
      return value(MIN_ITEMS_HINTS[locationOf(error)] ?? `needs at least ${String(params.limit)} entry`);

    // ajv names the two positions of the repeated entry; the entry itself is what the user looks for.
    case 'uniqueItems': {
      const repeated = (error.data as unknown[])[Number(params.i)];
      return value(`lists ${describeValue(repeated)} twice; list each entry once`);
    }

    // Each `not` in the schema forbids one pair of keys used together; name the pair it holds.
    case 'not': {
      const pair = ((error.schema as { required?: string[] }).required ?? ['value', 'const']).map((key) => `'${key}'`);
      return value(`use either ${pair.join(' or ')}, not both`);
    }

    // `if` only repeats the error of its `then` branch.
    case 'if':
      return undefined;

    default:
      return value(error.message ?? `failed the schema check '${error.keyword}'`);
  }
}

/** Splits an ajv instance path (a JSON Pointer) into keys. */
function pointerToPath(pointer: string): string[] {
  if (pointer === '') {
    return [];
  }
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Formats a key path the way the mapping guide writes it: `fields.urgency.map`, with keys that are
 * not plain names in brackets (`fields.urgency.map["N/A"]`).
 */
export function displayPath(path: readonly string[]): string {
  let text = '';
  for (const key of path) {
    if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) {
      text += text === '' ? key : `.${key}`;
    } else {
      text += `[${JSON.stringify(key)}]`;
    }
  }
  return text;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map of keys',
  array: 'a list',
  null: 'nothing',
};

function describeTypes(schemaType: unknown): string {
  const types = Array.isArray(schemaType) ? schemaType : [schemaType];
  return types.map((type) => TYPE_WORDS[String(type)] ?? String(type)).join(' or ');
}

function describeValue(data: unknown): string {
  if (data === null || data === undefined) {
    return 'an empty value';
  }
  if (Array.isArray(data)) {
    return 'a list';
  }
  if (typeof data === 'object') {
    return 'a map of keys';
  }
  return truncateText(JSON.stringify(data), 60);
}

/**
 * Returns the allowed key closest to a misspelt one, if it is close enough to be a likely typo. Case
 * is ignored, and up to one edit for every three characters counts as close (at least one, and
 * fewer than the key has characters).
 *
 * @example
 * closestKey('HIHG', ['CRITICAL', 'HIGH', 'MEDIUM']); // 'HIGH'
 */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A one-character key is one edit from every other one-character key: no suggestion then.
  const closeEnough = bestDistance <= Math.max(1, Math.floor(key.length / 3)) && bestDistance < key.length;
  return closeEnough ? best : undefined;
}

/**
 * Edit distance between two short strings, where inserting, deleting or replacing a character, or
 * swapping two neighbouring ones, each count as one edit (the optimal string alignment distance).
 * Swapped letters (`HIHG`) are among the most common typos, and plain Levenshtein counts them as two.
 */
function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let distance = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (beforePrevious[j - 2] ?? 0) + 1);
      }
      current.push(distance);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
