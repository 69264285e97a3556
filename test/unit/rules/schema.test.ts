import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { JSONATA_FUNCTIONS } from '../../../src/rules/expression-checks.js';
import { MAPPING_SCHEMA_PATH } from '../../../src/rules/index.js';
import { SHIPPED_MAPPING } from './mapping-test-kit.js';

type SchemaNode = Record<string, unknown>;

async function readSchema(): Promise<SchemaNode> {
  return JSON.parse(await readFile(MAPPING_SCHEMA_PATH, 'utf8')) as SchemaNode;
}

/** Collects every `properties` entry in the schema, with the path that leads to it. */
function propertyEntries(node: unknown, path: string, found: [string, SchemaNode][] = []): [string, SchemaNode][] {
  if (node === null || typeof node !== 'object') {
    return found;
  }
  for (const [key, child] of Object.entries(node)) {
    if (key === 'properties') {
      for (const [name, property] of Object.entries(child as Record<string, SchemaNode>)) {
        found.push([`${path}/properties/${name}`, property]);
      }
    }
    propertyEntries(child, `${path}/${key}`, found);
  }
  return found;
}

describe('mapping JSON Schema', () => {
  it('compiles in strict ajv', async () => {
    const ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true });
    const schema = await readSchema();

    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('describes every property', async () => {
    const schema = await readSchema();
    const definitions = schema.definitions as Record<string, SchemaNode>;

    const undescribed = propertyEntries(schema, '#')
      .filter(([, property]) => {
        const target = typeof property.$ref === 'string' ? definitions[property.$ref.replace('#/definitions/', '')] : undefined;
        return typeof property.description !== 'string' && typeof target?.description !== 'string';
      })
      .map(([path]) => path);

    expect(undescribed).toEqual([]);
  });

  it('is the schema the shipped mapping names for editors', async () => {
    const text = await readFile(SHIPPED_MAPPING, 'utf8');

    const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text);

    expect(modeline).not.toBeNull();
    expect(resolve(dirname(SHIPPED_MAPPING), modeline?.[1] ?? '')).toBe(MAPPING_SCHEMA_PATH);
  });

  it('accepts the shipped mapping', async () => {
    const ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true });
    const validate = ajv.compile(await readSchema());

    const valid = validate(parse(await readFile(SHIPPED_MAPPING, 'utf8')));

    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
});

describe('JSONata function list', () => {
  it('matches the installed jsonata library', async () => {
    // The library binds each built-in function by name when it loads; read those names from its source.
    const require = createRequire(import.meta.url);
    const source = await readFile(require.resolve('jsonata'), 'utf8');
    const installed = [...source.matchAll(/staticFrame\.bind\('(\w+)'/g)].map((match) => match[1]);
    installed.push('millis');

    expect(installed.length).toBeGreaterThan(50);
    expect([...JSONATA_FUNCTIONS].sort()).toEqual([...new Set(installed)].sort());
  });
});
