/**
 * Building the change request record and view from GetAutomationExecution and GetOpsItem output.
 * The corpus wire responses go through the real SSMClient (over a loopback server), so the view is
 * built from the SDK output exactly as AWS would produce it.
 */
import {
  GetAutomationExecutionCommand,
  GetOpsItemCommand,
  type AutomationExecution,
  type OpsItem,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { recordFieldsOf } from '../../../src/rules/record-fields.js';
import {
  automationConsoleUrl,
  changeRequestIdentity,
  changeRequestToRecord,
} from '../../../src/sources/change-request/change-request-record.js';
import { ssmFixture } from '../../integration/ssm/support.js';
import { ok, startWireServer, type WireServer } from './support.js';

const EXECUTION_ID = '9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e';
const CONTEXT = { executionId: EXECUTION_ID, account: '111122223333', region: 'us-east-1' };
const START = 1741618800; // 2025-03-10T15:00:00Z in epoch seconds, as on the wire

let server: WireServer;

beforeAll(async () => {
  server = await startWireServer();
});

afterAll(async () => {
  await server.stop();
});

/** The SDK output of GetAutomationExecution for a wire body. */
async function sdkExecution(wire: Record<string, unknown>): Promise<AutomationExecution> {
  server.on('GetAutomationExecution', () => ok({ AutomationExecution: wire }));
  const output = await server.client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: EXECUTION_ID }));
  return output.AutomationExecution!;
}

/** The SDK output of GetOpsItem for a wire body. */
async function sdkOpsItem(wire: Record<string, unknown>): Promise<OpsItem> {
  server.on('GetOpsItem', () => ok({ OpsItem: wire }));
  const output = await server.client.send(new GetOpsItemCommand({ OpsItemId: String(wire.OpsItemId) }));
  return output.OpsItem!;
}

function corpusExecution(): Record<string, unknown> {
  return ssmFixture<{ AutomationExecution: Record<string, unknown> }>('get-automation-execution-changerequest.wire-response.json').AutomationExecution;
}

function corpusOpsItem(): Record<string, unknown> {
  return ssmFixture<{ OpsItem: Record<string, unknown> }>('get-ops-item-changerequest.wire-response.json').OpsItem;
}

/** A plain Automation runbook execution on the wire, waiting at its aws:approve step. */
function waitingRunbook(): Record<string, unknown> {
  return {
    AutomationExecutionId: EXECUTION_ID,
    DocumentName: 'RestartWebTierWithApproval',
    DocumentVersion: '2',
    ExecutionStartTime: START,
    AutomationExecutionStatus: 'Waiting',
    Mode: 'Auto',
    ExecutedBy: 'arn:aws:sts::111122223333:assumed-role/OpsEngineer/casey.example',
    Parameters: { InstanceId: ['i-0a1b2c3d4e5f60718'] },
    Targets: [{ Key: 'tag:Role', Values: ['web'] }],
    CurrentStepName: 'approve',
    CurrentAction: 'aws:approve',
    StepExecutionsTruncated: false,
    StepExecutions: [
      {
        StepName: 'approve',
        Action: 'aws:approve',
        StepStatus: 'Waiting',
        ExecutionStartTime: START + 1,
        Inputs: {
          Approvers: '["arn:aws:iam::111122223333:role/ItsmSyncTaskRole","arn:aws:iam::111122223333:user/avery"]',
          MinRequiredApprovals: '1',
        },
      },
      { StepName: 'restart', Action: 'aws:executeAutomation', StepStatus: 'Pending' },
    ],
  };
}

describe('Change Manager change request', () => {
  let execution: AutomationExecution;
  let opsItem: OpsItem;

  beforeAll(async () => {
    execution = await sdkExecution(corpusExecution());
    opsItem = await sdkOpsItem(corpusOpsItem());
  });

  it('builds the record keys', () => {
    const { record, problems } = changeRequestToRecord(execution, { ...CONTEXT, opsItem });

    expect(problems).toEqual([]);
    expect(record.kind).toBe('change-request');
    expect(record.format).toBe('change-manager');
    expect(record.identity).toBe(`change-request|111122223333|us-east-1|${EXECUTION_ID}`);
    expect(record.displayId).toBe(EXECUTION_ID);
    expect(record.writebackKey).toEqual({ executionId: EXECUTION_ID, region: 'us-east-1', account: '111122223333', opsItemId: 'oi-7e6d5c4b3a21' });
  });

  it('takes updatedAt from the latest time', () => {
    const { record } = changeRequestToRecord(execution, { ...CONTEXT, opsItem });

    // The OpsItem changed 1.4 seconds after the execution started.
    expect(record.updatedAt).toBe('2025-03-10T15:00:01.502Z');
    expect(changeRequestToRecord(execution, CONTEXT).record.updatedAt).toBe('2025-03-10T15:00:00.118Z');
  });

  it('builds the view', () => {
    const { view } = changeRequestToRecord(execution, { ...CONTEXT, opsItem }).record;

    expect(view).toMatchObject({
      id: EXECUTION_ID,
      opsItemId: 'oi-7e6d5c4b3a21',
      kind: 'change-manager',
      title: 'Restart web tier - weekly',
      status: 'PendingApproval',
      waitingForApproval: true,
      calendarOverride: false,
      templateName: 'Example-RestartWebTierChangeTemplate',
      templateVersion: '1',
      documentName: 'AWS-RestartEC2Instance',
      targets: [],
      scheduledTime: '2025-03-10T23:00:00.000Z',
      scheduledEndTime: '2025-03-11T00:00:00.000Z',
      requester: 'arn:aws:sts::111122223333:assumed-role/OpsEngineer/casey.example',
      approvers: ['arn:aws:iam::111122223333:group/ChangeApprovers'],
      changeDetails: '### Document Name: Example-RestartWebTierChangeTemplate\n\n## What does this document do?\nRestarts the web tier instances.',
      steps: [],
      failedStep: null,
      outcome: 'waiting',
      executionStartTime: '2025-03-10T15:00:00.118Z',
      executionEndTime: null,
      account: '111122223333',
      region: 'us-east-1',
      consoleUrl: `https://us-east-1.console.aws.amazon.com/systems-manager/automation/execution/${EXECUTION_ID}?region=us-east-1`,
    });
  });

  it('lists runbooks and parameters', () => {
    const { view } = changeRequestToRecord(execution, { ...CONTEXT, opsItem }).record;

    expect(view.runbooks).toEqual([
      {
        documentName: 'AWS-RestartEC2Instance',
        documentVersion: '$DEFAULT',
        parameters: { InstanceId: ['i-0a1b2c3d4e5f60718'], AutomationAssumeRole: ['arn:aws:iam::111122223333:role/ChangeManagerAssumeRole'] },
      },
    ]);
    expect(view.parameters).toEqual({
      Approver: ['ChangeApprovers'],
      ApproverType: ['IamGroup'],
      ApproverSnsTopicArn: ['arn:aws:sns:us-east-1:111122223333:change-approvers'],
    });
  });

  it('keeps raw JSON-shaped', () => {
    const { view } = changeRequestToRecord(execution, { ...CONTEXT, opsItem }).record;

    expect(view.raw.execution.ScheduledTime).toBe('2025-03-10T23:00:00.000Z');
    expect(view.raw.execution.AutomationSubtype).toBe('ChangeRequest');
    expect(view.raw.opsItem?.PlannedEndTime).toBe('2025-03-11T00:00:00.000Z');
    expect(view.raw.opsItem?.Source).toBe('ChangeManager');
    expect(JSON.parse(JSON.stringify(view.raw))).toEqual(view.raw);
  });

  it('builds without its OpsItem', () => {
    const { record } = changeRequestToRecord(execution, CONTEXT);

    expect(record.view.kind).toBe('change-manager');
    expect(record.view.opsItemId).toBe('oi-7e6d5c4b3a21');
    expect(record.view.scheduledEndTime).toBeNull();
    expect(record.view.changeDetails).toBeNull();
    expect(record.view.raw.opsItem).toBeNull();
  });

  it('takes the title from the OpsItem', () => {
    const { ChangeRequestName: _name, ...unnamed } = execution;

    expect(changeRequestToRecord(unnamed, { ...CONTEXT, opsItem }).record.view.title).toBe('Restart web tier - weekly');
    expect(changeRequestToRecord(unnamed, CONTEXT).record.view.title).toBe('AWS-RestartEC2Instance');
  });

  it('matches the checked field list', () => {
    const { view } = changeRequestToRecord(execution, { ...CONTEXT, opsItem }).record;

    expect([...recordFieldsOf('change-request')!].sort()).toEqual(Object.keys(view).sort());
  });
});

describe('plain Automation execution', () => {
  it('waits at an aws:approve step', async () => {
    const { record, problems } = changeRequestToRecord(await sdkExecution(waitingRunbook()), CONTEXT);
    const view = record.view;

    expect(problems).toEqual([]);
    expect(record.format).toBe('automation');
    expect(record.writebackKey).toEqual({ executionId: EXECUTION_ID, region: 'us-east-1', account: '111122223333' });
    expect(record.updatedAt).toBe('2025-03-10T15:00:01.000Z');
    expect(view.kind).toBe('automation');
    expect(view.opsItemId).toBeNull();
    expect(view.title).toBe('RestartWebTierWithApproval');
    expect(view.templateName).toBeNull();
    expect(view.templateVersion).toBeNull();
    expect(view.documentName).toBe('RestartWebTierWithApproval');
    expect(view.runbooks).toEqual([]);
    expect(view.changeDetails).toBeNull();
    expect(view.waitingForApproval).toBe(true);
    expect(view.outcome).toBe('waiting');
    expect(view.targets).toEqual([{ key: 'tag:Role', values: ['web'] }]);
    expect(view.approvers).toEqual(['arn:aws:iam::111122223333:role/ItsmSyncTaskRole', 'arn:aws:iam::111122223333:user/avery']);
    expect(view.steps).toEqual([
      { name: 'approve', action: 'aws:approve', status: 'Waiting', startTime: '2025-03-10T15:00:01.000Z', endTime: null, failureMessage: null },
      { name: 'restart', action: 'aws:executeAutomation', status: 'Pending', startTime: null, endTime: null, failureMessage: null },
    ]);
  });

  it('waits for approval while InProgress', async () => {
    const wire = waitingRunbook();
    wire.AutomationExecutionStatus = 'InProgress';
    (wire.StepExecutions as Array<Record<string, unknown>>)[0]!.StepStatus = 'InProgress';

    const { view } = changeRequestToRecord(await sdkExecution(wire), CONTEXT).record;

    expect(view.waitingForApproval).toBe(true);
    expect(view.outcome).toBe('waiting');
  });

  it('does not count an aws:pause step', async () => {
    const wire = waitingRunbook();
    (wire.StepExecutions as Array<Record<string, unknown>>)[0] = { StepName: 'pause', Action: 'aws:pause', StepStatus: 'Waiting', ExecutionStartTime: START + 1 };

    const { view } = changeRequestToRecord(await sdkExecution(wire), CONTEXT).record;

    expect(view.waitingForApproval).toBe(false);
    expect(view.outcome).toBe('waiting');
    expect(view.approvers).toEqual([]);
  });

  it('reports the failed step', async () => {
    const wire = waitingRunbook();
    wire.AutomationExecutionStatus = 'Failed';
    wire.ExecutionEndTime = START + 95;
    wire.FailureMessage = 'Step fails when it is Executing. Fail message: instance not found';
    wire.StepExecutions = [
      { StepName: 'approve', Action: 'aws:approve', StepStatus: 'Success', ExecutionStartTime: START + 1, ExecutionEndTime: START + 60 },
      {
        StepName: 'restart',
        Action: 'aws:executeAutomation',
        StepStatus: 'Failed',
        ExecutionStartTime: START + 61,
        ExecutionEndTime: START + 90,
        FailureMessage: 'InvalidInstanceID.NotFound: i-0a1b2c3d4e5f60718',
      },
    ];

    const { record } = changeRequestToRecord(await sdkExecution(wire), CONTEXT);

    expect(record.view.outcome).toBe('failed');
    expect(record.view.waitingForApproval).toBe(false);
    expect(record.view.failedStep).toEqual({ name: 'restart', message: 'InvalidInstanceID.NotFound: i-0a1b2c3d4e5f60718' });
    expect(record.view.executionEndTime).toBe('2025-03-10T15:01:35.000Z');
    expect(record.updatedAt).toBe('2025-03-10T15:01:35.000Z');
  });

  it('falls back to the execution failure message', async () => {
    const wire = waitingRunbook();
    wire.AutomationExecutionStatus = 'TimedOut';
    wire.FailureMessage = 'Step timed out while waiting for approval';
    wire.StepExecutions = [{ StepName: 'approve', Action: 'aws:approve', StepStatus: 'TimedOut', ExecutionStartTime: START + 1, ExecutionEndTime: START + 1000 }];

    const { view } = changeRequestToRecord(await sdkExecution(wire), CONTEXT).record;

    expect(view.outcome).toBe('timed-out');
    expect(view.failedStep).toEqual({ name: 'approve', message: 'Step timed out while waiting for approval' });
  });

  it('uses the steps the caller read', async () => {
    const wire = waitingRunbook();
    wire.StepExecutionsTruncated = true;
    const execution = await sdkExecution(wire);
    const steps: StepExecution[] = [
      ...execution.StepExecutions!,
      { StepName: 'verify', Action: 'aws:assertAwsResourceProperty', StepStatus: 'Pending' },
    ];

    const { view } = changeRequestToRecord(execution, { ...CONTEXT, steps }).record;

    expect(view.steps.map((step) => step.name)).toEqual(['approve', 'restart', 'verify']);
  });
});

describe('outcome', () => {
  it.each([
    ['Pending', 'running'],
    ['InProgress', 'running'],
    ['RunbookInProgress', 'running'],
    ['Approved', 'running'],
    ['ChangeCalendarOverrideApproved', 'running'],
    ['Scheduled', 'waiting'],
    ['Waiting', 'waiting'],
    ['PendingApproval', 'waiting'],
    ['PendingChangeCalendarOverride', 'waiting'],
    ['Success', 'success'],
    ['CompletedWithSuccess', 'success'],
    ['Failed', 'failed'],
    ['CompletedWithFailure', 'failed'],
    ['TimedOut', 'timed-out'],
    ['Cancelling', 'cancelled'],
    ['Cancelled', 'cancelled'],
    ['Exited', 'cancelled'],
    ['Rejected', 'rejected'],
    ['ChangeCalendarOverrideRejected', 'rejected'],
  ])('maps %s to %s', (status, outcome) => {
    const { record, problems } = changeRequestToRecord({ AutomationExecutionId: EXECUTION_ID, AutomationExecutionStatus: status as never }, CONTEXT);

    expect(record.view.outcome).toBe(outcome);
    expect(problems).toEqual([]);
  });

  it('reports an unknown status', () => {
    const { record, problems } = changeRequestToRecord({ AutomationExecutionId: EXECUTION_ID, AutomationExecutionStatus: 'Paused' as never }, CONTEXT);

    expect(record.view.outcome).toBe('running');
    expect(problems).toEqual(['AutomationExecutionStatus "Paused" is not known to this version, so the outcome is "running"']);
  });

  it('flags a calendar override', () => {
    const { view } = changeRequestToRecord({ AutomationExecutionId: EXECUTION_ID, AutomationExecutionStatus: 'PendingChangeCalendarOverride', AutomationSubtype: 'ChangeRequest' }, CONTEXT).record;

    expect(view.calendarOverride).toBe(true);
    expect(view.waitingForApproval).toBe(true);
  });

  it('does not wait once approved', () => {
    const { view } = changeRequestToRecord({ AutomationExecutionId: EXECUTION_ID, AutomationExecutionStatus: 'Approved', AutomationSubtype: 'ChangeRequest' }, CONTEXT).record;

    expect(view.waitingForApproval).toBe(false);
    expect(view.calendarOverride).toBe(false);
  });
});

describe('approvers', () => {
  it('merges event, parameter and step approvers', () => {
    const execution: AutomationExecution = {
      AutomationExecutionId: EXECUTION_ID,
      AutomationExecutionStatus: 'PendingApproval',
      Parameters: { Approver: ['arn:aws:iam::111122223333:role/ItsmSyncTaskRole', 'release-managers'], ApproverType: ['IamRole'] },
    };

    const { view } = changeRequestToRecord(execution, {
      ...CONTEXT,
      eventApprovers: ['arn:aws:iam::111122223333:role/ItsmSyncTaskRole', 'arn:aws:iam::111122223333:user/avery'],
    }).record;

    expect(view.approvers).toEqual([
      'arn:aws:iam::111122223333:role/ItsmSyncTaskRole',
      'arn:aws:iam::111122223333:role/release-managers',
      'arn:aws:iam::111122223333:user/avery',
    ]);
  });

  it('builds ARNs in the Region partition', () => {
    const execution: AutomationExecution = { AutomationExecutionId: EXECUTION_ID, Parameters: { Approver: ['Approvers'], ApproverType: ['IamGroup'] } };

    const { view } = changeRequestToRecord(execution, { ...CONTEXT, region: 'cn-north-1' }).record;

    expect(view.approvers).toEqual(['arn:aws-cn:iam::111122223333:group/Approvers']);
  });

  it('skips names of other approver types', () => {
    const execution: AutomationExecution = { AutomationExecutionId: EXECUTION_ID, Parameters: { Approver: ['casey'], ApproverType: ['SsoUser'] } };

    expect(changeRequestToRecord(execution, CONTEXT).record.view.approvers).toEqual([]);
  });

  it('reports an unreadable Approvers input', () => {
    const execution: AutomationExecution = {
      AutomationExecutionId: EXECUTION_ID,
      StepExecutions: [{ StepName: 'approve', Action: 'aws:approve', StepStatus: 'Waiting', Inputs: { Approvers: '[arn:aws:iam::111122223333:user/avery' } }],
    };

    const { record, problems } = changeRequestToRecord(execution, CONTEXT);

    expect(record.view.approvers).toEqual([]);
    expect(problems).toEqual(['the Approvers input of step "approve" is not a JSON list, so its approvers are left out']);
  });

  it('reads a single approver as text', () => {
    const execution: AutomationExecution = {
      AutomationExecutionId: EXECUTION_ID,
      StepExecutions: [{ StepName: 'approve', Action: 'aws:approve', StepStatus: 'Waiting', Inputs: { Approvers: 'arn:aws:iam::111122223333:user/avery' } }],
    };

    expect(changeRequestToRecord(execution, CONTEXT).record.view.approvers).toEqual(['arn:aws:iam::111122223333:user/avery']);
  });
});

describe('helpers', () => {
  it('builds the identity', () => {
    expect(changeRequestIdentity('444455556666', 'eu-west-1', EXECUTION_ID)).toBe(`change-request|444455556666|eu-west-1|${EXECUTION_ID}`);
  });

  it('builds the console link', () => {
    expect(automationConsoleUrl('eu-west-1', EXECUTION_ID)).toBe(
      `https://eu-west-1.console.aws.amazon.com/systems-manager/automation/execution/${EXECUTION_ID}?region=eu-west-1`,
    );
  });
});
