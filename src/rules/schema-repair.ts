import { checkAgainstSchema, displayPath, type DocumentKind, type SchemaProblem } from './schema.js';

/** A copy of a mapping document that passes the JSON Schema, and the key paths that were changed to get it. */
export interface RepairedDocument {
  document: unknown;
  /** Key paths removed or replaced by a stand-in. Checks that look at these sections as a whole are unreliable. */
  changedPaths: string[][];
}

/**
 * Stand-ins for required keys that are missing or were removed, by display path. Each takes the
 * place of a section that the compiler needs without adding a problem of its own: a condition that
 * is never true, a name that only appears in messages. A required key without a stand-in takes
 * its parent section with it.
 */
const STAND_INS: Record<DocumentKind, Readonly<Record<string, unknown>>> = {
  rule: {
    name: 'unnamed-rule',
    correlation: { prefix: 'unnamed-' },
    'correlation.prefix': 'unnamed-',
    lifecycle: { create: { when: false } },
    'lifecycle.create': { when: false },
    'lifecycle.create.when': false,
    'lifecycle.resolve.when': false,
    'lifecycle.reopen.within': 0,
    'reverse.closed': false,
    fields: {},
  },
  publication: {
    name: 'unnamed-publication',
  },
};

/**
 * Tells whether a schema problem can stay in the copy because the compiler does not rely on the
 * rule it breaks: `fields` must have one entry, but an empty map compiles to a rule without fields.
 */
function isTolerated(problem: SchemaProblem, document: unknown): boolean {
  return !problem.missing && displayPath(problem.path) === 'fields' && isMap(valueAt(document, ['fields']));
}

/** Maximum rounds of removal. Each round removes at least one key, and documents are shallow, so few are needed. */
const MAX_ROUNDS = 20;

/**
 * Returns a copy of a parsed mapping document without the parts that fail the JSON Schema. The
 * checks after the schema (expressions, value maps, target rules) then run on the rest, so one run
 * of `validate` lists every problem of a file. A value that breaks the schema is removed, and so is
 * a section that misses a required key, unless the key has a stand-in. Returns undefined when no
 * such copy passes: the document is not a map, or a top-level section without a stand-in
 * (`source`, `target`, or a publication's `from`, `to` and `configuration`) is unusable.
 *
 * The copy only serves to find more problems. A file with schema problems never yields a rule.
 *
 * @example
 * const repaired = withoutSchemaProblems(source.data, 'rule');
 * if (repaired !== undefined) compileRule(repaired.document as MappingDocument, file, source);
 */
export function withoutSchemaProblems(data: unknown, kind: DocumentKind): RepairedDocument | undefined {
  const document = structuredClone(data);
  const changedPaths: string[][] = [];
  const standIns = STAND_INS[kind];

  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const problems = checkAgainstSchema(document, kind).filter((problem) => !isTolerated(problem, document));
    if (problems.length === 0) {
      return { document, changedPaths };
    }

    for (const problem of problems) {
      let path = problem.path;
      if (problem.missing) {
        const standIn = standIns[displayPath(path)];
        if (standIn !== undefined && setAt(document, path, structuredClone(standIn))) {
          changedPaths.push(path);
          continue;
        }
        path = path.slice(0, -1);
      }

      const removed = removeAt(document, path);
      if (removed === 'root') {
        return undefined;
      }
      if (removed !== undefined) {
        changedPaths.push(removed);
      }
    }
  }
  return undefined;
}

/**
 * Removes the value at `path` and returns the path actually removed, `'root'` when that would be
 * the whole document, or undefined when the path no longer exists. An item of a list takes the
 * whole list with it, so that the indexes in other problems' paths still match the file.
 */
function removeAt(document: unknown, path: readonly string[]): string[] | 'root' | undefined {
  if (path.length === 0) {
    return 'root';
  }
  const parent = valueAt(document, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    return removeAt(document, path.slice(0, -1));
  }
  if (!isMap(parent) || !Object.hasOwn(parent, key)) {
    return undefined;
  }
  delete parent[key];
  return [...path];
}

/** Sets the value at `path` when its parent is a map. Returns whether it did. */
function setAt(document: unknown, path: readonly string[], value: unknown): boolean {
  const parent = valueAt(document, path.slice(0, -1));
  if (path.length === 0 || !isMap(parent)) {
    return false;
  }
  parent[path[path.length - 1]!] = value;
  return true;
}

function valueAt(document: unknown, path: readonly string[]): unknown {
  let current = document;
  for (const key of path) {
    if (Array.isArray(current)) {
      current = current[Number(key)];
    } else if (isMap(current)) {
      current = current[key];
    } else {
      return undefined;
    }
  }
  return current;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
