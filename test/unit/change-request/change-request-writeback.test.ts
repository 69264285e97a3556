/**
 * ChangeRequestWriteback: the requests as they go over the wire (real SSMClient against a loopback
 * server, compared with the corpus requests), and the error paths with the SDK client mocked.
 */
import {
  AutomationExecutionNotFoundException,
  AutomationStepNotFoundException,
  GetOpsItemCommand,
  InternalServerError,
  InvalidAutomationSignalException,
  OpsItemAccessDeniedException,
  SendAutomationSignalCommand,
  SSMClient,
  SSMServiceException,
  ThrottlingException,
  UpdateOpsItemCommand,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { TicketRef, WritebackRecord } from '../../../src/core/types.js';
import {
  AutomationSignalError,
  ChangeRequestWriteback,
  ChangeRequestWritebackError,
  SIGNAL_COMMENT_MAX_LENGTH,
  SIGNAL_FAILURE_REASONS,
} from '../../../src/writeback/change-request-writeback.js';
import { OpsItemWritebackError } from '../../../src/writeback/opsitem-writeback.js';
import { capturingLogger, rejectionOf, ssmFixture, TEST_CREDENTIALS } from '../../integration/ssm/support.js';
import { awsError, ok, startWireServer, type WireServer } from './support.js';

const EXECUTION_ID = '9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e';
const OPSITEM_ID = 'oi-7e6d5c4b3a21';

const CHANGE_REQUEST: WritebackRecord = {
  kind: 'change-request',
  format: 'change-manager',
  displayId: EXECUTION_ID,
  writebackKey: { executionId: EXECUTION_ID, opsItemId: OPSITEM_ID, region: 'us-east-1', account: '111122223333' },
};

const RUNBOOK: WritebackRecord = {
  kind: 'change-request',
  format: 'automation',
  displayId: EXECUTION_ID,
  writebackKey: { executionId: EXECUTION_ID, region: 'us-east-1', account: '111122223333' },
};

const TICKET: TicketRef = {
  system: 'servicenow',
  table: 'change_request',
  id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
  number: 'CHG0030012',
  url: 'https://itsm-dev.example.com/change_request.do?sys_id=c0ffee00c0ffee00c0ffee00c0ffee00',
};

const METADATA = { httpStatusCode: 400, requestId: 'req-1' };

describe('wire requests', () => {
  let server: WireServer;
  let writeback: ChangeRequestWriteback;

  beforeAll(async () => {
    server = await startWireServer({
      SendAutomationSignal: () => ok(ssmFixture('send-automation-signal.wire-response.json')),
      GetOpsItem: () => ok({ OpsItem: { OpsItemId: OPSITEM_ID, OperationalData: {} } }),
      UpdateOpsItem: () => ok({}),
    });
    writeback = new ChangeRequestWriteback({ client: server.client, logger: capturingLogger().logger, clock: () => new Date('2025-03-10T16:00:00Z') });
  });

  afterAll(async () => {
    await server.stop();
  });

  beforeEach(() => {
    server.requests.length = 0;
  });

  it('sends an Approve as documented', async () => {
    await writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'Approved in ServiceNow CHG0030012 by CAB' } });

    expect(server.requests).toEqual([{ operation: 'SendAutomationSignal', input: ssmFixture('send-automation-signal-approve.request.json') }]);
  });

  it('sends a Reject as documented', async () => {
    await writeback.apply(RUNBOOK, { signal: { type: 'Reject', comment: 'Rejected in Jira ITS-88: conflicts with freeze window' } });

    expect(server.requests).toEqual([{ operation: 'SendAutomationSignal', input: ssmFixture('send-automation-signal-reject.request.json') }]);
  });

  it('writes the ticket to the OpsItem after the signal', async () => {
    await writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'ok' }, ticket: TICKET, note: 'Approved by CAB' });

    expect(server.requests.map((request) => request.operation)).toEqual(['SendAutomationSignal', 'GetOpsItem', 'UpdateOpsItem']);
    expect(server.requests[2]?.input).toEqual({
      OpsItemId: OPSITEM_ID,
      OperationalData: {
        'itsm-sync:ticket': { Value: JSON.stringify({ system: 'servicenow', number: 'CHG0030012', url: TICKET.url }), Type: 'SearchableString' },
        'itsm-sync:notes': { Value: '--- 2025-03-10T16:00:00.000Z ---\nApproved by CAB', Type: 'String' },
      },
    });
  });
});

describe('signal payload', () => {
  const client = new SSMClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const ssm = mockClient(client);
  let log: ReturnType<typeof capturingLogger>;
  let writeback: ChangeRequestWriteback;

  beforeEach(() => {
    ssm.reset();
    ssm.on(SendAutomationSignalCommand).resolves({});
    log = capturingLogger();
    writeback = new ChangeRequestWriteback({ client, logger: log.logger });
  });

  afterEach(() => {
    ssm.reset();
  });

  it('cuts a long comment to the limit', async () => {
    await writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'x'.repeat(600) } });

    const comment = ssm.commandCalls(SendAutomationSignalCommand)[0]!.args[0].input.Payload!.Comment![0]!;
    expect(comment).toHaveLength(SIGNAL_COMMENT_MAX_LENGTH);
    expect(comment.endsWith('…')).toBe(true);
    expect(log.lines().find((line) => line.operation === 'SendAutomationSignal')?.commentTruncated).toBe(true);
  });

  it('keeps a comment at the limit', async () => {
    const comment = 'y'.repeat(SIGNAL_COMMENT_MAX_LENGTH);

    await writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment } });

    expect(ssm.commandCalls(SendAutomationSignalCommand)[0]!.args[0].input.Payload).toEqual({ Comment: [comment] });
  });

  it('sends no payload for an empty comment', async () => {
    await writeback.apply(CHANGE_REQUEST, { signal: { type: 'Reject', comment: '  ' } });

    expect(ssm.commandCalls(SendAutomationSignalCommand)[0]!.args[0].input).toEqual({ AutomationExecutionId: EXECUTION_ID, SignalType: 'Reject' });
  });

  it('logs the signal without the comment', async () => {
    await writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'Approved by avery' } });

    const line = log.lines().find((entry) => entry.operation === 'SendAutomationSignal');
    expect(line).toMatchObject({ level: 30, executionId: EXECUTION_ID, opsItemId: OPSITEM_ID, signal: 'Approve', commentLength: 17 });
    expect(log.text()).not.toContain('Approved by avery');
  });

  it('asks the provider for the record\'s region and account', async () => {
    const requested: string[] = [];
    const provided = new ChangeRequestWriteback({
      client: (region, account) => {
        requested.push(`${region}/${account}`);
        return client;
      },
      logger: log.logger,
    });

    await provided.apply({ ...RUNBOOK, writebackKey: { ...RUNBOOK.writebackKey, region: 'eu-west-1' } }, { signal: { type: 'Approve', comment: '' } });

    expect(requested).toEqual(['eu-west-1/111122223333']);
  });

  it('ignores ticket and note of a plain execution', async () => {
    await writeback.apply(RUNBOOK, { ticket: TICKET, note: 'Tracked in CHG0030012' });

    expect(ssm.calls()).toHaveLength(0);
    expect(log.lines().at(-1)?.msg).toMatch(/plain Automation execution has no OpsItem/);
  });

  it('writes nothing for an empty action', async () => {
    await writeback.apply(CHANGE_REQUEST, { note: ' ' });

    expect(ssm.calls()).toHaveLength(0);
  });
});

describe('input checks', () => {
  const client = new SSMClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const ssm = mockClient(client);
  const writeback = new ChangeRequestWriteback({ client, logger: capturingLogger().logger });

  afterEach(() => {
    ssm.reset();
  });

  async function invalid(promise: Promise<unknown>): Promise<ChangeRequestWritebackError> {
    const error = await rejectionOf(promise);
    expect(error).toBeInstanceOf(ChangeRequestWritebackError);
    expect((error as ChangeRequestWritebackError).retryable).toBe(false);
    expect(ssm.calls()).toHaveLength(0);
    return error as ChangeRequestWritebackError;
  }

  it('rejects a status', async () => {
    const error = await invalid(writeback.apply(CHANGE_REQUEST, { status: 'Approved', signal: { type: 'Approve', comment: 'ok' } }));

    expect(error.errorCode).toBe('StatusNotSupported');
    expect(error.executionId).toBe(EXECUTION_ID);
    expect(error.message).toMatch(/Cannot write status "Approved" back to Automation execution/);
    expect(error.message).toMatch(/sent as a signal/);
  });

  it('rejects an unknown signal type', async () => {
    const error = await invalid(writeback.apply(CHANGE_REQUEST, { signal: { type: 'approve' as 'Approve', comment: 'ok' } }));

    expect(error.errorCode).toBe('InvalidSignal');
    expect(error.message).toMatch(/Invalid signal type "approve".*expected Approve or Reject/);
  });

  it('rejects a comment that is not text', async () => {
    const error = await invalid(writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: null as unknown as string } }));

    expect(error.message).toMatch(/expected text, got null/);
  });

  it('rejects a record of another kind', async () => {
    const error = await invalid(writeback.apply({ ...CHANGE_REQUEST, kind: 'opsitem', format: 'opsitem' }, { signal: { type: 'Approve', comment: '' } }));

    expect(error.errorCode).toBe('InvalidRecord');
    expect(error.message).toMatch(/got kind "opsitem" and format "opsitem"/);
  });

  it('rejects a key without an execution id', async () => {
    const error = await invalid(writeback.apply({ ...RUNBOOK, writebackKey: { region: 'us-east-1', account: '111122223333' } }, { signal: { type: 'Approve', comment: '' } }));

    expect(error.message).toMatch(/writebackKey.executionId "" is not an Automation execution id/);
  });

  it('rejects a key with a bad region', async () => {
    const error = await invalid(writeback.apply({ ...RUNBOOK, writebackKey: { ...RUNBOOK.writebackKey, region: 'US East' } }, { signal: { type: 'Approve', comment: '' } }));

    expect(error.message).toMatch(/writebackKey.region "US East" is not a region code/);
  });

  it('rejects a malformed OpsItem id', async () => {
    const error = await invalid(writeback.apply({ ...CHANGE_REQUEST, writebackKey: { ...CHANGE_REQUEST.writebackKey, opsItemId: 'oi-1' } }, { note: 'x' }));

    expect(error.message).toMatch(/writebackKey.opsItemId "oi-1" is not an OpsItem id/);
  });
});

describe('SendAutomationSignal errors', () => {
  const client = new SSMClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const ssm = mockClient(client);
  let log: ReturnType<typeof capturingLogger>;
  let writeback: ChangeRequestWriteback;

  beforeEach(() => {
    ssm.reset();
    log = capturingLogger();
    writeback = new ChangeRequestWriteback({ client, logger: log.logger });
  });

  afterEach(() => {
    ssm.reset();
  });

  async function signalError(promise: Promise<unknown>): Promise<AutomationSignalError> {
    const error = await rejectionOf(promise);
    expect(error).toBeInstanceOf(AutomationSignalError);
    return error as AutomationSignalError;
  }

  it.each([
    [
      'not waiting',
      new InvalidAutomationSignalException({ message: 'The signal is not valid for the current execution status', $metadata: METADATA }),
      'InvalidAutomationSignalException',
      false,
      SIGNAL_FAILURE_REASONS.notWaiting,
    ],
    [
      'not an approver',
      new InvalidAutomationSignalException({ message: 'arn:aws:sts::111122223333:assumed-role/ItsmSyncTaskRole/itsm-sync is not an approver', $metadata: METADATA }),
      'InvalidAutomationSignalException',
      false,
      SIGNAL_FAILURE_REASONS.notApprover,
    ],
    [
      'access denied',
      new SSMServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized to perform ssm:SendAutomationSignal', $metadata: METADATA }),
      'AccessDeniedException',
      false,
      SIGNAL_FAILURE_REASONS.notApprover,
    ],
    [
      'execution gone',
      new AutomationExecutionNotFoundException({ message: 'not found', $metadata: METADATA }),
      'AutomationExecutionNotFoundException',
      false,
      SIGNAL_FAILURE_REASONS.executionNotFound,
    ],
    [
      'step gone',
      new AutomationStepNotFoundException({ message: 'no step', $metadata: METADATA }),
      'AutomationStepNotFoundException',
      false,
      SIGNAL_FAILURE_REASONS.stepNotFound,
    ],
    [
      'throttled',
      new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: METADATA }),
      'ThrottlingException',
      true,
      SIGNAL_FAILURE_REASONS.throttled,
    ],
    ['server error', new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } }), 'InternalServerError', true, SIGNAL_FAILURE_REASONS.awsFailure],
    [
      'bad credentials',
      new SSMServiceException({ name: 'UnrecognizedClientException', $fault: 'client', message: 'invalid token', $metadata: METADATA }),
      'UnrecognizedClientException',
      false,
      SIGNAL_FAILURE_REASONS.credentials,
    ],
  ])('classifies %s', async (_case, awsError, code, retryable, reason) => {
    ssm.on(SendAutomationSignalCommand).rejects(awsError);

    const error = await signalError(writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'ok' } }));

    expect(error.errorCode).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.reason).toBe(reason);
    expect(error.executionId).toBe(EXECUTION_ID);
    expect(error.region).toBe('us-east-1');
    expect(error.signalType).toBe('Approve');
    expect(error.operation).toBe('SendAutomationSignal');
    expect(error.message).toContain(`SendAutomationSignal Approve failed for Automation execution ${EXECUTION_ID} in us-east-1: ${code}`);
    expect(error.cause).toBe(awsError);
  });

  it('retries a network failure', async () => {
    ssm.on(SendAutomationSignalCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));

    const error = await signalError(writeback.apply(RUNBOOK, { signal: { type: 'Reject', comment: 'no' } }));

    expect(error.errorCode).toBe('ECONNREFUSED');
    expect(error.retryable).toBe(true);
    expect(error.reason).toBe(SIGNAL_FAILURE_REASONS.awsFailure);
  });

  it('names the approver setup in the advice', async () => {
    ssm.on(SendAutomationSignalCommand).rejects(new SSMServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'denied', $metadata: METADATA }));

    const error = await signalError(writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'ok' } }));

    expect(error.message).toMatch(/ssm:SendAutomationSignal, and must be one of the approvers/);
  });

  it('writes no OpsItem after a failed signal', async () => {
    ssm.on(SendAutomationSignalCommand).rejects(new InvalidAutomationSignalException({ message: 'not waiting', $metadata: METADATA }));

    await signalError(writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'ok' }, ticket: TICKET }));

    expect(ssm.commandCalls(UpdateOpsItemCommand)).toHaveLength(0);
  });

  it('reports an OpsItem failure after a sent signal', async () => {
    ssm.on(SendAutomationSignalCommand).resolves({});
    ssm.on(UpdateOpsItemCommand).rejects(new OpsItemAccessDeniedException({ message: 'denied', $metadata: METADATA }));

    const error = await rejectionOf(writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'ok' }, ticket: TICKET }));

    expect(error).toBeInstanceOf(OpsItemWritebackError);
    expect(error).not.toBeInstanceOf(AutomationSignalError);
    expect(ssm.commandCalls(SendAutomationSignalCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetOpsItemCommand)).toHaveLength(0);
  });

  it('keeps credentials out of the error', async () => {
    ssm.on(SendAutomationSignalCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: METADATA }));

    const error = await signalError(writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'ok' } }));

    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(log.text()).not.toContain(TEST_CREDENTIALS.secretAccessKey);
  });
});

describe('wire errors', () => {
  let server: WireServer;

  beforeAll(async () => {
    server = await startWireServer({ SendAutomationSignal: () => awsError('InvalidAutomationSignalException', 'The signal is not valid for the current Automation execution.') });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('reads the error type from the wire', async () => {
    const writeback = new ChangeRequestWriteback({ client: server.client, logger: capturingLogger().logger });

    const error = await rejectionOf<AutomationSignalError>(writeback.apply(CHANGE_REQUEST, { signal: { type: 'Approve', comment: 'ok' } }));

    expect(error).toBeInstanceOf(AutomationSignalError);
    expect(error.errorCode).toBe('InvalidAutomationSignalException');
    expect(error.httpStatus).toBe(400);
    expect(error.requestId).toBeTruthy();
    expect(error.reason).toBe(SIGNAL_FAILURE_REASONS.notWaiting);
  });
});
