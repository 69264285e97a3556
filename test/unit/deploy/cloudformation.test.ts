import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SSMClient } from '@aws-sdk/client-ssm';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { ConfigComplianceSource } from '../../../src/sources/config/config-compliance-source.js';
import { ConfigurationItemSource } from '../../../src/sources/config/configuration-item-source.js';
import { ChangeRequestSource } from '../../../src/sources/change-request/change-request-source.js';
import { OpsItemSource } from '../../../src/sources/opsitem/opsitem-source.js';
import { parseStateStoreLocation } from '../../../src/state/open-store.js';
import {
  InvalidParameterError,
  PSEUDO_PARAMETERS,
  findIntrinsics,
  parseTemplate,
  readTemplate,
  resolveStack,
  subVariables,
  type CloudFormationTemplate,
  type ParameterValues,
  type ResolvedStack,
} from './helpers/cloudformation-template.js';
import { dockerStages, execForm, parseHealthcheck, readDockerfile } from './helpers/dockerfile.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The EventBridge rules that deliver to the event queue. */
const EVENT_RULES = ['FindingsRule', 'OpsItemsRule', 'ChangeRequestsRule', 'ConfigurationItemsRule', 'ConfigComplianceRule'];
const templatePath = `${repositoryRoot}deploy/cloudformation.yaml`;
const template = readTemplate(templatePath);
const resources = template.Resources;

/** Names of the environment variables that src/config/env.ts reads (`read.string('NAME', …)`). */
function variablesReadByTheDaemon(): Set<string> {
  const source = readFileSync(`${repositoryRoot}src/config/env.ts`, 'utf8');
  return new Set([...source.matchAll(/read\.\w+\(\s*'([A-Z][A-Z0-9_]*)'/g)].map((match) => match[1]!));
}

function properties(logicalId: string): Record<string, any> {
  const resource = resources[logicalId];
  if (!resource) throw new Error(`The template has no resource ${logicalId}`);
  return resource.Properties ?? {};
}

/** The network and image parameters every stack needs. */
const REQUIRED_PARAMETERS: ParameterValues = {
  VpcId: 'vpc-0ddd4444',
  SubnetIds: 'subnet-0aaa1111,subnet-0bbb2222',
  SecurityGroupIds: 'sg-0ccc3333',
  ContainerImage: '111122223333.dkr.ecr.us-east-1.amazonaws.com/itsm-sync:0.1.0',
};

const SERVICENOW_SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:itsm-sync/servicenow-AbC123';
const JIRA_SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:itsm-sync/jira-XyZ789';

/** A ServiceNow-only stack, deployed as docs/operations.md shows. */
const SERVICENOW_ONLY: ParameterValues = {
  ...REQUIRED_PARAMETERS,
  ServiceNowInstanceUrl: 'https://example.service-now.com',
  ServiceNowSecretArn: SERVICENOW_SECRET,
};

/** A Jira Cloud stack with an API token and JSM Assets. */
const JIRA_CLOUD: ParameterValues = {
  ...REQUIRED_PARAMETERS,
  JiraBaseUrl: 'https://acme.atlassian.net',
  JiraEmail: 'itsm-sync@acme.com',
  JiraAssetsWorkspaceId: 'e9a4c7b2-3f1d-4a8e-b6c5-0d2f9e8a7b31',
  JiraSecretArn: JIRA_SECRET,
};

/** Resolve the stack for `parameters` and check that it passes the template's rules. */
function stackOf(parameters: ParameterValues): ResolvedStack {
  const stack = resolveStack(template, parameters);
  expect(stack.failedAssertions, 'the template rules reject these parameters').toEqual([]);
  return stack;
}

/** Return the descriptions of the rule assertions that `parameters` fail. */
function failedAssertionsOf(parameters: ParameterValues): string[] {
  return resolveStack(template, parameters).failedAssertions;
}

function containerOf(stack: ResolvedStack): Record<string, any> {
  const [definition, ...others] = stack.resources.TaskDefinition!.Properties!.ContainerDefinitions as Array<Record<string, any>>;
  expect(others, 'the task definition should have exactly one container').toEqual([]);
  return definition!;
}

/** Return the container of a ServiceNow-only stack, for the checks that no condition changes. */
function container(): Record<string, any> {
  return containerOf(stackOf(SERVICENOW_ONLY));
}

function environmentOf(stack: ResolvedStack): Map<string, unknown> {
  return new Map((containerOf(stack).Environment as Array<{ Name: string; Value: unknown }>).map((entry) => [entry.Name, entry.Value]));
}

function environment(): Map<string, unknown> {
  return environmentOf(stackOf(SERVICENOW_ONLY));
}

function secretsOf(stack: ResolvedStack): Array<{ Name: string; ValueFrom: unknown }> {
  return containerOf(stack).Secrets as Array<{ Name: string; ValueFrom: unknown }>;
}

/** Return the statements of the task execution role. */
function executionRoleStatements(stack: ResolvedStack): Array<Record<string, any>> {
  return stack.resources.TaskExecutionRole!.Properties!.Policies.flatMap(
    (policy: { PolicyDocument: { Statement: unknown[] } }) => policy.PolicyDocument.Statement,
  ) as Array<Record<string, any>>;
}

/** List every environment variable and secret name of the container, in all branches of every condition. */
function everyVariableName(): string[] {
  const [definition] = properties('TaskDefinition').ContainerDefinitions as Array<Record<string, any>>;
  const names: string[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (typeof record.Name === 'string') names.push(record.Name);
      Object.values(record).forEach(collect);
    }
  };
  collect(definition!.Environment);
  collect(definition!.Secrets);
  return names;
}

describe('template parser', () => {
  it('reads every short form in each node kind', () => {
    const parsed = parseTemplate(
      [
        'Resources:',
        '  A:',
        '    Type: AWS::SQS::Queue',
        '    Properties:',
        '      Ref: !Ref Param',
        '      Att: !GetAtt Queue.Arn',
        '      AttDotted: !GetAtt Stack.Outputs.Name',
        '      AttList: !GetAtt [Queue, Arn]',
        "      Sub: !Sub 'arn:${AWS::Partition}:x'",
        '      SubList: !Sub [\'${X}\', { X: !Ref Param }]',
        "      Join: !Join [',', [a, !Ref Param]]",
        '      Select: !Select [0, !GetAZs ""]',
        "      Split: !Split [',', 'a,b']",
        '      If: !If [Cond, yes, !Ref AWS::NoValue]',
        '      Not: !Not [!Equals [a, b]]',
        '      Cond: !Condition Other',
        '      Import: !ImportValue Exported',
        '      Find: !FindInMap [Map, Key, Value]',
        '      Base64Scalar: !Base64 text',
        "      Base64Map: !Base64 { 'Fn::Sub': text }",
      ].join('\n'),
    );

    expect(parsed.Resources.A!.Properties).toEqual({
      Ref: { Ref: 'Param' },
      Att: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      AttDotted: { 'Fn::GetAtt': ['Stack', 'Outputs.Name'] },
      AttList: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      Sub: { 'Fn::Sub': 'arn:${AWS::Partition}:x' },
      SubList: { 'Fn::Sub': ['${X}', { X: { Ref: 'Param' } }] },
      Join: { 'Fn::Join': [',', ['a', { Ref: 'Param' }]] },
      Select: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      Split: { 'Fn::Split': [',', 'a,b'] },
      If: { 'Fn::If': ['Cond', 'yes', { Ref: 'AWS::NoValue' }] },
      Not: { 'Fn::Not': [{ 'Fn::Equals': ['a', 'b'] }] },
      Cond: { Condition: 'Other' },
      Import: { 'Fn::ImportValue': 'Exported' },
      Find: { 'Fn::FindInMap': ['Map', 'Key', 'Value'] },
      Base64Scalar: { 'Fn::Base64': 'text' },
      Base64Map: { 'Fn::Base64': { 'Fn::Sub': 'text' } },
    });
  });

  it('resolves conditions, rules and AWS::NoValue', () => {
    const parsed = parseTemplate(
      [
        'Parameters:',
        '  Url: { Type: String, Default: "", AllowedPattern: "^(https://.+)?$" }',
        '  Mode: { Type: String, Default: a, AllowedValues: [a, b] }',
        'Rules:',
        '  NeedsUrl:',
        '    RuleCondition: !Equals [!Ref Mode, b]',
        '    Assertions:',
        '      - Assert: !Not [!Equals [!Ref Url, ""]]',
        '        AssertDescription: Mode b needs Url.',
        'Conditions:',
        '  HasUrl: !Not [!Equals [!Ref Url, ""]]',
        '  UseB: !And [!Condition HasUrl, !Or [!Equals [!Ref Mode, b], !Equals [x, y]]]',
        'Resources:',
        '  A:',
        '    Type: AWS::SQS::Queue',
        '    Properties:',
        '      List: [keep, !If [HasUrl, !Ref Url, !Ref AWS::NoValue], !If [UseB, b, a]]',
        '      Dropped: !If [UseB, !Ref Url, !Ref AWS::NoValue]',
      ].join('\n'),
    );

    const plain = resolveStack(parsed, {});
    expect(plain.conditions).toEqual({ HasUrl: false, UseB: false });
    expect(plain.resources.A!.Properties).toEqual({ List: ['keep', 'a'] });
    expect(plain.failedAssertions).toEqual([]);

    const withUrl = resolveStack(parsed, { Url: 'https://example.com', Mode: 'b' });
    expect(withUrl.conditions).toEqual({ HasUrl: true, UseB: true });
    expect(withUrl.resources.A!.Properties).toEqual({ List: ['keep', { Ref: 'Url' }, 'b'], Dropped: { Ref: 'Url' } });

    expect(resolveStack(parsed, { Mode: 'b' }).failedAssertions).toEqual(['Mode b needs Url.']);
    expect(() => resolveStack(parsed, { Mode: 'c' })).toThrow(InvalidParameterError);
    expect(() => resolveStack(parsed, { Url: 'http://example.com' })).toThrow(/does not match/);
    expect(() => resolveStack(parsed, { Other: 'x' })).toThrow(/no such parameter/);
  });

  it('rejects an unknown tag', () => {
    expect(() => parseTemplate('Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: { X: !GetAttr Q.Arn }\n')).toThrow(/GetAttr/);
  });
});

describe('deploy/cloudformation.yaml structure', () => {
  const parameterNames = new Set(Object.keys(template.Parameters ?? {}));
  const resourceNames = new Set(Object.keys(resources));
  const conditionNames = new Set(Object.keys(template.Conditions ?? {}));
  const intrinsics = findIntrinsics(template);

  it('has the template sections', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(resourceNames.size).toBeGreaterThan(0);
  });

  it('uses resource types of the form AWS::Service::Thing', () => {
    for (const [logicalId, resource] of Object.entries(resources)) {
      expect(resource.Type, logicalId).toMatch(/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/);
    }
  });

  it('refers only to defined names with Ref', () => {
    const refs = intrinsics.filter((use) => use.key === 'Ref');
    expect(refs.length).toBeGreaterThan(0);
    for (const { argument, path } of refs) {
      const name = String(argument);
      const defined = parameterNames.has(name) || resourceNames.has(name) || PSEUDO_PARAMETERS.has(name);
      expect(defined, `Ref ${name} at ${path} names no parameter, resource or pseudo parameter`).toBe(true);
    }
  });

  it('refers only to defined resources with GetAtt', () => {
    for (const { argument, path } of intrinsics.filter((use) => use.key === 'Fn::GetAtt')) {
      const [logicalId, attribute] = argument as [string, string];
      expect(resourceNames.has(logicalId), `GetAtt ${logicalId}.${attribute} at ${path} names no resource`).toBe(true);
    }
  });

  it('refers only to defined names inside Sub', () => {
    for (const { argument, path } of intrinsics.filter((use) => use.key === 'Fn::Sub')) {
      const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
      for (const name of subVariables(String(text))) {
        const [first] = name.split('.');
        const defined =
          name in (variables as object) ||
          (name.includes('.') ? resourceNames.has(first!) : parameterNames.has(name) || resourceNames.has(name) || PSEUDO_PARAMETERS.has(name));
        expect(defined, `\${${name}} at ${path} names nothing defined`).toBe(true);
      }
    }
  });

  it('refers only to defined conditions', () => {
    const used = [
      ...intrinsics.filter((use) => use.key === 'Fn::If').map((use) => ({ name: (use.argument as unknown[])[0], path: use.path })),
      ...intrinsics.filter((use) => use.key === 'Condition').map((use) => ({ name: use.argument, path: use.path })),
      ...Object.entries(resources)
        .filter(([, resource]) => resource.Condition !== undefined)
        .map(([logicalId, resource]) => ({ name: resource.Condition, path: logicalId })),
    ];
    for (const { name, path } of used) {
      expect(conditionNames.has(String(name)), `condition ${String(name)} at ${path} is not defined`).toBe(true);
    }
  });

  it('depends only on defined resources', () => {
    for (const [logicalId, resource] of Object.entries(resources)) {
      for (const dependency of [resource.DependsOn ?? []].flat()) {
        expect(resourceNames.has(dependency), `${logicalId} DependsOn ${dependency}, which is not a resource`).toBe(true);
      }
    }
  });

  it('uses every parameter and condition', () => {
    const referenced = new Set([
      ...intrinsics.filter((use) => use.key === 'Ref').map((use) => String(use.argument)),
      ...intrinsics
        .filter((use) => use.key === 'Fn::Sub')
        .flatMap((use) => subVariables(String(Array.isArray(use.argument) ? use.argument[0] : use.argument))),
    ]);
    for (const name of parameterNames) {
      expect(referenced.has(name), `parameter ${name} is never used`).toBe(true);
    }

    const usedConditions = new Set([
      ...intrinsics.filter((use) => use.key === 'Fn::If').map((use) => String((use.argument as unknown[])[0])),
      ...Object.values(resources).flatMap((resource) => (resource.Condition === undefined ? [] : [resource.Condition])),
    ]);
    for (const name of conditionNames) {
      expect(usedConditions.has(name), `condition ${name} is never used`).toBe(true);
    }
  });

  it('fits the inline template size limit', () => {
    // `aws cloudformation deploy --template-file` without an S3 bucket takes at most 51,200 bytes.
    expect(statSync(templatePath).size).toBeLessThanOrEqual(51_200);
  });

  it('outputs the queue URLs and the service name', () => {
    expect(template.Outputs?.QueueUrl?.Value).toEqual({ Ref: 'EventQueue' });
    expect(template.Outputs?.DeadLetterQueueUrl?.Value).toEqual({ Ref: 'DeadLetterQueue' });
    expect(template.Outputs?.ServiceName?.Value).toEqual({ 'Fn::GetAtt': ['Service', 'Name'] });
  });
});

describe('event queue and rule', () => {
  it('configures the queue and its redrive policy', () => {
    const queue = properties('EventQueue');
    expect(resources.EventQueue!.Type).toBe('AWS::SQS::Queue');
    expect(queue.VisibilityTimeout).toBe(60);
    expect(queue.SqsManagedSseEnabled).toBe(true);
    // With the consumer's backoff (60 s doubling up to 900 s), 10 receives span about 90 minutes.
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 10 });
  });

  it('keeps dead letters for 14 days', () => {
    const deadLetterQueue = properties('DeadLetterQueue');
    expect(deadLetterQueue.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(deadLetterQueue.SqsManagedSseEnabled).toBe(true);
    // A moved message keeps its first enqueue time, so the DLQ must keep messages longer.
    expect(deadLetterQueue.MessageRetentionPeriod).toBeGreaterThan(properties('EventQueue').MessageRetentionPeriod ?? 345_600);
  });

  it('lets only the rules send to the queue', () => {
    const policy = properties('EventQueuePolicy');
    expect(policy.Queues).toEqual([{ Ref: 'EventQueue' }]);

    const allows = (policy.PolicyDocument.Statement as Array<Record<string, any>>).filter((statement) => statement.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]!.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(allows[0]!.Action).toBe('sqs:SendMessage');
    expect(allows[0]!.Resource).toEqual({ 'Fn::GetAtt': ['EventQueue', 'Arn'] });
    expect(allows[0]!.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': EVENT_RULES.map((rule) => ({ 'Fn::GetAtt': [rule, 'Arn'] })) } });
  });

  it('lets only the rules send dead letters', () => {
    const policy = properties('DeadLetterQueuePolicy');
    const allows = (policy.PolicyDocument.Statement as Array<Record<string, any>>).filter((statement) => statement.Effect === 'Allow');

    expect(allows).toHaveLength(1);
    expect(allows[0]!.Resource).toEqual({ 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] });
    expect(allows[0]!.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': EVENT_RULES.map((rule) => ({ 'Fn::GetAtt': [rule, 'Arn'] })) } });
  });

  it('has a queue policy entry for every rule', () => {
    const rules = Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::Events::Rule')
      .map(([logicalId]) => logicalId)
      .sort();

    expect(rules).toEqual([...EVENT_RULES].sort());
    for (const rule of rules) {
      const targets = properties(rule).Targets as Array<Record<string, any>>;
      expect(targets.map((target) => target.Arn)).toEqual([{ 'Fn::GetAtt': ['EventQueue', 'Arn'] }]);
      expect(targets[0]!.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } });
    }
  });

  it('matches imported findings of both formats', () => {
    const rule = properties('FindingsRule');
    expect(rule.EventPattern.source).toEqual(['aws.securityhub']);
    expect(rule.EventPattern['detail-type']).toEqual(['Security Hub Findings - Imported', 'Findings Imported V2']);
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['EventQueue', 'Arn'] });
  });

  it('routes only detail-types the finding source handles', () => {
    const findingSource = readFileSync(`${repositoryRoot}src/sources/securityhub/finding-source.ts`, 'utf8');
    for (const detailType of properties('FindingsRule').EventPattern['detail-type'] as string[]) {
      expect(findingSource, `src/sources/securityhub/finding-source.ts does not handle "${detailType}"`).toContain(`'${detailType}'`);
    }
  });

  it('matches created and updated OpsItems', () => {
    const rule = properties('OpsItemsRule');
    expect(resources.OpsItemsRule!.Type).toBe('AWS::Events::Rule');
    expect(rule.State).toBe('ENABLED');
    expect(rule.EventPattern).toEqual({ source: ['aws.ssm'], 'detail-type': ['OpsItem Create', 'OpsItem Update'] });
  });

  it('routes only events the OpsItem source handles', () => {
    const source = new OpsItemSource({ client: new SSMClient({ region: 'us-east-1' }), logger: pino({ level: 'silent' }) });
    const pattern = properties('OpsItemsRule').EventPattern as { source: string[]; 'detail-type': string[] };

    for (const detailType of pattern['detail-type']) {
      const event = { id: 'e', 'detail-type': detailType, source: pattern.source[0]!, account: '111122223333', time: '', region: 'us-east-1', detail: {} };
      expect(source.handles(event), `OpsItemSource does not handle "${detailType}"`).toBe(true);
    }
  });

  it('routes only events the change request source handles', () => {
    const source = new ChangeRequestSource({ client: new SSMClient({ region: 'us-east-1' }), logger: pino({ level: 'silent' }) });
    const pattern = properties('ChangeRequestsRule').EventPattern as { source: string[]; 'detail-type': string[] };
    expect(pattern['detail-type']).toHaveLength(3);

    for (const detailType of pattern['detail-type']) {
      const event = { id: 'e', 'detail-type': detailType, source: pattern.source[0]!, account: '111122223333', time: '', region: 'us-east-1', detail: {} };
      expect(source.handles(event), `ChangeRequestSource does not handle "${detailType}"`).toBe(true);
    }
  });

  it('routes only events the configuration item source handles', () => {
    const source = new ConfigurationItemSource({ client: new ConfigServiceClient({ region: 'us-east-1' }), logger: pino({ level: 'silent' }) });
    const pattern = properties('ConfigurationItemsRule').EventPattern as { source: string[]; 'detail-type': string[] };

    for (const detailType of pattern['detail-type']) {
      const event = { id: 'e', 'detail-type': detailType, source: pattern.source[0]!, account: '111122223333', time: '', region: 'us-east-1', detail: {} };
      expect(source.handles(event), `ConfigurationItemSource does not handle "${detailType}"`).toBe(true);
    }
  });

  it('matches every AWS Config rule compliance change', () => {
    const rule = properties('ConfigComplianceRule');
    expect(rule.State).toBe('ENABLED');
    // No filter on the compliance type: COMPLIANT results resolve the incidents.
    expect(rule.EventPattern).toEqual({ source: ['aws.config'], 'detail-type': ['Config Rules Compliance Change'] });
  });

  it('routes only events the compliance source handles', () => {
    const source = new ConfigComplianceSource();
    const configItems = new ConfigurationItemSource({ client: new ConfigServiceClient({ region: 'us-east-1' }), logger: pino({ level: 'silent' }) });
    const pattern = properties('ConfigComplianceRule').EventPattern as { source: string[]; 'detail-type': string[] };

    for (const detailType of pattern['detail-type']) {
      const event = { id: 'e', 'detail-type': detailType, source: pattern.source[0]!, account: '111122223333', time: '', region: 'us-east-1', detail: {} };
      expect(source.handles(event), `ConfigComplianceSource does not handle "${detailType}"`).toBe(true);
      expect(configItems.handles(event), `ConfigurationItemSource also handles "${detailType}"`).toBe(false);
    }
  });

  it('alarms on each arrival in the dead-letter queue', () => {
    const alarm = properties('DeadLetterQueueAlarm');
    const [visible, arrived, ...others] = alarm.Metrics as Array<Record<string, any>>;

    expect(others).toEqual([]);
    expect(visible!.MetricStat.Metric).toEqual({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
    });
    expect(visible!.ReturnData).toBe(false);
    // The increase of the count, not the count: the alarm returns to OK while old dead letters wait.
    expect(arrived!.Expression).toBe(`DIFF(${visible!.Id})`);
    expect(arrived!.ReturnData).toBe(true);
    expect(alarm.Threshold).toBe(0);
    expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(alarm.MetricName, 'a metric alarm takes Metrics or MetricName, not both').toBeUndefined();
  });

  it('keeps the dead letters and logs when the stack is deleted', () => {
    for (const logicalId of ['DeadLetterQueue', 'LogGroup', 'FileSystem']) {
      expect(resources[logicalId]!.DeletionPolicy, logicalId).toBe('Retain');
      expect(resources[logicalId]!.UpdateReplacePolicy, logicalId).toBe('Retain');
    }
  });
});

describe('task definition', () => {
  it('runs on Fargate with 512 CPU units and 1 GiB', () => {
    const task = properties('TaskDefinition');
    expect(task.RequiresCompatibilities).toEqual(['FARGATE']);
    expect(task.NetworkMode).toBe('awsvpc');
    expect(task.Cpu).toBe('512');
    expect(task.Memory).toBe('1024');
    expect(task.TaskRoleArn).toEqual({ 'Fn::GetAtt': ['TaskRole', 'Arn'] });
    expect(task.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': ['TaskExecutionRole', 'Arn'] });
  });

  it('sets only variables the daemon reads', () => {
    const known = variablesReadByTheDaemon();
    expect(known.has('SQS_QUEUE_URL'), 'could not read the variable names from src/config/env.ts').toBe(true);

    const names = everyVariableName();
    expect(names).toContain('JIRA_API_TOKEN');
    for (const name of names) {
      expect(known.has(name), `${name} is set in the task definition but src/config/env.ts never reads it`).toBe(true);
    }
  });

  it('sets the queue, region and ServiceNow variables', () => {
    const env = environment();
    expect(env.get('SQS_QUEUE_URL')).toEqual({ Ref: 'EventQueue' });
    expect(env.get('AWS_REGION')).toEqual({ Ref: 'AWS::Region' });
    expect(env.get('SERVICENOW_INSTANCE_URL')).toEqual({ Ref: 'ServiceNowInstanceUrl' });
    expect(env.get('MAPPINGS_DIR')).toEqual({ Ref: 'MappingsDir' });
    expect(env.get('LOG_LEVEL')).toEqual({ Ref: 'LogLevel' });
    expect(env.get('STATE_STORE')).toMatch(/^sqlite:\//);
  });

  it('keeps credentials out of plain environment variables', () => {
    const [definition] = properties('TaskDefinition').ContainerDefinitions as Array<Record<string, any>>;
    const plainNames = JSON.stringify(definition!.Environment).match(/"Name":"[^"]+"/g) ?? [];
    expect(plainNames.length).toBeGreaterThan(5);

    for (const name of plainNames) {
      expect(name, `${name} looks like a credential; pass it through Secrets`).not.toMatch(/PASSWORD|SECRET|TOKEN|ACCESS_KEY|CLIENT_ID|USERNAME/);
    }
  });

  it('reads ServiceNow credentials from the secret JSON keys', () => {
    expect(secretsOf(stackOf(SERVICENOW_ONLY))).toEqual([
      { Name: 'SERVICENOW_USERNAME', ValueFrom: { 'Fn::Sub': '${ServiceNowSecretArn}:username::' } },
      { Name: 'SERVICENOW_PASSWORD', ValueFrom: { 'Fn::Sub': '${ServiceNowSecretArn}:password::' } },
    ]);
    expect(secretsOf(stackOf({ ...SERVICENOW_ONLY, ServiceNowAuthType: 'oauth' }))).toEqual([
      { Name: 'SERVICENOW_CLIENT_ID', ValueFrom: { 'Fn::Sub': '${ServiceNowSecretArn}:client_id::' } },
      { Name: 'SERVICENOW_CLIENT_SECRET', ValueFrom: { 'Fn::Sub': '${ServiceNowSecretArn}:client_secret::' } },
    ]);
  });

  it('lets the execution role read only that secret', () => {
    const secretReads = executionRoleStatements(stackOf(SERVICENOW_ONLY)).filter((statement) =>
      [statement.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    expect(secretReads).toHaveLength(1);
    expect(secretReads[0]!.Resource).toEqual({ Ref: 'ServiceNowSecretArn' });
  });

  it('drains before ECS sends SIGKILL', () => {
    const stopTimeoutMs = container().StopTimeout * 1000;
    const shutdownTimeoutMs = Number(environment().get('SHUTDOWN_TIMEOUT_MS'));
    expect(stopTimeoutMs).toBe(60_000);
    // After the drain the consumer releases unfinished messages (up to 3 s), and the exit path
    // stops the change poller and the scheduled passes. docs/operations.md requires 10 s.
    expect(shutdownTimeoutMs + 10_000).toBeLessThanOrEqual(stopTimeoutMs);
  });

  it('matches the queue visibility timeout', () => {
    expect(Number(environment().get('SQS_VISIBILITY_TIMEOUT_SECONDS'))).toBe(properties('EventQueue').VisibilityTimeout);
  });

  it('mounts every image volume on a read-only root', () => {
    const runtimeStage = dockerStages(readDockerfile(`${repositoryRoot}deploy/Dockerfile`)).at(-1)!;
    const imageVolumes = runtimeStage.instructions
      .filter((instruction) => instruction.keyword === 'VOLUME')
      .flatMap((instruction) => execForm(instruction.argument) ?? instruction.argument.split(/\s+/));
    const mountPoints = container().MountPoints as Array<{ SourceVolume: string; ContainerPath: string; ReadOnly: boolean }>;
    const volumeNames = (properties('TaskDefinition').Volumes as Array<{ Name: string }>).map((volume) => volume.Name);

    expect(container().ReadonlyRootFilesystem).toBe(true);
    // Every folder the image declares writable must be a volume, or writes to it fail.
    expect(mountPoints.map((mount) => mount.ContainerPath).sort()).toEqual([...imageVolumes].sort());
    for (const mount of mountPoints) {
      expect(volumeNames, `mount ${mount.ContainerPath}`).toContain(mount.SourceVolume);
      expect(mount.ReadOnly).toBe(false);
    }

    const stateFile = parseStateStoreLocation(String(environment().get('STATE_STORE'))).path;
    expect(mountPoints.some((mount) => stateFile.startsWith(`${mount.ContainerPath}/`)), `${stateFile} is on no writable mount`).toBe(true);
  });

  it('reads the webhook secret from the ServiceNow secret', () => {
    const withWebhook = secretsOf(stackOf({ ...SERVICENOW_ONLY, ServiceNowWebhook: 'ENABLED' }));
    expect(withWebhook).toContainEqual({ Name: 'SERVICENOW_WEBHOOK_SECRET', ValueFrom: { 'Fn::Sub': '${ServiceNowSecretArn}:webhook_secret::' } });
    expect(withWebhook).toHaveLength(3);

    expect(secretsOf(stackOf(SERVICENOW_ONLY)).map((secret) => secret.Name)).not.toContain('SERVICENOW_WEBHOOK_SECRET');
    // A Jira-only stack has no ServiceNow secret to read the key from.
    expect(secretsOf(stackOf({ ...JIRA_CLOUD, ServiceNowWebhook: 'ENABLED' })).map((secret) => secret.Name)).toEqual(['JIRA_API_TOKEN']);
  });

  it('checks health like the Dockerfile', () => {
    const healthcheck = readDockerfile(`${repositoryRoot}deploy/Dockerfile`).find((instruction) => instruction.keyword === 'HEALTHCHECK');
    const imageCommand = parseHealthcheck(healthcheck!.argument).command;
    expect(container().HealthCheck.Command).toEqual(['CMD', ...imageCommand!]);
    expect(environment().get('HEALTH_PORT')).toBe('8080');
    expect(container().PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
  });

  it('sends logs to the stack log group', () => {
    expect(container().LogConfiguration.LogDriver).toBe('awslogs');
    expect(container().LogConfiguration.Options['awslogs-group']).toEqual({ Ref: 'LogGroup' });
    expect(properties('LogGroup').RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
  });
});

describe('Fargate service', () => {
  const parameters = template.Parameters as CloudFormationTemplate['Parameters'] & object;

  it('gets no public IP by default', () => {
    const network = properties('Service').NetworkConfiguration.AwsvpcConfiguration;
    expect(network.AssignPublicIp).toEqual({ Ref: 'AssignPublicIp' });
    expect(parameters.AssignPublicIp!.Default).toBe('DISABLED');
  });

  it('rolls back a failed deployment', () => {
    const deployment = properties('Service').DeploymentConfiguration;
    expect(deployment.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
  });

  it('never runs two tasks at once', () => {
    // Each task has its own SQLite store, so an overlapping deployment could create duplicates.
    expect(properties('Service').DeploymentConfiguration.MaximumPercent).toBe(100);
    expect(properties('Service').DesiredCount).toEqual({ Ref: 'DesiredCount' });
    expect(parameters.DesiredCount!.Default).toBe(1);
    expect(parameters.DesiredCount!.MaxValue).toBe(1);
    expect(String(parameters.DesiredCount!.Description)).toMatch(/shared state store/);
  });

  it('accepts only https URLs', () => {
    for (const parameter of ['ServiceNowInstanceUrl', 'JiraBaseUrl', 'JiraSiteUrl']) {
      const pattern = new RegExp(String(parameters[parameter]!.AllowedPattern));
      expect(pattern.test('https://acme.atlassian.net'), parameter).toBe(true);
      expect(pattern.test(''), parameter).toBe(true);
      expect(pattern.test('http://acme.atlassian.net'), parameter).toBe(false);
    }
  });

  it('lets only ECS tasks of this account run the execution role', () => {
    const [trust, ...others] = properties('TaskExecutionRole').AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(trust.Principal).toEqual({ Service: 'ecs-tasks.amazonaws.com' });
    expect(trust.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('validates the secret ARN parameter', () => {
    const pattern = new RegExp(String(parameters.ServiceNowSecretArn!.AllowedPattern));
    expect(pattern.test('arn:aws:secretsmanager:us-east-1:111122223333:secret:itsm-sync/servicenow-AbC123')).toBe(true);
    expect(pattern.test('arn:aws:secretsmanager:us-east-1:111122223333:secret:itsm-sync/servicenow')).toBe(false);
    expect(pattern.test('itsm-sync/servicenow')).toBe(false);
  });
});

describe('ITSM systems', () => {
  it('keeps a ServiceNow-only stack as it was', () => {
    const stack = stackOf(SERVICENOW_ONLY);

    expect([...environmentOf(stack).keys()]).toEqual([
      'SQS_QUEUE_URL',
      'AWS_REGION',
      'AWS_ACCOUNT_ID',
      'SERVICENOW_INSTANCE_URL',
      'MAPPINGS_DIR',
      'STATE_STORE',
      'LOG_LEVEL',
      'SQS_VISIBILITY_TIMEOUT_SECONDS',
      'SHUTDOWN_TIMEOUT_MS',
      'HEALTH_PORT',
    ]);
    expect(secretsOf(stack).map((secret) => secret.Name)).toEqual(['SERVICENOW_USERNAME', 'SERVICENOW_PASSWORD']);
    expect(executionRoleStatements(stack).map((statement) => statement.Sid)).toEqual(['PullImage', 'WriteLogs', 'ReadServiceNowSecret']);
  });

  it('decrypts the ServiceNow secret with its key', () => {
    const key = 'arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const statements = executionRoleStatements(stackOf({ ...SERVICENOW_ONLY, ServiceNowSecretKmsKeyArn: key }));

    expect(statements.map((statement) => statement.Sid)).toEqual(['PullImage', 'WriteLogs', 'ReadServiceNowSecret', 'DecryptServiceNowSecret']);
  });

  it('configures a Jira Cloud stack', () => {
    const stack = stackOf(JIRA_CLOUD);
    const env = environmentOf(stack);

    expect(env.get('JIRA_BASE_URL')).toEqual({ Ref: 'JiraBaseUrl' });
    expect(env.get('JIRA_DEPLOYMENT')).toEqual({ Ref: 'JiraDeployment' });
    expect(env.get('JIRA_EMAIL')).toEqual({ Ref: 'JiraEmail' });
    expect(env.get('JIRA_ASSETS_WORKSPACE_ID')).toEqual({ Ref: 'JiraAssetsWorkspaceId' });
    expect(env.has('JIRA_SITE_URL')).toBe(false);
    expect([...env.keys()].filter((name) => name.startsWith('SERVICENOW_'))).toEqual([]);
    expect(secretsOf(stack)).toEqual([{ Name: 'JIRA_API_TOKEN', ValueFrom: { 'Fn::Sub': '${JiraSecretArn}:api_token::' } }]);
  });

  it('lets a Jira stack read only the Jira secret', () => {
    const key = 'arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const statements = executionRoleStatements(stackOf({ ...JIRA_CLOUD, JiraSecretKmsKeyArn: key }));

    expect(statements.map((statement) => statement.Sid)).toEqual(['PullImage', 'WriteLogs', 'ReadJiraSecret', 'DecryptJiraSecret']);
    expect(statements[2]!.Resource).toEqual({ Ref: 'JiraSecretArn' });
    expect(statements[3]!.Resource).toEqual({ Ref: 'JiraSecretKmsKeyArn' });
  });

  it('sends no e-mail on Data Center', () => {
    const stack = stackOf({ ...REQUIRED_PARAMETERS, JiraBaseUrl: 'https://jira.acme.com', JiraDeployment: 'datacenter', JiraSecretArn: JIRA_SECRET });

    expect(environmentOf(stack).has('JIRA_EMAIL')).toBe(false);
    expect(environmentOf(stack).has('JIRA_ASSETS_WORKSPACE_ID')).toBe(false);
    expect(secretsOf(stack).map((secret) => secret.Name)).toEqual(['JIRA_API_TOKEN']);
  });

  it('configures Jira OAuth 2.0', () => {
    const stack = stackOf({
      ...REQUIRED_PARAMETERS,
      JiraBaseUrl: 'https://api.atlassian.com/ex/jira/7f2b6d8e-1c3a-4b5d-9e0f-a1b2c3d4e5f6',
      JiraSiteUrl: 'https://acme.atlassian.net',
      JiraAuthType: 'oauth',
      JiraSecretArn: JIRA_SECRET,
    });

    expect(environmentOf(stack).get('JIRA_SITE_URL')).toEqual({ Ref: 'JiraSiteUrl' });
    expect(environmentOf(stack).has('JIRA_EMAIL')).toBe(false);
    expect(secretsOf(stack)).toEqual([
      { Name: 'JIRA_CLIENT_ID', ValueFrom: { 'Fn::Sub': '${JiraSecretArn}:client_id::' } },
      { Name: 'JIRA_CLIENT_SECRET', ValueFrom: { 'Fn::Sub': '${JiraSecretArn}:client_secret::' } },
    ]);
  });

  it('runs ServiceNow and Jira together', () => {
    const stack = stackOf({ ...SERVICENOW_ONLY, ...JIRA_CLOUD });

    expect(secretsOf(stack).map((secret) => secret.Name)).toEqual(['SERVICENOW_USERNAME', 'SERVICENOW_PASSWORD', 'JIRA_API_TOKEN']);
    expect(environmentOf(stack).has('SERVICENOW_INSTANCE_URL')).toBe(true);
    expect(environmentOf(stack).has('JIRA_BASE_URL')).toBe(true);
    expect(executionRoleStatements(stack).map((statement) => statement.Sid)).toEqual(['PullImage', 'WriteLogs', 'ReadServiceNowSecret', 'ReadJiraSecret']);
  });

  it('requires at least one system', () => {
    expect(failedAssertionsOf(REQUIRED_PARAMETERS)).toEqual(['Set ServiceNowInstanceUrl, JiraBaseUrl or both.']);
  });

  it('requires the secret of each system', () => {
    expect(failedAssertionsOf({ ...REQUIRED_PARAMETERS, ServiceNowInstanceUrl: 'https://example.service-now.com' })).toEqual([
      'ServiceNowInstanceUrl is set, so ServiceNowSecretArn is required.',
    ]);
    expect(failedAssertionsOf({ ...JIRA_CLOUD, JiraSecretArn: '' })).toEqual(['JiraBaseUrl is set, so JiraSecretArn is required.']);
  });

  it('requires the e-mail of a Cloud API token', () => {
    expect(failedAssertionsOf({ ...JIRA_CLOUD, JiraEmail: '' })).toEqual([
      'A Jira Cloud API token is sent with the e-mail of its user; set JiraEmail.',
    ]);
  });

  it('rejects OAuth on Data Center', () => {
    const failed = failedAssertionsOf({ ...JIRA_CLOUD, JiraDeployment: 'datacenter', JiraAuthType: 'oauth', JiraSiteUrl: 'https://jira.acme.com' });

    expect(failed).toEqual(['JiraAuthType oauth is for Jira Cloud; Data Center takes a personal access token (token).']);
  });

  it('requires the site URL with OAuth', () => {
    expect(failedAssertionsOf({ ...JIRA_CLOUD, JiraAuthType: 'oauth' })).toEqual([
      'With oauth, JiraBaseUrl is https://api.atlassian.com/ex/jira/<cloud id>; set JiraSiteUrl to the site for issue links.',
    ]);
  });

  it('validates the Jira parameters', () => {
    expect(() => resolveStack(template, { ...JIRA_CLOUD, JiraBaseUrl: 'acme.atlassian.net' })).toThrow(/JiraBaseUrl/);
    expect(() => resolveStack(template, { ...JIRA_CLOUD, JiraSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:itsm-sync/jira' })).toThrow(/JiraSecretArn/);
    expect(() => resolveStack(template, { ...JIRA_CLOUD, JiraDeployment: 'server' })).toThrow(/JiraDeployment/);
    expect(() => resolveStack(template, { ...JIRA_CLOUD, JiraEmail: 'itsm sync' })).toThrow(/JiraEmail/);
    expect(() => resolveStack(template, { ...JIRA_CLOUD, JiraAssetsWorkspaceId: '../admin' })).toThrow(/JiraAssetsWorkspaceId/);
  });
});

describe('state file system', () => {
  const stateVolume = (): Record<string, any> =>
    (properties('TaskDefinition').Volumes as Array<Record<string, any>>).find((volume) => volume.Name === 'state')!;

  it('encrypts and backs up the file system', () => {
    expect(resources.FileSystem!.Type).toBe('AWS::EFS::FileSystem');
    expect(properties('FileSystem').Encrypted).toBe(true);
    expect(properties('FileSystem').BackupPolicy).toEqual({ Status: 'ENABLED' });
  });

  it('mounts the state folder from EFS', () => {
    const stateMount = (container().MountPoints as Array<{ SourceVolume: string; ContainerPath: string }>).find((mount) => mount.SourceVolume === 'state');
    const location = parseStateStoreLocation(String(environment().get('STATE_STORE')));

    expect(stateMount?.ContainerPath).toBe('/app/data');
    expect(location.path.startsWith('/app/data/')).toBe(true);
    expect(stateVolume().EFSVolumeConfiguration).toEqual({
      FilesystemId: { Ref: 'FileSystem' },
      TransitEncryption: 'ENABLED',
      AuthorizationConfig: { AccessPointId: { Ref: 'AccessPoint' }, IAM: 'ENABLED' },
    });
  });

  it('uses a rollback journal on EFS', () => {
    // SQLite's WAL mode needs shared memory on one host, which NFS does not provide.
    expect(parseStateStoreLocation(String(environment().get('STATE_STORE'))).journalMode).toBe('delete');
  });

  it('writes as the image user through the access point', () => {
    const dockerUser = readDockerfile(`${repositoryRoot}deploy/Dockerfile`)
      .filter((instruction) => instruction.keyword === 'USER')
      .at(-1);
    const accessPoint = properties('AccessPoint');

    // The node user of the official Node.js images has uid and gid 1000.
    expect(dockerUser?.argument).toBe('node');
    expect(accessPoint.FileSystemId).toEqual({ Ref: 'FileSystem' });
    expect(accessPoint.PosixUser).toEqual({ Uid: '1000', Gid: '1000' });
    expect(accessPoint.RootDirectory.CreationInfo).toMatchObject({ OwnerUid: '1000', OwnerGid: '1000' });
    expect(accessPoint.RootDirectory.Path).toBe('/itsm-sync');
  });

  it('allows NFS only from the task security group', () => {
    const fileSystemGroup = { 'Fn::GetAtt': ['FileSystemSecurityGroup', 'GroupId'] };
    const ingressRules = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::EC2::SecurityGroupIngress')
      .map((resource) => resource.Properties!)
      .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(fileSystemGroup));

    expect(properties('FileSystemSecurityGroup').SecurityGroupIngress, 'keep the ingress rules in resources of their own').toBeUndefined();
    expect(ingressRules).toEqual([
      {
        GroupId: fileSystemGroup,
        IpProtocol: 'tcp',
        FromPort: 2049,
        ToPort: 2049,
        SourceSecurityGroupId: { 'Fn::GetAtt': ['TaskSecurityGroup', 'GroupId'] },
        Description: expect.any(String),
      },
    ]);
  });

  it('lets the task reach only NFS through its own group', () => {
    const egress = properties('TaskSecurityGroup').SecurityGroupEgress as Array<Record<string, unknown>>;
    const serviceGroups = properties('Service').NetworkConfiguration.AwsvpcConfiguration.SecurityGroups;

    // An explicit rule replaces the default allow-all egress, so the stack's group adds nothing else.
    expect(egress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, DestinationSecurityGroupId: { 'Fn::GetAtt': ['FileSystemSecurityGroup', 'GroupId'] } }),
    ]);
    expect(JSON.stringify(serviceGroups)).toContain('"TaskSecurityGroup","GroupId"');
    expect(JSON.stringify(serviceGroups)).toContain('"Ref":"SecurityGroupIds"');
  });

  it('has a mount target in every subnet of the service', () => {
    const mountTargets = Object.values(resources).filter((resource) => resource.Type === 'AWS::EFS::MountTarget');
    const serviceSubnets = properties('Service').NetworkConfiguration.AwsvpcConfiguration.Subnets;

    expect(mountTargets.map((target) => target.Properties!.SubnetId)).toEqual(serviceSubnets);
    for (const target of mountTargets) {
      expect(target.Properties!.FileSystemId).toEqual({ Ref: 'FileSystem' });
      expect(target.Properties!.SecurityGroups).toEqual([{ 'Fn::GetAtt': ['FileSystemSecurityGroup', 'GroupId'] }]);
    }
    expect([resources.Service!.DependsOn].flat().sort()).toEqual(['MountTargetA', 'MountTargetB']);
  });

  it('admits only IAM-authorized clients over TLS', () => {
    const statements = properties('FileSystem').FileSystemPolicy.Statement as Array<Record<string, any>>;
    const allow = statements.find((statement) => statement.Effect === 'Allow')!;
    const deny = statements.find((statement) => statement.Effect === 'Deny')!;

    // The account principal defers to the IAM policies of the account, where the task role grants the mount.
    expect(allow.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } });
    expect(allow.Condition).toEqual({ Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } });
    expect(deny.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });
});

describe('task alarms', () => {
  it('alarms when the service runs no task', () => {
    const alarm = resources.ServiceRunningTaskAlarm!;

    expect(properties('Cluster').ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'enabled' }]);
    expect(alarm.Properties!.Namespace).toBe('ECS/ContainerInsights');
    expect(alarm.Properties!.MetricName).toBe('RunningTaskCount');
    expect(alarm.Properties!.ComparisonOperator).toBe('LessThanThreshold');
    expect(alarm.Properties!.Threshold).toBe(1);
    // Container Insights may report nothing at all for a service without tasks.
    expect(alarm.Properties!.TreatMissingData).toBe('breaching');
  });

  it('leaves a paused service without that alarm', () => {
    expect(resources.ServiceRunningTaskAlarm!.Condition).toBe('RunsTask');
    expect(stackOf({ ...SERVICENOW_ONLY, DesiredCount: '0' }).conditions.RunsTask).toBe(false);
    expect(stackOf(SERVICENOW_ONLY).conditions.RunsTask).toBe(true);
  });

  it('counts the lines of a failed start', () => {
    const pattern = String(properties('StartFailureMetricFilter').FilterPattern);
    const terms = [...pattern.matchAll(/"([^"]+)"/g)].map((match) => match[1]!);
    const sources = ['src/cli/run.ts', 'src/config/env.ts'].map((file) => readFileSync(`${repositoryRoot}${file}`, 'utf8')).join('\n');

    expect(terms).toEqual(['itsm-sync could not start:', 'Invalid configuration:']);
    for (const term of terms) {
      expect(sources, `no start-up message contains "${term}"`).toContain(term);
    }
    expect(properties('StartFailureAlarm').MetricName).toBe(properties('StartFailureMetricFilter').MetricTransformations[0].MetricName);
    expect(properties('StartFailureAlarm').Namespace).toEqual(properties('StartFailureMetricFilter').MetricTransformations[0].MetricNamespace);
  });
});
