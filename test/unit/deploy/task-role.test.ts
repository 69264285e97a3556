import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

import { readTemplate, resolveStack } from './helpers/cloudformation-template.js';
import {
  IAM_PREFIXES,
  UnsupportedSdkUsageError,
  aggregatedClientNames,
  findReachableFiles,
  findSdkCalls,
  iamActionFor,
  type SdkCall,
} from './helpers/sdk-calls.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The module behind `itsm-sync run`: everything the deployed daemon can execute is reachable from it. */
const DAEMON_ENTRY = join(repositoryRoot, 'src/cli/run.ts');

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: any };

/**
 * Actions the task role grants although no code calls them, each with who uses it. The check of
 * the called actions leaves exactly these out, and a further check fails if one is no longer
 * granted, so this list cannot hide an action.
 */
const GRANTED_FOR_OTHERS: Record<string, string> = {
  'elasticfilesystem:ClientMount': 'ECS, to mount the state file system with the task role',
  'elasticfilesystem:ClientWrite': 'ECS, to mount the state file system read-write',
  'iam:PassRole': 'Systems Manager, which receives the AutomationAssumeRole of a started runbook',
};

/** The parameters of a ServiceNow-only stack. */
const STACK_PARAMETERS = {
  VpcId: 'vpc-0ddd4444',
  SubnetIds: 'subnet-0aaa1111,subnet-0bbb2222',
  SecurityGroupIds: 'sg-0ccc3333',
  ContainerImage: '111122223333.dkr.ecr.us-east-1.amazonaws.com/itsm-sync:0.1.0',
  ServiceNowInstanceUrl: 'https://example.service-now.com',
  ServiceNowSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:itsm-sync/servicenow-AbC123',
};

/** Aggregated client class names of every client package in IAM_PREFIXES that the project installs. */
async function loadAggregatedClients(): Promise<Map<string, Set<string>>> {
  const clients = new Map<string, Set<string>>();
  for (const packageName of Object.keys(IAM_PREFIXES)) {
    try {
      clients.set(packageName, aggregatedClientNames((await import(packageName)) as Record<string, unknown>));
    } catch {
      // Not installed, so no source file can import it either.
    }
  }
  return clients;
}

/** Allow statements of the task role's inline policies; both branches of a conditional statement count. */
function taskRoleStatements(): Statement[] {
  const template = readTemplate(join(repositoryRoot, 'deploy/cloudformation.yaml'));
  const role = template.Resources.TaskRole;
  expect(role?.Type).toBe('AWS::IAM::Role');
  expect(role?.Properties?.ManagedPolicyArns, 'managed policies would grant actions this test cannot see').toBeUndefined();

  const attachedPolicies = Object.entries(template.Resources).filter(
    ([, resource]) => resource.Type.startsWith('AWS::IAM::') && resource.Type.endsWith('Policy') && JSON.stringify(resource.Properties).includes('"TaskRole"'),
  );
  expect(attachedPolicies.map(([logicalId]) => logicalId), 'keep every task role permission in the role itself').toEqual([]);

  const policies = (role?.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: unknown[] } }>;
  return policies
    .flatMap((policy) => policy.PolicyDocument.Statement)
    .flatMap((statement) => {
      const conditional = (statement as { 'Fn::If'?: unknown[] })['Fn::If'];
      return conditional ? conditional.slice(1) : [statement];
    })
    .filter((statement): statement is Statement => (statement as Statement).Effect === 'Allow');
}

function describeCalls(calls: SdkCall[], action: string): string {
  return calls
    .filter((call) => iamActionFor(call, repositoryRoot) === action)
    .map((call) => `${call.operation} in ${call.file}`)
    .join(', ');
}

describe('task role', () => {
  it('grants exactly the actions the daemon calls', async () => {
    const aggregatedClients = await loadAggregatedClients();
    const calls = findReachableFiles(DAEMON_ENTRY).flatMap((file) => findSdkCalls(file, repositoryRoot, aggregatedClients));
    const called = new Set(calls.map((call) => iamActionFor(call, repositoryRoot)));
    const granted = new Set(
      taskRoleStatements()
        .flatMap((statement) => [statement.Action].flat())
        .filter((action) => !(action in GRANTED_FOR_OTHERS)),
    );

    const missing = [...called].filter((action) => !granted.has(action)).sort();
    const extra = [...granted].filter((action) => !called.has(action)).sort();
    const report = [
      ...missing.map((action) => `missing ${action} (called as ${describeCalls(calls, action)})`),
      ...extra.map((action) => `extra ${action} (no code reachable from src/cli/run.ts calls it)`),
    ];

    expect(called.size, 'the scan found no AWS SDK calls at all; is DAEMON_ENTRY right?').toBeGreaterThan(0);
    expect(report, 'deploy/cloudformation.yaml TaskRole must grant exactly the called actions').toEqual([]);
  });

  it('grants each action kept for others', () => {
    const granted = new Set(taskRoleStatements().flatMap((statement) => [statement.Action].flat()));
    for (const action of Object.keys(GRANTED_FOR_OTHERS)) {
      expect(granted.has(action), `${action} is listed in GRANTED_FOR_OTHERS but not granted; remove it from the list`).toBe(true);
    }
  });

  it('mounts the state file system only through its access point', () => {
    const mounts = taskRoleStatements().filter((statement) => [statement.Action].flat().some((action) => action.startsWith('elasticfilesystem:')));

    expect(mounts).toHaveLength(1);
    expect([mounts[0]!.Action].flat().sort()).toEqual(['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite']);
    expect(mounts[0]!.Resource).toEqual({ 'Fn::GetAtt': ['FileSystem', 'Arn'] });
    expect(mounts[0]!.Condition).toEqual({ StringEquals: { 'elasticfilesystem:AccessPointArn': { 'Fn::GetAtt': ['AccessPoint', 'Arn'] } } });
  });

  it('passes only the runbook roles to Systems Manager', () => {
    const template = readTemplate(join(repositoryRoot, 'deploy/cloudformation.yaml'));
    const passRoleStatements = (parameters: Record<string, string>): Statement[] =>
      (resolveStack(template, parameters).resources.TaskRole!.Properties!.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>)
        .flatMap((policy) => policy.PolicyDocument.Statement)
        .filter((statement) => [statement.Action].flat().includes('iam:PassRole'));

    expect(passRoleStatements(STACK_PARAMETERS), 'no iam:PassRole without AutomationAssumeRoleArns').toEqual([]);

    const roles = 'arn:aws:iam::111122223333:role/runbook-restart,arn:aws:iam::111122223333:role/runbook-patch';
    const [statement, ...others] = passRoleStatements({ ...STACK_PARAMETERS, AutomationAssumeRoleArns: roles });
    expect(others).toEqual([]);
    expect(statement!.Action).toBe('iam:PassRole');
    expect(statement!.Resource).toEqual({ 'Fn::Split': [',', { Ref: 'AutomationAssumeRoleArns' }] });
    expect(statement!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } });
  });

  it('rejects runbook roles that are not role ARNs', () => {
    const template = readTemplate(join(repositoryRoot, 'deploy/cloudformation.yaml'));
    for (const value of ['*', 'arn:aws:iam::111122223333:role/a, arn:aws:iam::111122223333:role/b', 'arn:aws:iam::111122223333:user/a', 'arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:role/a,']) {
      expect(() => resolveStack(template, { ...STACK_PARAMETERS, AutomationAssumeRoleArns: value }), value).toThrow(/AutomationAssumeRoleArns/);
    }
  });

  it('grants no wildcard actions', () => {
    for (const statement of taskRoleStatements()) {
      for (const action of [statement.Action].flat()) {
        expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      }
    }
  });

  it('scopes SQS actions to the event queue', () => {
    const sqsStatements = taskRoleStatements().filter((statement) => [statement.Action].flat().some((action) => action.startsWith('sqs:')));
    expect(sqsStatements.length).toBeGreaterThan(0);
    for (const statement of sqsStatements) {
      expect([statement.Resource].flat()).toEqual([{ 'Fn::GetAtt': ['EventQueue', 'Arn'] }]);
      expect([statement.Action].flat().every((action) => action.startsWith('sqs:')), 'keep SQS actions in statements of their own').toBe(true);
    }
  });

  it('is assumable only by ECS tasks of this account', () => {
    const template = readTemplate(join(repositoryRoot, 'deploy/cloudformation.yaml'));
    const [trust, ...others] = template.Resources.TaskRole!.Properties!.AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(trust.Principal).toEqual({ Service: 'ecs-tasks.amazonaws.com' });
    expect(trust.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
  });
});

describe('SDK call scanner', () => {
  let workDir: string | undefined;

  afterEach(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    workDir = undefined;
  });

  /** Writes source files into a fresh folder and returns its path. */
  function writeSources(files: Record<string, string>): string {
    workDir = mkdtempSync(join(tmpdir(), 'itsm-sync-sdk-scan-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(workDir, name)), { recursive: true });
      writeFileSync(join(workDir, name), text);
    }
    return workDir;
  }

  function scan(root: string, entry = 'main.ts'): string[] {
    const aggregated = new Map([['@aws-sdk/client-sqs', new Set(['SQS'])]]);
    return findReachableFiles(join(root, entry))
      .flatMap((file) => findSdkCalls(file, root, aggregated))
      .map((call) => `${call.file} ${call.operation}`)
      .sort();
  }

  it('finds named, aliased and namespace imports', () => {
    const root = writeSources({
      'main.ts': [
        "import { ReceiveMessageCommand, DeleteMessageCommand as Delete, SQSClient } from '@aws-sdk/client-sqs';",
        "import * as hub from '@aws-sdk/client-securityhub';",
        "import { paginateGetFindings } from '@aws-sdk/client-securityhub';",
        'const client = new SQSClient({});',
        'await client.send(new ReceiveMessageCommand({ QueueUrl: "q" }));',
        'const commands = { Delete };',
        'await new hub.SecurityHubClient({}).send(new hub.BatchUpdateFindingsCommand({ FindingIdentifiers: [] }));',
        'for await (const page of paginateGetFindings({ client: new hub.SecurityHubClient({}) }, {})) void page;',
      ].join('\n'),
    });
    expect(scan(root)).toEqual(['main.ts BatchUpdateFindings', 'main.ts DeleteMessage', 'main.ts GetFindings', 'main.ts ReceiveMessage']);
  });

  it('ignores types, comments and unused imports', () => {
    const root = writeSources({
      'main.ts': [
        "import type { SendMessageCommand } from '@aws-sdk/client-sqs';",
        "import { type PurgeQueueCommand, type Message, ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';",
        '// new DeleteQueueCommand({}) would need sqs:DeleteQueue',
        'const text = "new CreateQueueCommand({})";',
        'let command: SendMessageCommand | PurgeQueueCommand | undefined;',
        'let visibility: typeof ChangeMessageVisibilityCommand | undefined;',
        'let message: Message | undefined;',
      ].join('\n'),
    });
    expect(scan(root)).toEqual([]);
  });

  it('follows value imports only', () => {
    const root = writeSources({
      'main.ts': "import { consume } from './intake/consumer.js';\nimport type { Shape } from './types.js';\nawait import('./lazy.js');\nconsume();",
      'intake/consumer.ts': "import { DeleteMessageCommand } from '@aws-sdk/client-sqs';\nexport const consume = () => new DeleteMessageCommand({});",
      'types.ts': "import { PurgeQueueCommand } from '@aws-sdk/client-sqs';\nexport type Shape = PurgeQueueCommand;\nnew PurgeQueueCommand({});",
      'lazy.ts': "import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';\nexport default new GetQueueUrlCommand({});",
      'demo.ts': "import { SendMessageCommand } from '@aws-sdk/client-sqs';\nnew SendMessageCommand({});",
    });
    expect(scan(root)).toEqual(['intake/consumer.ts DeleteMessage', 'lazy.ts GetQueueUrl']);
  });

  it('rejects the aggregated client', () => {
    const root = writeSources({ 'main.ts': "import { SQS } from '@aws-sdk/client-sqs';\nawait new SQS({}).receiveMessage({ QueueUrl: 'q' });" });
    expect(() => scan(root)).toThrow(UnsupportedSdkUsageError);
    expect(() => scan(root)).toThrow(/aggregated client SQS/);
  });

  it('rejects packages it cannot map', () => {
    const credentials = writeSources({ 'main.ts': "import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';\nfromTemporaryCredentials({ params: { RoleArn: 'r' } });" });
    expect(() => scan(credentials)).toThrow(/@aws-sdk\/credential-providers/);

    const unknownClient = writeSources({ 'main.ts': "import { GetItemCommand } from '@aws-sdk/client-dynamodb';\nnew GetItemCommand({});" });
    expect(() => scan(unknownClient)).toThrow(/no IAM prefix/);
  });

  it('rejects a computed dynamic import', () => {
    const root = writeSources({ 'main.ts': "const name = './x.js';\nawait import(name);" });
    expect(() => scan(root)).toThrow(/computed module name/);
  });

  it('reports a missing imported file', () => {
    const root = writeSources({ 'main.ts': "import { gone } from './gone.js';\ngone();" });
    expect(() => scan(root)).toThrow(/imports "\.\/gone\.js"/);
  });
});

describe('IAM action names', () => {
  it('map an operation to prefix and name', () => {
    expect(iamActionFor({ packageName: '@aws-sdk/client-sqs', operation: 'ReceiveMessage' }, repositoryRoot)).toBe('sqs:ReceiveMessage');
    expect(iamActionFor({ packageName: '@aws-sdk/client-securityhub', operation: 'BatchUpdateFindings' }, repositoryRoot)).toBe(
      'securityhub:BatchUpdateFindings',
    );
  });

  it('follow the SDK documentation for V2 operations', () => {
    // The Security Hub API documents that both V2 operations are authorized by the V1 action.
    expect(iamActionFor({ packageName: '@aws-sdk/client-securityhub', operation: 'BatchUpdateFindingsV2' }, repositoryRoot)).toBe(
      'securityhub:BatchUpdateFindings',
    );
    expect(iamActionFor({ packageName: '@aws-sdk/client-securityhub', operation: 'GetFindingsV2' }, repositoryRoot)).toBe('securityhub:GetFindings');
  });

  it('reject an unknown operation', () => {
    expect(() => iamActionFor({ packageName: '@aws-sdk/client-sqs', operation: 'ReceiveMessages' }, repositoryRoot)).toThrow(/no command ReceiveMessagesCommand/);
  });

  it('reject an unknown package', () => {
    expect(() => iamActionFor({ packageName: '@aws-sdk/client-dynamodb', operation: 'GetItem' }, repositoryRoot)).toThrow(/No IAM prefix/);
  });
});
