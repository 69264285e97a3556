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
  Rules?: Record<string, TemplateRule>;
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
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
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

/** Values of a stack's parameters, by name, as `--parameter-overrides` gives them. */
export type ParameterValues = Record<string, string>;

/** Marks what `Ref: AWS::NoValue` removes while a template is resolved. */
const NO_VALUE = Symbol('AWS::NoValue');

/** A parameter value that CloudFormation would reject, or a required parameter left out. */
export class InvalidParameterError extends Error {
  constructor(readonly parameter: string, reason: string) {
    super(`Parameter ${parameter}: ${reason}`);
    this.name = 'InvalidParameterError';
  }
}

/**
 * A template with its conditions decided for one set of parameter values, the way CloudFormation
 * decides them when it creates the stack. Checks can then read what one kind of stack gets.
 */
export interface ResolvedStack {
  /** Every parameter with its value: the override, or the default. */
  parameters: ParameterValues;
  conditions: Record<string, boolean>;
  /** The AssertDescription of every rule assertion that fails; empty when the stack may be created. */
  failedAssertions: string[];
  /** The Resources section with every `Fn::If` replaced by its chosen branch and `AWS::NoValue` removed. */
  resources: Record<string, TemplateResource>;
}

/**
 * Decide the conditions and rules of `template` for the parameter values in `overrides`. Parameters without a
 * value take their default. Throws InvalidParameterError for an unknown parameter, a missing
 * required one, and a value outside AllowedValues or AllowedPattern. Other intrinsic functions
 * (`Ref` to a parameter or resource, `Fn::Sub`, `Fn::GetAtt`) stay as they are.
 */
export function resolveStack(template: CloudFormationTemplate, overrides: ParameterValues): ResolvedStack {
  const declared = template.Parameters ?? {};
  for (const name of Object.keys(overrides)) {
    if (!(name in declared)) throw new InvalidParameterError(name, 'the template declares no such parameter');
  }

  const parameters: ParameterValues = {};
  for (const [name, declaration] of Object.entries(declared)) {
    const value = overrides[name] ?? (declaration.Default === undefined ? undefined : String(declaration.Default));
    if (value === undefined) throw new InvalidParameterError(name, 'required, and no value was given');
    checkParameter(name, declaration, value);
    parameters[name] = value;
  }

  const conditions: Record<string, boolean> = {};
  const evaluate = (expression: unknown): boolean | string => evaluateExpression(expression, parameters, conditionNamed);
  const conditionNamed = (name: string): boolean => {
    if (!(name in conditions)) {
      const expression = template.Conditions?.[name];
      if (expression === undefined) throw new Error(`The template has no condition ${name}`);
      conditions[name] = evaluate(expression) === true;
    }
    return conditions[name]!;
  };
  for (const name of Object.keys(template.Conditions ?? {})) conditionNamed(name);

  const failedAssertions: string[] = [];
  for (const rule of Object.values(template.Rules ?? {})) {
    if (rule.RuleCondition !== undefined && evaluate(rule.RuleCondition) !== true) continue;
    for (const assertion of rule.Assertions) {
      if (evaluate(assertion.Assert) !== true) failedAssertions.push(assertion.AssertDescription ?? JSON.stringify(assertion.Assert));
    }
  }

  const resources = chooseBranches(template.Resources, conditionNamed) as Record<string, TemplateResource>;
  return { parameters, conditions, failedAssertions, resources };
}

/** One entry of the Rules section: assertions on the parameters, checked when RuleCondition is true. */
export interface TemplateRule {
  RuleCondition?: unknown;
  Assertions: Array<{ Assert: unknown; AssertDescription?: string }>;
}

function checkParameter(name: string, declaration: Record<string, unknown>, value: string): void {
  const allowedValues = declaration.AllowedValues as unknown[] | undefined;
  if (allowedValues !== undefined && !allowedValues.map(String).includes(value)) {
    throw new InvalidParameterError(name, `"${value}" is not one of ${allowedValues.join(', ')}`);
  }
  // CloudFormation matches the whole value against the pattern.
  const pattern = declaration.AllowedPattern as string | undefined;
  if (pattern !== undefined && !new RegExp(`^(?:${pattern})$`).test(value)) {
    throw new InvalidParameterError(name, `"${value}" does not match ${pattern}`);
  }
}

/** Evaluate a condition or rule expression to true/false, or a `Ref` or literal to its string. */
function evaluateExpression(expression: unknown, parameters: ParameterValues, conditionNamed: (name: string) => boolean): boolean | string {
  const evaluate = (inner: unknown): boolean | string => evaluateExpression(inner, parameters, conditionNamed);
  if (typeof expression === 'string' || typeof expression === 'number') return String(expression);
  if (typeof expression !== 'object' || expression === null || Array.isArray(expression)) {
    throw new Error(`Cannot evaluate ${JSON.stringify(expression)}`);
  }

  const [[key, argument]] = Object.entries(expression) as [[string, unknown]];
  const operands = argument as unknown[];
  switch (key) {
    case 'Ref': {
      const name = String(argument);
      if (!(name in parameters)) throw new Error(`Ref ${name} in a condition names no parameter`);
      return parameters[name]!;
    }
    case 'Condition':
      return conditionNamed(String(argument));
    case 'Fn::Equals':
      return evaluate(operands[0]) === evaluate(operands[1]);
    case 'Fn::Not':
      return evaluate(operands[0]) !== true;
    case 'Fn::And':
      return operands.every((operand) => evaluate(operand) === true);
    case 'Fn::Or':
      return operands.some((operand) => evaluate(operand) === true);
    default:
      throw new Error(`Cannot evaluate ${key} in a condition or rule`);
  }
}

/** Replace each `Fn::If` below `value` with its chosen branch, and drop what resolves to AWS::NoValue. */
function chooseBranches(value: unknown, conditionNamed: (name: string) => boolean): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => chooseBranches(item, conditionNamed)).filter((item) => item !== NO_VALUE);
  }
  if (typeof value !== 'object' || value === null) return value;

  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === 'Ref' && entries[0]![1] === 'AWS::NoValue') return NO_VALUE;
  if (entries.length === 1 && entries[0]![0] === 'Fn::If') {
    const [condition, whenTrue, whenFalse] = entries[0]![1] as [string, unknown, unknown];
    return chooseBranches(conditionNamed(condition) ? whenTrue : whenFalse, conditionNamed);
  }

  const chosen: Record<string, unknown> = {};
  for (const [key, child] of entries) {
    const resolved = chooseBranches(child, conditionNamed);
    if (resolved !== NO_VALUE) chosen[key] = resolved;
  }
  return chosen;
}
