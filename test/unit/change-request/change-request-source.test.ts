/**
 * ChangeRequestSource: the corpus events read through the real SSMClient against a loopback server
 * that answers with the corpus wire responses, and the error paths with the SDK client mocked.
 */
import {
  AutomationExecutionNotFoundException,
  GetAutomationExecutionCommand,
  GetOpsItemCommand,
  InternalServerError,
  OpsItemNotFoundException,
  SSMClient,
  SSMServiceException,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import { ChangeRequestReadError, ChangeRequestSource } from '../../../src/sources/change-request/change-request-source.js';
import { InvalidEventError } from '../../../src/sources/source-adapter.js';
import { capturingLogger, eventFixture, rejectionOf, ssmFixture, TEST_CREDENTIALS } from '../../integration/ssm/support.js';
import { awsError, ok, startWireServer, type WireServer } from './support.js';

const CHANGE_REQUEST_ID = '2f8b6a1e-4c7d-4e90-a3b5-61d2c9e8f047';
const CHANGE_REQUEST_OPSITEM = 'oi-9c0d7e3b1a55';
const RUNBOOK_ID = '73c8eef8-f4ee-4a05-820c-e354f0a1b2c3';

const statusUpdate = eventFixture('change-request-status-update-pending-approval.json');
const executionPendingApproval = eventFixture('automation-execution-status-change-pending-approval.json');
const stepChange = eventFixture('automation-step-status-change.json');

/** The corpus change request execution, answered under the id it was asked for and linked to `opsItemId`. */
function changeRequestExecution(id: string, opsItemId: string): Record<string, unknown> {
  const { AutomationExecution } = ssmFixture<{ AutomationExecution: Record<string, unknown> }>('get-automation-execution-changerequest.wire-response.json');
  return { ...AutomationExecution, AutomationExecutionId: id, OpsItemId: opsItemId };
}

/** The corpus change request OpsItem under `opsItemId`. */
function changeRequestOpsItem(opsItemId: string): Record<string, unknown> {
  const { OpsItem } = ssmFixture<{ OpsItem: Record<string, unknown> }>('get-ops-item-changerequest.wire-response.json');
  return { ...OpsItem, OpsItemId: opsItemId, OpsItemArn: `arn:aws:ssm:us-east-1:111122223333:opsitem/${opsItemId}` };
}

/** A finished runbook execution without an OpsItem, such as the one the step event names. */
function runbookExecution(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AutomationExecutionId: id,
    DocumentName: 'AWS-RestartEC2Instance',
    DocumentVersion: '1',
    AutomationExecutionStatus: 'Success',
    ExecutionStartTime: 1741618800,
    ExecutionEndTime: 1741647970,
    StepExecutionsTruncated: false,
    StepExecutions: [
      { StepName: 'stopInstances', Action: 'aws:changeInstanceState', StepStatus: 'Success', ExecutionStartTime: 1741647923, ExecutionEndTime: 1741647925 },
    ],
    ...overrides,
  };
}

function withDetail(event: EventBridgeEvent, detail: unknown): EventBridgeEvent {
  return { ...event, detail };
}

describe('handles', () => {
  const source = new ChangeRequestSource({ client: new SSMClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), logger: capturingLogger().logger });

  it('takes the three aws.ssm detail-types', () => {
    expect(source.handles(statusUpdate)).toBe(true);
    expect(source.handles(executionPendingApproval)).toBe(true);
    expect(source.handles(stepChange)).toBe(true);
  });

  it('leaves other events alone', () => {
    expect(source.handles({ ...statusUpdate, 'detail-type': 'OpsItem Update' })).toBe(false);
    expect(source.handles({ ...statusUpdate, source: 'aws.securityhub' })).toBe(false);
  });
});

describe('reading through the SDK', () => {
  let server: WireServer;
  let log: ReturnType<typeof capturingLogger>;
  let source: ChangeRequestSource;

  beforeAll(async () => {
    server = await startWireServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  beforeEach(() => {
    server.requests.length = 0;
    log = capturingLogger();
    source = new ChangeRequestSource({ client: () => server.client, logger: log.logger });
    server.on('GetAutomationExecution', (input) => ok({ AutomationExecution: changeRequestExecution(String(input.AutomationExecutionId), CHANGE_REQUEST_OPSITEM) }));
    server.on('GetOpsItem', (input) => ok({ OpsItem: changeRequestOpsItem(String(input.OpsItemId)) }));
  });

  it('reads a change request status update', async () => {
    const [record, ...others] = await source.toRecords(statusUpdate);

    expect(others).toEqual([]);
    expect(server.requests).toEqual([
      { operation: 'GetAutomationExecution', input: { AutomationExecutionId: CHANGE_REQUEST_ID } },
      { operation: 'GetOpsItem', input: { OpsItemId: CHANGE_REQUEST_OPSITEM } },
    ]);
    expect(record?.identity).toBe(`change-request|111122223333|us-east-1|${CHANGE_REQUEST_ID}`);
    expect(record?.format).toBe('change-manager');
    expect(record?.writebackKey).toEqual({ executionId: CHANGE_REQUEST_ID, opsItemId: CHANGE_REQUEST_OPSITEM, region: 'us-east-1', account: '111122223333' });
    expect(record?.view.waitingForApproval).toBe(true);
    expect(record?.view.scheduledEndTime).toBe('2025-03-11T00:00:00.000Z');
  });

  it('adds the approvers the event names', async () => {
    const [record] = await source.toRecords(statusUpdate);

    expect(record?.view.approvers).toEqual(['arn:aws:iam::111122223333:group/ChangeApprovers', 'arn:aws:iam::111122223333:role/ItsmSyncTaskRole']);
  });

  it('reads an execution status change', async () => {
    const [record] = await source.toRecords(executionPendingApproval);

    expect(server.requests.map((request) => request.operation)).toEqual(['GetAutomationExecution', 'GetOpsItem']);
    expect(server.requests[0]?.input).toEqual({ AutomationExecutionId: '9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e' });
    expect(record?.displayId).toBe('9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e');
    expect(record?.view.kind).toBe('change-manager');
  });

  it('reads a plain execution without GetOpsItem', async () => {
    server.on('GetAutomationExecution', (input) => ok({ AutomationExecution: runbookExecution(String(input.AutomationExecutionId)) }));

    const [record] = await source.toRecords(stepChange);

    expect(server.requests.map((request) => request.operation)).toEqual(['GetAutomationExecution']);
    expect(record?.format).toBe('automation');
    expect(record?.view.outcome).toBe('success');
    expect(record?.view.waitingForApproval).toBe(false);
    expect(record?.updatedAt).toBe('2025-03-10T23:06:10.000Z');
  });

  it('pages truncated steps', async () => {
    server.on('GetAutomationExecution', (input) => ok({ AutomationExecution: runbookExecution(String(input.AutomationExecutionId), { StepExecutionsTruncated: true }) }));
    server.on('DescribeAutomationStepExecutions', (input) =>
      input.NextToken === undefined
        ? ok({ StepExecutions: [{ StepName: 'approve', Action: 'aws:approve', StepStatus: 'Success' }], NextToken: 'page-2' })
        : ok({ StepExecutions: [{ StepName: 'stopInstances', Action: 'aws:changeInstanceState', StepStatus: 'Success' }, { StepName: 'startInstances', Action: 'aws:changeInstanceState', StepStatus: 'Success' }] }),
    );

    const [record] = await source.toRecords(stepChange);

    const pages = server.requests.filter((request) => request.operation === 'DescribeAutomationStepExecutions');
    expect(pages.map((page) => page.input)).toEqual([
      { AutomationExecutionId: RUNBOOK_ID, MaxResults: 50 },
      { AutomationExecutionId: RUNBOOK_ID, MaxResults: 50, NextToken: 'page-2' },
    ]);
    expect(record?.view.steps.map((step) => step.name)).toEqual(['approve', 'stopInstances', 'startInstances']);
  });

  it('finds the execution from the OpsItem', async () => {
    server.on('DescribeAutomationExecutions', () => ok({ AutomationExecutionMetadataList: [{ AutomationExecutionId: CHANGE_REQUEST_ID, OpsItemId: CHANGE_REQUEST_OPSITEM }] }));
    const { 'change-request-id': _id, ...detail } = statusUpdate.detail as Record<string, unknown>;

    const [record] = await source.toRecords(withDetail(statusUpdate, detail));

    expect(server.requests[0]).toEqual({ operation: 'DescribeAutomationExecutions', input: { Filters: [{ Key: 'OpsItemId', Values: [CHANGE_REQUEST_OPSITEM] }] } });
    expect(record?.displayId).toBe(CHANGE_REQUEST_ID);
  });

  it('skips an OpsItem without an execution', async () => {
    server.on('DescribeAutomationExecutions', () => ok({ AutomationExecutionMetadataList: [] }));
    const { 'change-request-id': _id, ...detail } = statusUpdate.detail as Record<string, unknown>;

    const records = await source.toRecords(withDetail(statusUpdate, detail));

    expect(records).toEqual([]);
    expect(log.lines().find((line) => line.level === 40)?.msg).toMatch(/No Automation execution found for change request OpsItem oi-9c0d7e3b1a55/);
  });

  it('skips a deleted execution with a warning', async () => {
    server.on('GetAutomationExecution', () => awsError('AutomationExecutionNotFoundException', 'Execution not found'));

    const records = await source.toRecords(statusUpdate);

    expect(records).toEqual([]);
    const warning = log.lines().find((line) => line.level === 40);
    expect(warning?.executionId).toBe(CHANGE_REQUEST_ID);
    expect(warning?.msg).toMatch(/no longer exists in us-east-1/);
  });

  it('builds without a deleted OpsItem', async () => {
    server.on('GetOpsItem', () => awsError('OpsItemNotFoundException', 'OpsItem not found'));

    const [record] = await source.toRecords(statusUpdate);

    expect(record?.view.raw.opsItem).toBeNull();
    expect(record?.view.kind).toBe('change-manager');
    expect(log.lines().find((line) => line.level === 40)?.msg).toMatch(/OpsItem oi-9c0d7e3b1a55 .* no longer exists/);
  });

  it('logs an unknown status', async () => {
    server.on('GetAutomationExecution', (input) => ok({ AutomationExecution: runbookExecution(String(input.AutomationExecutionId), { AutomationExecutionStatus: 'Paused' }) }));

    const [record] = await source.toRecords(stepChange);

    expect(record?.view.outcome).toBe('running');
    expect(log.lines().some((line) => line.level === 40 && /"Paused" is not known/.test(String(line.msg)))).toBe(true);
  });
});

describe('event checks', () => {
  const client = new SSMClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const ssm = mockClient(client);
  const source = new ChangeRequestSource({ client, logger: capturingLogger().logger });

  afterEach(() => {
    ssm.reset();
  });

  async function invalid(event: EventBridgeEvent): Promise<InvalidEventError> {
    const error = await rejectionOf(source.toRecords(event));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(ssm.calls()).toHaveLength(0);
    return error as InvalidEventError;
  }

  it('rejects a missing ExecutionId', async () => {
    const { ExecutionId: _id, ...detail } = stepChange.detail as Record<string, unknown>;

    const error = await invalid(withDetail(stepChange, detail));

    expect(error.reason).toMatch(/detail\["ExecutionId"\] is missing/);
    expect(error.eventId).toBe(stepChange.id);
  });

  it('rejects a malformed ExecutionId', async () => {
    const error = await invalid(withDetail(stepChange, { ...(stepChange.detail as object), ExecutionId: 'exec-1' }));

    expect(error.message).toMatch(/"exec-1" is not an Automation execution id/);
  });

  it('rejects a status update without ids', async () => {
    const error = await invalid(withDetail(statusUpdate, { 'ops-item-status': 'PendingApproval' }));

    expect(error.reason).toMatch(/neither "change-request-id" nor "ops-item-id"/);
  });

  it('rejects a malformed ops-item-id', async () => {
    const error = await invalid(withDetail(statusUpdate, { ...(statusUpdate.detail as object), 'ops-item-id': 'OI-1' }));

    expect(error.reason).toMatch(/"OI-1" is not an OpsItem id/);
  });

  it('rejects a missing detail', async () => {
    await invalid(withDetail(stepChange, null));
  });

  it('rejects a missing region', async () => {
    const error = await invalid({ ...stepChange, region: '' });

    expect(error.reason).toMatch(/no region/);
  });

  it('reports a region the provider cannot serve', async () => {
    const regional = new ChangeRequestSource({
      client: (region) => {
        throw new RangeError(`Invalid AWS region "${region}"`);
      },
      logger: capturingLogger().logger,
    });

    const error = await rejectionOf(regional.toRecords({ ...stepChange, region: 'moon-1' }));

    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/no SSM client for region "moon-1"/);
  });
});

describe('read errors', () => {
  const client = new SSMClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const ssm = mockClient(client);
  let log: ReturnType<typeof capturingLogger>;
  let source: ChangeRequestSource;

  beforeEach(() => {
    ssm.reset();
    log = capturingLogger();
    source = new ChangeRequestSource({ client, logger: log.logger });
  });

  afterEach(() => {
    ssm.reset();
  });

  it('skips a deleted execution', async () => {
    ssm.on(GetAutomationExecutionCommand).rejects(new AutomationExecutionNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 400 } }));

    expect(await source.toRecords(stepChange)).toEqual([]);
    expect(log.lines().some((line) => line.level === 40 && line.errorCode === 'AutomationExecutionNotFoundException')).toBe(true);
  });

  it.each([
    [new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }), 'ThrottlingException', /SSM throttled/],
    [new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } }), 'InternalServerError', /will be retried/],
    [
      new SSMServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized', $metadata: { httpStatusCode: 400 } }),
      'AccessDeniedException',
      /ssm:GetAutomationExecution/,
    ],
  ])('throws %s for a retry', async (awsError, code, advice) => {
    ssm.on(GetAutomationExecutionCommand).rejects(awsError);

    const error = await rejectionOf<ChangeRequestReadError>(source.toRecords(stepChange));

    expect(error).toBeInstanceOf(ChangeRequestReadError);
    expect(error.executionId).toBe(RUNBOOK_ID);
    expect(error.operation).toBe('GetAutomationExecution');
    expect(error.errorCode).toBe(code);
    expect(error.message).toMatch(advice);
    expect(error.cause).toBe(awsError);
  });

  it('treats an empty answer as a read error', async () => {
    ssm.on(GetAutomationExecutionCommand).resolves({});

    const error = await rejectionOf<ChangeRequestReadError>(source.toRecords(stepChange));

    expect(error).toBeInstanceOf(ChangeRequestReadError);
    expect(error.errorCode).toBe('EmptyResponse');
  });

  it('throws a throttled GetOpsItem', async () => {
    ssm.on(GetAutomationExecutionCommand).resolves({ AutomationExecution: { AutomationExecutionId: CHANGE_REQUEST_ID, OpsItemId: CHANGE_REQUEST_OPSITEM } });
    ssm.on(GetOpsItemCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));

    const error = await rejectionOf<ChangeRequestReadError>(source.toRecords(statusUpdate));

    expect(error).toBeInstanceOf(ChangeRequestReadError);
    expect(error.operation).toBe('GetOpsItem');
    expect(error.executionId).toBe(CHANGE_REQUEST_ID);
  });
});
