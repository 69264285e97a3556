/**
 * The Automation and Change Manager side of the SSM simulator, driven through the real SDK client
 * over loopback: documents, StartAutomationExecution, StartChangeRequestExecution,
 * GetAutomationExecution, DescribeAutomationExecutions, SendAutomationSignal, the test helpers,
 * the change calendar, the events and injected faults.
 */
import {
  AutomationDefinitionNotFoundException,
  AutomationDefinitionVersionNotFoundException,
  AutomationExecutionNotFoundException,
  AutomationStepNotFoundException,
  DescribeAutomationExecutionsCommand,
  GetAutomationExecutionCommand,
  GetOpsItemCommand,
  IdempotentParameterMismatch,
  InvalidAutomationExecutionParametersException,
  InvalidAutomationSignalException,
  SendAutomationSignalCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  StartChangeRequestExecutionCommand,
  ThrottlingException,
  ValidationException,
  type AutomationExecution,
  type SendAutomationSignalCommandInput,
  type StartChangeRequestExecutionCommandInput,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import {
  ExecutionStateError,
  InvalidDocumentDefinitionError,
  startSsmSimulator,
  type SimulatedAutomationExecution,
  type SsmSimulator,
} from '../../../src/simulators/ssm/server.js';
import { eventFixture, rejectionOf, ssmFixture, steppingClock, TEST_CREDENTIALS } from './support.js';

const START = '2025-03-10T15:00:00.000Z';
const CALLER = 'arn:aws:sts::111122223333:assumed-role/ItsmSyncTaskRole/itsm-sync';
const CALLER_ROLE = 'arn:aws:iam::111122223333:role/ItsmSyncTaskRole';
const OTHER_ROLE = 'arn:aws:iam::111122223333:role/ChangeAdvisoryBoard';

/** Returns the StartChangeRequestExecution request of the fixtures, with its timestamps as the SDK takes them. */
function corpusChangeRequest(): StartChangeRequestExecutionCommandInput {
  const request = ssmFixture<Record<string, unknown>>('start-change-request-execution.request.json');
  return {
    ...request,
    ScheduledTime: new Date((request.ScheduledTime as number) * 1000),
    ScheduledEndTime: new Date((request.ScheduledEndTime as number) * 1000),
  } as StartChangeRequestExecutionCommandInput;
}

let simulator: SsmSimulator;
let client: SSMClient;
let events: EventBridgeEvent[];

beforeEach(async () => {
  simulator = await startSsmSimulator({ clock: steppingClock(START), callerArn: CALLER });
  events = [];
  simulator.onEvent((event) => {
    events.push(event);
  });
  // One attempt, so each test gets exactly the responses the simulator sent.
  client = new SSMClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await simulator.stop();
});

async function getExecution(id: string): Promise<AutomationExecution> {
  const { AutomationExecution } = await client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
  return AutomationExecution!;
}

async function signal(input: SendAutomationSignalCommandInput): Promise<void> {
  await client.send(new SendAutomationSignalCommand(input));
}

function eventsOfType(detailType: string): EventBridgeEvent[] {
  return events.filter((event) => event['detail-type'] === detailType);
}

function detailOf(event: EventBridgeEvent | undefined): Record<string, unknown> {
  return (event?.detail ?? {}) as Record<string, unknown>;
}

/** Returns the JSON type of each member, to compare an emitted shape with a fixture's. */
function typesOf(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, Array.isArray(member) ? 'array' : typeof member]));
}

const AUTOMATION_TIME = /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/;

describe('documents', () => {
  it('registers a runbook that executions can start', async () => {
    simulator.registerDocument({
      name: 'RotateDatabaseCredentials',
      version: '2',
      parameters: { ClusterId: { type: 'String', allowedPattern: '^db-[a-z0-9]+$' } },
      steps: [{ name: 'rotate', action: 'aws:executeAwsApi' }],
    });

    const { AutomationExecutionId } = await client.send(
      new StartAutomationExecutionCommand({ DocumentName: 'RotateDatabaseCredentials', Parameters: { ClusterId: ['db-orders'] } }),
    );
    const execution = await getExecution(AutomationExecutionId!);

    expect(execution.DocumentVersion).toBe('2');
    expect(execution.AutomationExecutionStatus).toBe('InProgress');
    expect(execution.StepExecutions?.[0]?.StepStatus).toBe('InProgress');
  });

  it.each([
    ['name', { name: 'x', steps: [{ name: 'a', action: 'aws:sleep' }] }],
    ['version', { name: 'Runbook', version: 'v2', steps: [{ name: 'a', action: 'aws:sleep' }] }],
    ['steps', { name: 'Runbook', steps: [] }],
    ['steps[0].action', { name: 'Runbook', steps: [{ name: 'a', action: 'sleep' }] }],
    ['steps[1].name', { name: 'Runbook', steps: [{ name: 'a', action: 'aws:sleep' }, { name: 'a', action: 'aws:sleep' }] }],
    ['steps[0].approvers', { name: 'Runbook', steps: [{ name: 'a', action: 'aws:sleep', approvers: [CALLER_ROLE] }] }],
    ['parameters.Mode.type', { name: 'Runbook', parameters: { Mode: { type: 'Text' } }, steps: [{ name: 'a', action: 'aws:sleep' }] }],
    ['parameters.Mode.allowedPattern', { name: 'Runbook', parameters: { Mode: { type: 'String', allowedPattern: '(' } }, steps: [{ name: 'a', action: 'aws:sleep' }] }],
  ])('rejects a definition with a bad %s', (field, definition) => {
    const error = (() => {
      try {
        simulator.registerDocument(definition as never);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(InvalidDocumentDefinitionError);
    expect((error as InvalidDocumentDefinitionError).field).toBe(field);
  });

  it('keeps the sample documents after reset', async () => {
    simulator.registerDocument({ name: 'Temporary', steps: [{ name: 'a', action: 'aws:sleep' }] });
    simulator.reset();

    const missing = await rejectionOf(client.send(new StartAutomationExecutionCommand({ DocumentName: 'Temporary' })));
    const sample = await client.send(new StartAutomationExecutionCommand({ DocumentName: 'AWS-RestartEC2Instance', Parameters: { InstanceId: ['i-0a1b2c3d4e5f60718'] } }));

    expect(missing).toBeInstanceOf(AutomationDefinitionNotFoundException);
    expect(sample.AutomationExecutionId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('StartAutomationExecution', () => {
  it('waits at the aws:approve step', async () => {
    const { AutomationExecutionId } = await client.send(
      new StartAutomationExecutionCommand({ DocumentName: 'RestartWebTierWithApproval', Parameters: { Approvers: [CALLER_ROLE] } }),
    );
    const execution = await getExecution(AutomationExecutionId!);

    expect(execution.AutomationExecutionStatus).toBe('Waiting');
    expect(execution.CurrentStepName).toBe('approveRestart');
    expect(execution.CurrentAction).toBe('aws:approve');
    expect(execution.StepExecutions?.map((step) => [step.StepName, step.StepStatus])).toEqual([
      ['approveRestart', 'Waiting'],
      ['stopInstances', 'Pending'],
      ['startInstances', 'Pending'],
    ]);
    expect(execution.StepExecutions?.[0]?.Inputs?.Approvers).toBe(JSON.stringify([CALLER_ROLE]));
    expect(execution.ExecutedBy).toBe(CALLER);
    expect(execution.ExecutionStartTime).toEqual(new Date(START));
    expect(execution.Mode).toBe('Auto');
  });

  it('completes the steps before the approval', async () => {
    simulator.registerDocument({
      name: 'SnapshotThenApprove',
      steps: [
        { name: 'snapshot', action: 'aws:executeAwsApi' },
        { name: 'approve', action: 'aws:approve' },
        { name: 'restore', action: 'aws:executeAwsApi' },
      ],
    });

    const { AutomationExecutionId } = await client.send(new StartAutomationExecutionCommand({ DocumentName: 'SnapshotThenApprove' }));
    const execution = await getExecution(AutomationExecutionId!);

    expect(execution.StepExecutions?.map((step) => step.StepStatus)).toEqual(['Success', 'Waiting', 'Pending']);
    expect(execution.StepExecutions?.[0]?.ExecutionEndTime).toBeInstanceOf(Date);
  });

  it('reports parameters with their defaults', async () => {
    const { AutomationExecutionId } = await client.send(
      new StartAutomationExecutionCommand({ DocumentName: 'AWS-RestartEC2Instance', Parameters: { InstanceId: ['i-0a1b2c3d4e5f60718', 'i-0fedcba9876543210'] } }),
    );
    const execution = await getExecution(AutomationExecutionId!);

    expect(execution.Parameters).toEqual({ InstanceId: ['i-0a1b2c3d4e5f60718', 'i-0fedcba9876543210'], AutomationAssumeRole: [''] });
  });

  it('rejects an unknown document', async () => {
    const error = await rejectionOf<Error>(client.send(new StartAutomationExecutionCommand({ DocumentName: 'NoSuchRunbook' })));

    expect(error).toBeInstanceOf(AutomationDefinitionNotFoundException);
    expect(error.message).toMatch(/NoSuchRunbook/);
  });

  it('rejects an unknown version', async () => {
    const error = await rejectionOf<Error>(client.send(new StartAutomationExecutionCommand({ DocumentName: 'PatchOrdersFleet', DocumentVersion: '7' })));

    expect(error).toBeInstanceOf(AutomationDefinitionVersionNotFoundException);
    expect(error.message).toMatch(/Version 7 .*PatchOrdersFleet.* 3/);
  });

  it('rejects a change template', async () => {
    const error = await rejectionOf<Error>(client.send(new StartAutomationExecutionCommand({ DocumentName: 'StandardFleetPatching' })));

    expect(error).toBeInstanceOf(AutomationDefinitionNotFoundException);
    expect(error.message).toMatch(/StartChangeRequestExecution/);
  });

  it.each([
    ['an unknown parameter', { Operation: ['Install'], Force: ['true'] }, /"Force" is not declared .*Operation, RebootOption, AutomationAssumeRole/],
    ['a value outside allowedValues', { Operation: ['Reboot'] }, /"Operation" .*"Reboot".*allowed values: Scan, Install/],
    ['a value outside allowedPattern', { AutomationAssumeRole: ['not-an-arn'] }, /"AutomationAssumeRole" .*"not-an-arn".*allowed pattern/],
    ['two values for a String', { Operation: ['Scan', 'Install'] }, /"Operation" .*type String and takes exactly one value, got 2/],
  ])('rejects %s', async (_case, parameters, message) => {
    const error = await rejectionOf<Error>(client.send(new StartAutomationExecutionCommand({ DocumentName: 'PatchOrdersFleet', Parameters: parameters })));

    expect(error).toBeInstanceOf(InvalidAutomationExecutionParametersException);
    expect(error.message).toMatch(message);
  });

  it('rejects a missing required parameter', async () => {
    const error = await rejectionOf<Error>(client.send(new StartAutomationExecutionCommand({ DocumentName: 'AWS-RestartEC2Instance' })));

    expect(error).toBeInstanceOf(InvalidAutomationExecutionParametersException);
    expect(error.message).toMatch(/"InstanceId" .*is required/);
  });

  it('returns the same execution for a repeated ClientToken', async () => {
    const request = { DocumentName: 'PatchOrdersFleet', ClientToken: '6f1f6c49-3f8a-4bd0-9d2e-1c0a7e5b9d21', Parameters: { Operation: ['Scan'] } };

    const first = await client.send(new StartAutomationExecutionCommand(request));
    const second = await client.send(new StartAutomationExecutionCommand(request));
    const mismatch = await rejectionOf(client.send(new StartAutomationExecutionCommand({ ...request, Parameters: { Operation: ['Install'] } })));

    expect(second.AutomationExecutionId).toBe(first.AutomationExecutionId);
    expect(mismatch).toBeInstanceOf(IdempotentParameterMismatch);
  });

  it('rejects rate-control members', async () => {
    const error = await rejectionOf<Error>(
      client.send(new StartAutomationExecutionCommand({ DocumentName: 'PatchOrdersFleet', MaxConcurrency: '10' })),
    );

    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toMatch(/maxConcurrency/);
  });
});

describe('StartChangeRequestExecution', () => {
  it('files the fixture request as a pending change request', async () => {
    const { AutomationExecutionId } = await client.send(new StartChangeRequestExecutionCommand(corpusChangeRequest()));
    const execution = await getExecution(AutomationExecutionId!);

    expect(execution.AutomationExecutionStatus).toBe('PendingApproval');
    expect(execution.AutomationSubtype).toBe('ChangeRequest');
    expect(execution.ChangeRequestName).toBe('Restart web tier - weekly');
    expect(execution.DocumentName).toBe('Example-RestartWebTierChangeTemplate');
    expect(execution.ScheduledTime).toEqual(new Date('2025-03-10T23:00:00Z'));
    expect(execution.StepExecutions).toEqual([]);
    expect(execution.Runbooks?.[0]?.DocumentName).toBe('AWS-RestartEC2Instance');
    expect(execution.Runbooks?.[0]?.Parameters?.InstanceId).toEqual(['i-0a1b2c3d4e5f60718']);
    expect(execution.OpsItemId).toMatch(/^oi-[0-9a-f]{12}$/);
  });

  it('answers GetAutomationExecution in the fixture shape', async () => {
    const { AutomationExecutionId } = await client.send(new StartChangeRequestExecutionCommand(corpusChangeRequest()));
    const response = await fetch(`${simulator.url}/`, {
      method: 'POST',
      headers: {
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIAITSMSYNCTESTONLY/20250310/us-east-1/ssm/aws4_request',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonSSM.GetAutomationExecution',
      },
      body: JSON.stringify({ AutomationExecutionId }),
    });
    const wire = ((await response.json()) as { AutomationExecution: Record<string, unknown> }).AutomationExecution;
    const fixture = ssmFixture<{ AutomationExecution: Record<string, unknown> }>('get-automation-execution-changerequest.wire-response.json').AutomationExecution;

    expect(Object.keys(wire).sort()).toEqual(Object.keys(fixture).sort());
    expect(typesOf(wire)).toEqual(typesOf(fixture));
    expect(wire.Parameters).toEqual({ ...(fixture.Parameters as object) });
    expect(wire.ResolvedTargets).toEqual(fixture.ResolvedTargets);
  });

  it('creates the change request OpsItem', async () => {
    const { AutomationExecutionId } = await client.send(new StartChangeRequestExecutionCommand(corpusChangeRequest()));
    const opsItemId = simulator.getAutomationExecution(AutomationExecutionId!)!.OpsItemId!;

    const { OpsItem } = await client.send(new GetOpsItemCommand({ OpsItemId: opsItemId }));

    expect(OpsItem?.OpsItemType).toBe('/aws/changerequest');
    expect(OpsItem?.Source).toBe('ChangeManager');
    expect(OpsItem?.Status).toBe('PendingApproval');
    expect(OpsItem?.Title).toBe('Restart web tier - weekly');
    expect(OpsItem?.Description).toBe('Weekly rolling restart of the web tier.\n\nRollback: none required.');
    expect(OpsItem?.CreatedBy).toBe(CALLER);
    expect(OpsItem?.Notifications).toEqual([{ Arn: 'arn:aws:sns:us-east-1:111122223333:change-approvers' }]);
    expect(OpsItem?.PlannedStartTime).toEqual(new Date('2025-03-10T23:00:00Z'));
    expect(OpsItem?.PlannedEndTime).toEqual(new Date('2025-03-11T00:00:00Z'));
    expect(OpsItem?.OperationalData).toEqual({});
  });

  it('takes the template information without ChangeDetails', async () => {
    const { ChangeDetails: _details, ...request } = corpusChangeRequest();

    const { AutomationExecutionId } = await client.send(new StartChangeRequestExecutionCommand(request));
    const item = simulator.getOpsItem(simulator.getAutomationExecution(AutomationExecutionId!)!.OpsItemId!);

    expect(item?.Description).toMatch(/^### Document Name: Example-RestartWebTierChangeTemplate/);
  });

  it('runs an auto-approved change request at once', async () => {
    const { AutomationExecutionId } = await client.send(
      new StartChangeRequestExecutionCommand({
        DocumentName: 'StandardFleetPatching',
        ChangeRequestName: 'Patch orders fleet to latest AMI',
        AutoApprove: true,
        Parameters: { Approver: ['ChangeApprovers'], ApproverType: ['IamGroup'] },
        Runbooks: [{ DocumentName: 'PatchOrdersFleet', Parameters: { Operation: ['Install'] } }],
      }),
    );
    const execution = simulator.getAutomationExecution(AutomationExecutionId!)!;

    expect(execution.AutomationExecutionStatus).toBe('InProgress');
    expect(execution.StepExecutions.map((step) => [step.StepName, step.StepStatus])).toEqual([
      ['patchInstances', 'InProgress'],
      ['verifyHealth', 'Pending'],
    ]);
    expect(simulator.getOpsItem(execution.OpsItemId!)?.Status).toBe('InProgress');
  });

  it('schedules an auto-approved change request for later', async () => {
    const { AutomationExecutionId } = await client.send(
      new StartChangeRequestExecutionCommand({
        DocumentName: 'StandardFleetPatching',
        AutoApprove: true,
        ScheduledTime: new Date('2025-03-11T02:00:00Z'),
        Parameters: { Approver: ['ChangeApprovers'], ApproverType: ['IamGroup'] },
        Runbooks: [{ DocumentName: 'PatchOrdersFleet' }],
      }),
    );
    const execution = simulator.getAutomationExecution(AutomationExecutionId!)!;

    expect(execution.AutomationExecutionStatus).toBe('Scheduled');
    expect(execution.ChangeRequestName).toBe('StandardFleetPatching');
    expect(simulator.getOpsItem(execution.OpsItemId!)?.Status).toBe('Scheduled');
  });

  it('rejects AutoApprove on a template that forbids it', async () => {
    const error = await rejectionOf<Error>(client.send(new StartChangeRequestExecutionCommand({ ...corpusChangeRequest(), AutoApprove: true })));

    expect(error).toBeInstanceOf(InvalidAutomationExecutionParametersException);
    expect(error.message).toMatch(/Example-RestartWebTierChangeTemplate does not allow auto-approval/);
  });

  it('checks the runbook parameters', async () => {
    const request = corpusChangeRequest();
    request.Runbooks![0]!.Parameters = { InstanceId: ['web-1'] };

    const error = await rejectionOf<Error>(client.send(new StartChangeRequestExecutionCommand(request)));

    expect(error).toBeInstanceOf(InvalidAutomationExecutionParametersException);
    expect(error.message).toMatch(/"InstanceId" of document AWS-RestartEC2Instance has value "web-1"/);
  });

  it('rejects a runbook as template', async () => {
    const error = await rejectionOf<Error>(client.send(new StartChangeRequestExecutionCommand({ ...corpusChangeRequest(), DocumentName: 'PatchOrdersFleet' })));

    expect(error).toBeInstanceOf(AutomationDefinitionNotFoundException);
    expect(error.message).toMatch(/not a change template/);
  });

  it('rejects two runbooks', async () => {
    const request = corpusChangeRequest();
    request.Runbooks = [request.Runbooks![0]!, request.Runbooks![0]!];

    const error = await rejectionOf<Error>(client.send(new StartChangeRequestExecutionCommand(request)));

    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toMatch(/runbooks/);
  });

  it('rejects an end before the start', async () => {
    const error = await rejectionOf<Error>(
      client.send(new StartChangeRequestExecutionCommand({ ...corpusChangeRequest(), ScheduledEndTime: new Date('2025-03-10T22:00:00Z') })),
    );

    expect(error).toBeInstanceOf(InvalidAutomationExecutionParametersException);
    expect(error.message).toMatch(/ScheduledEndTime 2025-03-10T22:00:00.000Z is before ScheduledTime 2025-03-10T23:00:00.000Z/);
  });
});

describe('GetAutomationExecution', () => {
  it('rejects an unknown id', async () => {
    const error = await rejectionOf<Error>(client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: '00000000-0000-4000-8000-000000000000' })));

    expect(error).toBeInstanceOf(AutomationExecutionNotFoundException);
    expect(error.message).toMatch(/00000000-0000-4000-8000-000000000000/);
  });

  it('rejects an id of the wrong length', async () => {
    const error = await rejectionOf(client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: 'abc' })));

    expect(error).toBeInstanceOf(ValidationException);
  });
});

describe('SendAutomationSignal', () => {
  it('approves a waiting runbook', async () => {
    const waiting = simulator.startWaitingExecution({ approvers: [CALLER_ROLE] });

    await signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve', Payload: { Comment: ['Approved in ServiceNow CHG0030012 by CAB'] } });
    const execution = await getExecution(waiting.AutomationExecutionId);
    const approval = execution.StepExecutions?.[0];

    expect(execution.AutomationExecutionStatus).toBe('InProgress');
    expect(execution.CurrentStepName).toBe('stopInstances');
    expect(approval?.StepStatus).toBe('Success');
    expect(approval?.Outputs?.ApprovalStatus).toEqual(['Approved']);
    expect(JSON.parse(approval?.Outputs?.ApproverDecisions?.[0] ?? '{}')).toMatchObject({
      Approver: CALLER,
      Decision: 'Approve',
      Comment: 'Approved in ServiceNow CHG0030012 by CAB',
    });
    expect(execution.StepExecutions?.[1]?.StepStatus).toBe('InProgress');
  });

  it('rejects a waiting runbook', async () => {
    const waiting = simulator.startWaitingExecution();

    await signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Reject' });
    const execution = await getExecution(waiting.AutomationExecutionId);

    expect(execution.AutomationExecutionStatus).toBe('Rejected');
    expect(execution.ExecutionEndTime).toBeInstanceOf(Date);
    expect(execution.StepExecutions?.[0]?.StepStatus).toBe('Rejected');
    expect(execution.StepExecutions?.[1]?.StepStatus).toBe('Pending');
  });

  it('ends the runbook when the approval is the last step', async () => {
    simulator.registerDocument({ name: 'ApproveOnly', steps: [{ name: 'approve', action: 'aws:approve' }] });
    const waiting = simulator.startWaitingExecution({ documentName: 'ApproveOnly' });

    await signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' });

    expect(simulator.getAutomationExecution(waiting.AutomationExecutionId)?.AutomationExecutionStatus).toBe('Success');
  });

  it('approves a change request', async () => {
    const request = simulator.startChangeRequest({ approvers: [CALLER_ROLE] });

    await signal({ AutomationExecutionId: request.AutomationExecutionId, SignalType: 'Approve', Payload: { Comment: ['Approved in ServiceNow CHG0030012 by CAB'] } });
    const execution = simulator.getAutomationExecution(request.AutomationExecutionId)!;

    expect(execution.AutomationExecutionStatus).toBe('InProgress');
    expect(execution.StepExecutions[0]?.StepName).toBe('patchInstances');
    expect(simulator.getOpsItem(request.OpsItemId!)?.Status).toBe('InProgress');
    expect(simulator.getOpsItem(request.OpsItemId!)?.LastModifiedBy).toBe(CALLER);
  });

  it('schedules an approved change request for later', async () => {
    const request = simulator.startChangeRequest({ scheduledTime: new Date('2025-03-11T02:00:00Z') });

    await signal({ AutomationExecutionId: request.AutomationExecutionId, SignalType: 'Approve' });

    expect(simulator.getAutomationExecution(request.AutomationExecutionId)?.AutomationExecutionStatus).toBe('Scheduled');
  });

  it('rejects a change request with the fixture payload', async () => {
    const request = simulator.startChangeRequest();
    const fixture = ssmFixture<SendAutomationSignalCommandInput>('send-automation-signal-reject.request.json');

    await signal({ ...fixture, AutomationExecutionId: request.AutomationExecutionId });

    expect(simulator.getAutomationExecution(request.AutomationExecutionId)?.AutomationExecutionStatus).toBe('Rejected');
    expect(simulator.getOpsItem(request.OpsItemId!)?.Status).toBe('Rejected');
  });

  it('rejects an unknown execution', async () => {
    const fixture = ssmFixture<SendAutomationSignalCommandInput>('send-automation-signal-approve.request.json');

    const error = await rejectionOf<Error>(client.send(new SendAutomationSignalCommand(fixture)));

    expect(error).toBeInstanceOf(AutomationExecutionNotFoundException);
    expect(error.message).toMatch(/9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e/);
  });

  it('rejects a second Approve', async () => {
    const waiting = simulator.startWaitingExecution();
    const approve = { AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' as const };

    await signal(approve);
    const error = await rejectionOf<Error>(signal(approve));

    expect(error).toBeInstanceOf(InvalidAutomationSignalException);
    expect(error.message).toMatch(/is InProgress and does not wait for an approval/);
    const accepted = simulator.signals().filter((received) => received.accepted && received.signalType === 'Approve');
    expect(accepted).toHaveLength(1);
    expect(simulator.signals().map((received) => received.errorType)).toEqual([undefined, 'InvalidAutomationSignalException']);
  });

  it('denies a caller who is not an approver', async () => {
    const waiting = simulator.startWaitingExecution({ approvers: [OTHER_ROLE] });

    const error = await rejectionOf<Error>(signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' }));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(`${CALLER} is not an approver`);
    expect(error.message).toContain(OTHER_ROLE);
    expect(simulator.getAutomationExecution(waiting.AutomationExecutionId)?.AutomationExecutionStatus).toBe('Waiting');
    expect(simulator.signals()).toEqual([
      { executionId: waiting.AutomationExecutionId, signalType: 'Approve', callerArn: CALLER, accepted: false, errorType: 'AccessDeniedException' },
    ]);
  });

  it('skips the approver check when it is off', async () => {
    const waiting = simulator.startWaitingExecution({ approvers: [OTHER_ROLE], checkApprovers: false });

    await signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' });

    expect(simulator.getAutomationExecution(waiting.AutomationExecutionId)?.AutomationExecutionStatus).toBe('InProgress');
  });

  it('checks the approvers a runbook names', async () => {
    const { AutomationExecutionId } = await client.send(
      new StartAutomationExecutionCommand({ DocumentName: 'RestartWebTierWithApproval', Parameters: { Approvers: [OTHER_ROLE] } }),
    );

    const error = await rejectionOf<Error>(signal({ AutomationExecutionId, SignalType: 'Approve' }));

    expect(error.name).toBe('AccessDeniedException');
  });

  it('checks IAM role approvers of a template', async () => {
    const { AutomationExecutionId } = await client.send(
      new StartChangeRequestExecutionCommand({
        ...corpusChangeRequest(),
        Parameters: { Approver: ['ChangeAdvisoryBoard'], ApproverType: ['IamRole'] },
      }),
    );

    const error = await rejectionOf<Error>(signal({ AutomationExecutionId, SignalType: 'Approve' }));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(OTHER_ROLE);
  });

  it('finds a step for StartStep', async () => {
    const waiting = simulator.startWaitingExecution();

    const unknown = await rejectionOf<Error>(signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'StartStep', Payload: { StepName: ['reboot'] } }));
    const known = await rejectionOf<Error>(signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'StartStep', Payload: { StepName: ['stopInstances'] } }));

    expect(unknown).toBeInstanceOf(AutomationStepNotFoundException);
    expect(known).toBeInstanceOf(InvalidAutomationSignalException);
    expect(known.message).toMatch(/Interactive mode/);
  });

  it('rejects an unknown signal type', async () => {
    const waiting = simulator.startWaitingExecution();

    const error = await rejectionOf<Error>(signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Pause' as never }));

    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toMatch(/signalType/);
  });
});

describe('finishExecution', () => {
  async function approvedRunbook(): Promise<string> {
    const waiting = simulator.startWaitingExecution();
    await signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' });
    return waiting.AutomationExecutionId;
  }

  it('ends with Success', async () => {
    const id = await approvedRunbook();

    simulator.finishExecution(id, { status: 'Success' });
    const execution = await getExecution(id);

    expect(execution.AutomationExecutionStatus).toBe('Success');
    expect(execution.StepExecutions?.map((step) => step.StepStatus)).toEqual(['Success', 'Success', 'Success']);
    expect(execution.ExecutionEndTime).toBeInstanceOf(Date);
    expect(execution.CurrentStepName).toBeUndefined();
  });

  it('fails at the named step', async () => {
    const id = await approvedRunbook();

    simulator.finishExecution(id, { status: 'Failed', failedStep: 'startInstances', failureMessage: 'Instance i-0a1b2c3d4e5f60718 did not reach running.' });
    const execution = await getExecution(id);

    expect(execution.AutomationExecutionStatus).toBe('Failed');
    expect(execution.FailureMessage).toBe('Instance i-0a1b2c3d4e5f60718 did not reach running.');
    expect(execution.StepExecutions?.map((step) => [step.StepName, step.StepStatus])).toEqual([
      ['approveRestart', 'Success'],
      ['stopInstances', 'Success'],
      ['startInstances', 'Failed'],
    ]);
    expect(execution.StepExecutions?.[2]?.FailureMessage).toBe('Instance i-0a1b2c3d4e5f60718 did not reach running.');
  });

  it('times out while waiting', () => {
    const waiting = simulator.startWaitingExecution();

    const execution = simulator.finishExecution(waiting.AutomationExecutionId, { status: 'TimedOut' });

    expect(execution.AutomationExecutionStatus).toBe('TimedOut');
    expect(execution.StepExecutions[0]?.StepStatus).toBe('TimedOut');
    expect(execution.FailureMessage).toBe('Automation execution timed out in step approveRestart.');
  });

  it('cancels a pending change request', () => {
    const request = simulator.startChangeRequest();

    const execution = simulator.finishExecution(request.AutomationExecutionId, { status: 'Cancelled' });

    expect(execution.AutomationExecutionStatus).toBe('Cancelled');
    expect(simulator.getOpsItem(request.OpsItemId!)?.Status).toBe('Cancelled');
  });

  it('closes a failed change request OpsItem', async () => {
    const request = simulator.startChangeRequest({ autoApprove: true });

    const execution = simulator.finishExecution(request.AutomationExecutionId, { status: 'Failed', failureMessage: 'Patch baseline not found.' });

    expect(execution.StepExecutions.map((step) => step.StepStatus)).toEqual(['Failed', 'Pending']);
    expect(simulator.getOpsItem(request.OpsItemId!)?.Status).toBe('CompletedWithFailure');
  });

  it('runs a scheduled change request first', () => {
    const request = simulator.startChangeRequest({ autoApprove: true, scheduledTime: new Date('2025-03-11T02:00:00Z') });

    const execution = simulator.finishExecution(request.AutomationExecutionId, { status: 'Success' });

    expect(execution.AutomationExecutionStatus).toBe('Success');
    expect(simulator.getOpsItem(request.OpsItemId!)?.Status).toBe('CompletedWithSuccess');
  });

  it('refuses Success while waiting', () => {
    const waiting = simulator.startWaitingExecution();

    expect(() => simulator.finishExecution(waiting.AutomationExecutionId, { status: 'Success' })).toThrow(ExecutionStateError);
    expect(simulator.getAutomationExecution(waiting.AutomationExecutionId)?.AutomationExecutionStatus).toBe('Waiting');
  });

  it('refuses an execution that ended', async () => {
    const id = await approvedRunbook();
    simulator.finishExecution(id, { status: 'Success' });

    expect(() => simulator.finishExecution(id, { status: 'Cancelled' })).toThrow(/already ended/);
  });

  it('refuses an unknown failed step', async () => {
    const id = await approvedRunbook();

    expect(() => simulator.finishExecution(id, { status: 'Failed', failedStep: 'reboot' })).toThrow(/approveRestart, stopInstances, startInstances/);
    expect(() => simulator.finishExecution(id, { status: 'Failed', failedStep: 'approveRestart' })).toThrow(/already ended with Success/);
  });
});

describe('change calendar', () => {
  it('holds an auto-approved change request for an override', async () => {
    simulator.setChangeCalendarClosed(true);
    const request = simulator.startChangeRequest({ autoApprove: true });

    expect(request.AutomationExecutionStatus).toBe('PendingChangeCalendarOverride');
    expect(simulator.getOpsItem(request.OpsItemId!)?.Status).toBe('PendingChangeCalendarOverride');

    await signal({ AutomationExecutionId: request.AutomationExecutionId, SignalType: 'Approve' });

    expect(simulator.getAutomationExecution(request.AutomationExecutionId)?.AutomationExecutionStatus).toBe('InProgress');
  });

  it('asks for the override after the approval', async () => {
    simulator.setChangeCalendarClosed(true);
    const request = simulator.startChangeRequest();

    await signal({ AutomationExecutionId: request.AutomationExecutionId, SignalType: 'Approve' });
    const afterApproval = simulator.getAutomationExecution(request.AutomationExecutionId)?.AutomationExecutionStatus;
    await signal({ AutomationExecutionId: request.AutomationExecutionId, SignalType: 'Approve' });
    const afterOverride = simulator.getAutomationExecution(request.AutomationExecutionId)?.AutomationExecutionStatus;

    expect(afterApproval).toBe('PendingChangeCalendarOverride');
    expect(afterOverride).toBe('InProgress');
  });

  it('ends a rejected override', async () => {
    simulator.setChangeCalendarClosed(true);
    const request = simulator.startChangeRequest({ autoApprove: true });

    await signal({ AutomationExecutionId: request.AutomationExecutionId, SignalType: 'Reject' });

    expect(simulator.getAutomationExecution(request.AutomationExecutionId)?.AutomationExecutionStatus).toBe('ChangeCalendarOverrideRejected');
    expect(simulator.getOpsItem(request.OpsItemId!)?.Status).toBe('ChangeCalendarOverrideRejected');
  });

  it('opens again', () => {
    simulator.setChangeCalendarClosed(true);
    simulator.setChangeCalendarClosed(false);

    expect(simulator.startChangeRequest({ autoApprove: true }).AutomationExecutionStatus).toBe('InProgress');
  });
});

describe('events', () => {
  it('emits execution and step events in the fixture shape', () => {
    const waiting = simulator.startWaitingExecution();

    const executionEvents = eventsOfType('EC2 Automation Execution Status-change Notification');
    const stepEvents = eventsOfType('EC2 Automation Step Status-change Notification');
    const executionFixture = eventFixture('automation-execution-status-change-pending-approval.json');
    const stepFixture = eventFixture('automation-step-status-change.json');

    expect(executionEvents.map((event) => detailOf(event).Status)).toEqual(['InProgress', 'Waiting']);
    expect(Object.keys(detailOf(executionEvents[1]))).toEqual(Object.keys(detailOf(executionFixture)));
    expect(typesOf(detailOf(executionEvents[1]))).toEqual(typesOf(detailOf(executionFixture)));
    expect(Object.keys(detailOf(stepEvents[0]))).toEqual(Object.keys(detailOf(stepFixture)));
    expect(typesOf(detailOf(stepEvents[0]))).toEqual(typesOf(detailOf(stepFixture)));
    expect(detailOf(stepEvents[0])).toMatchObject({ StepName: 'approveRestart', Action: 'aws:approve', Status: 'Waiting' });
    expect(executionEvents[1]?.resources).toEqual([
      `arn:aws:ssm:us-east-1:111122223333:automation-execution/${waiting.AutomationExecutionId}`,
      'arn:aws:ssm:us-east-1:111122223333:automation-definition/RestartWebTierWithApproval:1',
    ]);
    expect(executionEvents[1]?.source).toBe('aws.ssm');
  });

  it('writes times as the real events do', () => {
    simulator.startWaitingExecution();

    const detail = detailOf(eventsOfType('EC2 Automation Execution Status-change Notification')[0]);

    expect(detail.StartTime).toBe('Mar 10, 2025 3:00:00 PM');
    expect(detail.EndTime).toMatch(AUTOMATION_TIME);
    expect(detail.DefinitionVersion).toBe(1);
  });

  it('reports the run time of a finished execution', async () => {
    const waiting = simulator.startWaitingExecution();
    await signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' });
    simulator.finishExecution(waiting.AutomationExecutionId, { status: 'Success' });

    const last = detailOf(eventsOfType('EC2 Automation Execution Status-change Notification').at(-1));

    expect(last.Status).toBe('Success');
    expect(last.Time).toBe(Date.parse(`${last.EndTime as string} UTC`) - Date.parse(`${last.StartTime as string} UTC`));
    expect(last.Time).toBeGreaterThan(0);
  });

  it('emits change request updates in the fixture shape', async () => {
    const request = simulator.startChangeRequest({ approvers: [CALLER_ROLE] });
    await signal({ AutomationExecutionId: request.AutomationExecutionId, SignalType: 'Reject' });

    const updates = eventsOfType('Change Request Status Update');
    const pendingFixture = eventFixture('change-request-status-update-pending-approval.json');
    const rejectedFixture = eventFixture('change-request-status-update-rejected.json');

    expect(updates.map((event) => detailOf(event)['ops-item-status'])).toEqual(['PendingApproval', 'Rejected']);
    expect(Object.keys(detailOf(updates[0]))).toEqual(Object.keys(detailOf(pendingFixture)));
    expect(typesOf(detailOf(updates[1]))).toEqual(typesOf(detailOf(rejectedFixture)));
    expect(detailOf(updates[0])).toMatchObject({
      'change-request-id': request.AutomationExecutionId,
      'change-request-title': 'Patch orders fleet to latest AMI',
      'ops-item-id': request.OpsItemId,
      'ops-item-created-by': 'arn:aws:sts::111122223333:assumed-role/PlatformDeployer/robin.example',
      'change-template-document-name': 'StandardFleetPatching',
      'runbook-document-arn': 'arn:aws:ssm:us-east-1:111122223333:document/PatchOrdersFleet',
      'runbook-document-version': '3',
      'auto-approve': false,
      approvers: [CALLER_ROLE],
    });
    expect(detailOf(updates[1])['ops-item-modified-by']).toBe(CALLER);
    expect(detailOf(updates[0])['ops-item-created-time']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(updates[0]?.resources).toEqual([
      `arn:aws:ssm:us-east-1:111122223333:opsitem/${request.OpsItemId}`,
      'arn:aws:ssm:us-east-1:111122223333:document/PatchOrdersFleet',
    ]);
  });

  it('emits one execution event per change request status', async () => {
    const request = simulator.startChangeRequest();
    await signal({ AutomationExecutionId: request.AutomationExecutionId, SignalType: 'Approve' });

    const statuses = eventsOfType('EC2 Automation Execution Status-change Notification').map((event) => detailOf(event).Status);

    expect(statuses).toEqual(['PendingApproval', 'InProgress']);
    expect(detailOf(eventsOfType('EC2 Automation Execution Status-change Notification')[0]).Definition).toBe('StandardFleetPatching');
  });

  it('names Amazon documents without an account', () => {
    simulator.startChangeRequest({ runbookName: 'AWS-RestartEC2Instance', runbookParameters: { InstanceId: ['i-0a1b2c3d4e5f60718'] } });

    const detail = detailOf(eventsOfType('Change Request Status Update')[0]);

    expect(detail['runbook-document-arn']).toBe('arn:aws:ssm:us-east-1::document/AWS-RestartEC2Instance');
    expect(detail['runbook-document-version']).toBe('1');
  });
});

describe('DescribeAutomationExecutions', () => {
  it('finds a change request by OpsItemId', async () => {
    simulator.startWaitingExecution();
    const request = simulator.startChangeRequest();

    const { AutomationExecutionMetadataList } = await client.send(
      new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'OpsItemId', Values: [request.OpsItemId!] }] }),
    );

    expect(AutomationExecutionMetadataList?.map((metadata) => metadata.AutomationExecutionId)).toEqual([request.AutomationExecutionId]);
    expect(AutomationExecutionMetadataList?.[0]?.AutomationSubtype).toBe('ChangeRequest');
    expect(AutomationExecutionMetadataList?.[0]?.AutomationType).toBe('Local');
  });

  it('lists waiting executions page by page', async () => {
    const waiting = [simulator.startWaitingExecution(), simulator.startWaitingExecution(), simulator.startWaitingExecution()];
    simulator.startChangeRequest({ autoApprove: true });

    const first = await client.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'ExecutionStatus', Values: ['Waiting'] }], MaxResults: 2 }));
    const second = await client.send(
      new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'ExecutionStatus', Values: ['Waiting'] }], MaxResults: 2, NextToken: first.NextToken }),
    );

    const ids = [...(first.AutomationExecutionMetadataList ?? []), ...(second.AutomationExecutionMetadataList ?? [])].map((metadata) => metadata.AutomationExecutionId);
    expect(ids).toEqual(waiting.map((execution: SimulatedAutomationExecution) => execution.AutomationExecutionId));
    expect(second.NextToken).toBeUndefined();
  });

  it('rejects an unknown filter key', async () => {
    const error = await rejectionOf<Error>(client.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'TagKey', Values: ['team'] }] })));

    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toMatch(/OpsItemId/);
  });
});

describe('faults', () => {
  it('throttles SendAutomationSignal', async () => {
    const waiting = simulator.startWaitingExecution();
    simulator.injectFaults([{ operation: 'SendAutomationSignal', errorType: 'ThrottlingException' }]);

    const error = await rejectionOf(signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' }));

    expect(error).toBeInstanceOf(ThrottlingException);
    expect(simulator.getAutomationExecution(waiting.AutomationExecutionId)?.AutomationExecutionStatus).toBe('Waiting');
    expect(simulator.signals()).toEqual([
      { executionId: waiting.AutomationExecutionId, signalType: 'Approve', callerArn: CALLER, accepted: false, errorType: 'ThrottlingException' },
    ]);
  });

  it('applies a retried signal once', async () => {
    const retrying = new SSMClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 3, retryMode: 'standard' });
    const waiting = simulator.startWaitingExecution();
    simulator.injectFaults([{ operation: 'SendAutomationSignal', errorType: 'ThrottlingException', times: 2 }]);

    try {
      await retrying.send(new SendAutomationSignalCommand({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' }));
    } finally {
      retrying.destroy();
    }

    expect(simulator.signals().map((received) => received.accepted)).toEqual([false, false, true]);
    expect(simulator.getAutomationExecution(waiting.AutomationExecutionId)?.AutomationExecutionStatus).toBe('InProgress');
  });

  it.each(['StartAutomationExecution', 'StartChangeRequestExecution', 'GetAutomationExecution', 'DescribeAutomationExecutions'] as const)(
    'fails %s with an injected fault',
    async (operation) => {
      simulator.injectFaults([{ operation, errorType: 'InternalServerError' }]);
      const request = corpusChangeRequest();
      const commands = {
        StartAutomationExecution: () => client.send(new StartAutomationExecutionCommand({ DocumentName: 'PatchOrdersFleet' })),
        StartChangeRequestExecution: () => client.send(new StartChangeRequestExecutionCommand(request)),
        GetAutomationExecution: () => client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: '00000000-0000-4000-8000-000000000000' })),
        DescribeAutomationExecutions: () => client.send(new DescribeAutomationExecutionsCommand({})),
      };

      const error = await rejectionOf<Error>(commands[operation]());

      expect(error.name).toBe('InternalServerError');
      expect(simulator.calls.at(-1)).toMatchObject({ operation, status: 500, errorType: 'InternalServerError' });
    },
  );
});

describe('reset', () => {
  it('clears executions, signals and the calendar', async () => {
    const waiting = simulator.startWaitingExecution();
    await signal({ AutomationExecutionId: waiting.AutomationExecutionId, SignalType: 'Approve' });
    simulator.setChangeCalendarClosed(true);

    simulator.reset();

    expect(simulator.getAutomationExecution(waiting.AutomationExecutionId)).toBeUndefined();
    expect(simulator.signals()).toEqual([]);
    expect(simulator.startChangeRequest({ autoApprove: true }).AutomationExecutionStatus).toBe('InProgress');
  });
});
