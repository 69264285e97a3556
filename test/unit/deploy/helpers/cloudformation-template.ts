/**
 * Reads a CloudFormation template written in YAML into plain JSON-shaped data, and walks its
 * intrinsic functions. The short forms (`!Ref`, `!Sub`, `!GetAtt` …) become the long forms
 * (`{ Ref: … }`, `{ 'Fn::Sub': … }`), so checks only deal with one shape.
 */
import { readFileSync } from 'node:fs';
import { parseDocument, type CollectionTag, type ScalarTag } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';

/** A parsed template; sections are left loosely typed because checks read them by name. */
export interface CloudFormationTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, Record<string, unknown>>;
  Mappings?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

/** One entry of the Resources section. */
export interface TemplateResource {
  Type: string;
  /** Loosely typed, because checks read nested properties by name. */
  Properties?: Record<string, any>;
  Condition?: string;
  DependsOn?: string | string[];
}

/** Pseudo parameters that `Ref` and `${…}` may name without a declaration. */
export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** Short-form tag name to the key of its long form. */
const INTRINSIC_KEYS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Split: 'Fn::Split',
  GetAZs: 'Fn::GetAZs',
  ImportValue: 'Fn::ImportValue',
  FindInMap: 'Fn::FindInMap',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
};

/**
 * YAML tags for every short form, in each of its three node kinds: scalar (`!Ref Name`), sequence
 * (`!Join [',', [a, b]]`) and mapping (`!Base64 { 'Fn::Sub': … }`).
 */
export const CLOUDFORMATION_TAGS: Array<ScalarTag | CollectionTag> = Object.entries(INTRINSIC_KEYS).flatMap(
  ([name, key]): Array<ScalarTag | CollectionTag> => [
    {
      tag: `!${name}`,
      // `!GetAtt Resource.Attribute` is the scalar form of ['Resource', 'Attribute.With.Dots'].
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? splitGetAtt(value) : value }),
    },
    { tag: `!${name}`, collection: 'seq', resolve: (node: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [key]: node.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (node: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [key]: node.toJSON() }) },
  ],
);

function splitGetAtt(value: string): [string, string] {
  const dot = value.indexOf('.');
  if (dot <= 0) {
    throw new Error(`!GetAtt "${value}" is invalid: expected Resource.Attribute`);
  }
  return [value.slice(0, dot), value.slice(dot + 1)];
}

/**
 * Parses template text. Throws on YAML errors and on warnings too, because the yaml package only
 * warns about an unknown tag such as a misspelled `!GetAttr`, and keeps the value as a string.
 */
export function parseTemplate(text: string): CloudFormationTemplate {
  const document = parseDocument(text, { customTags: CLOUDFORMATION_TAGS, prettyErrors: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    throw new Error(`Invalid CloudFormation YAML:\n${problems.map((problem) => problem.message).join('\n')}`);
  }
  return document.toJS() as CloudFormationTemplate;
}

/** Reads and parses a template file. */
export function readTemplate(path: string): CloudFormationTemplate {
  return parseTemplate(readFileSync(path, 'utf8'));
}

/** One intrinsic function found in a template, with the path where it sits. */
export interface IntrinsicUse {
  key: string;
  argument: unknown;
  path: string;
}

/**
 * Lists every intrinsic function call (an object whose only key is `Ref`, `Condition` or
 * `Fn::…`) below `value`, outermost first.
 */
export function findIntrinsics(value: unknown, path = ''): IntrinsicUse[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => findIntrinsics(item, `${path}[${index}]`));
  }
  if (typeof value !== 'object' || value === null) {
    return [];
  }

  const entries = Object.entries(value);
  const found: IntrinsicUse[] = [];
  const [onlyEntry] = entries;
  if (entries.length === 1 && onlyEntry && isIntrinsicKey(onlyEntry[0])) {
    found.push({ key: onlyEntry[0], argument: onlyEntry[1], path });
  }
  for (const [key, child] of entries) {
    found.push(...findIntrinsics(child, path ? `${path}.${key}` : key));
  }
  return found;
}

function isIntrinsicKey(key: string): boolean {
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::');
}

/**
 * Extracts the names that a `Fn::Sub` string refers to: `${Name}` and `${Resource.Attribute}` (returned as
 * `Resource.Attribute`), without the literal `${!…}` escapes.
 */
export function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]+)\}/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => !name.startsWith('!'));
}
