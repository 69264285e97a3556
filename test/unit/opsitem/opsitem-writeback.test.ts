/**
 * Error paths and input checks of OpsItemWriteback, with the SDK client mocked. The happy paths run
 * against the SSM simulator in test/integration/ssm.
 */
import {
  GetOpsItemCommand,
  InternalServerError,
  OpsItemAccessDeniedException,
  OpsItemConflictException,
  OpsItemInvalidParameterException,
  OpsItemNotFoundException,
  SSMClient,
  ThrottlingException,
  UpdateOpsItemCommand,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { WritebackRecord } from '../../../src/core/types.js';
import { OpsItemWriteback, OpsItemWritebackError } from '../../../src/writeback/opsitem-writeback.js';
import { capturingLogger, rejectionOf, TEST_CREDENTIALS } from '../../integration/ssm/support.js';

const client = new SSMClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
const ssm = mockClient(client);
let writeback: OpsItemWriteback;
let log: ReturnType<typeof capturingLogger>;

const RECORD: WritebackRecord = {
  kind: 'opsitem',
  format: 'opsitem',
  displayId: 'oi-4f3a2b1c0d9e',
  writebackKey: { opsItemId: 'oi-4f3a2b1c0d9e', region: 'us-east-1', account: '111122223333' },
};

const METADATA = { httpStatusCode: 400, requestId: 'req-1' };

beforeEach(() => {
  ssm.reset();
  log = capturingLogger();
  writeback = new OpsItemWriteback({ client, logger: log.logger });
});

afterEach(() => {
  ssm.reset();
});

async function writebackError(promise: Promise<unknown>): Promise<OpsItemWritebackError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(OpsItemWritebackError);
  return error as OpsItemWritebackError;
}

describe('input checks', () => {
  it('rejects an unknown status before any call', async () => {
    const error = await writebackError(writeback.apply(RECORD, { status: 'In Progress' }));

    expect(error.message).toContain('"In Progress"');
    expect(error.message).toContain('Open, InProgress, Resolved');
    expect(error.errorCode).toBe('InvalidOpsItemStatus');
    expect(error.retryable).toBe(false);
    expect(error.opsItemId).toBe('oi-4f3a2b1c0d9e');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('rejects a change-request status', async () => {
    const error = await writebackError(writeback.apply(RECORD, { status: 'Approved' }));

    expect(error.errorCode).toBe('InvalidOpsItemStatus');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('rejects a record of another kind', async () => {
    const error = await writebackError(writeback.apply({ ...RECORD, kind: 'finding', format: 'asff' }, { status: 'Resolved' }));

    expect(error.message).toMatch(/handles records of kind and format "opsitem", got kind "finding" and format "asff"/);
    expect(error.errorCode).toBe('InvalidRecord');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('rejects a key without an OpsItem id', async () => {
    const error = await writebackError(writeback.apply({ ...RECORD, writebackKey: { region: 'us-east-1', account: '111122223333' } }, { status: 'Resolved' }));

    expect(error.message).toMatch(/writebackKey.opsItemId "" is not an OpsItem id/);
    expect(error.retryable).toBe(false);
  });

  it('rejects a key without a region', async () => {
    const error = await writebackError(
      writeback.apply({ ...RECORD, writebackKey: { opsItemId: 'oi-4f3a2b1c0d9e', region: 'US East', account: '111122223333' } }, { note: 'x' }),
    );

    expect(error.message).toMatch(/writebackKey.region "US East" is not a region code/);
  });

  it('writes nothing for an empty action', async () => {
    await writeback.apply(RECORD, { note: '   ' });

    expect(ssm.calls()).toHaveLength(0);
    expect(log.lines().at(-1)?.msg).toMatch(/Nothing to write back/);
  });
});

describe('SSM errors', () => {
  it.each([
    [new OpsItemNotFoundException({ message: 'not found', $metadata: METADATA }), 'OpsItemNotFoundException', false, /deleted/],
    [new OpsItemConflictException({ message: 'being deleted', $metadata: METADATA }), 'OpsItemConflictException', false, /being deleted/],
    [new OpsItemAccessDeniedException({ message: 'denied', $metadata: METADATA }), 'OpsItemAccessDeniedException', false, /ssm:UpdateOpsItem/],
    [new OpsItemInvalidParameterException({ message: 'bad', $metadata: METADATA }), 'OpsItemInvalidParameterException', false, /invalid/],
    [new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: METADATA }), 'ThrottlingException', true, /throttled/],
    [new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } }), 'InternalServerError', true, /failed on its side/],
  ])('classifies %s', async (awsError, code, retryable, advice) => {
    ssm.on(UpdateOpsItemCommand).rejects(awsError);

    const error = await writebackError(writeback.apply(RECORD, { status: 'Resolved' }));

    expect(error.errorCode).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.operation).toBe('UpdateOpsItem');
    expect(error.region).toBe('us-east-1');
    expect(error.message).toMatch(advice);
    expect(error.cause).toBe(awsError);
  });

  it('reports a failed notes read as GetOpsItem', async () => {
    ssm.on(GetOpsItemCommand).rejects(new OpsItemAccessDeniedException({ message: 'denied', $metadata: METADATA }));

    const error = await writebackError(writeback.apply(RECORD, { note: 'Resolved in INC0010043' }));

    expect(error.operation).toBe('GetOpsItem');
    expect(error.message).toMatch(/ssm:GetOpsItem/);
    expect(ssm.commandCalls(UpdateOpsItemCommand)).toHaveLength(0);
  });

  it('keeps credentials out of the error', async () => {
    ssm.on(UpdateOpsItemCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: METADATA }));

    const error = await writebackError(writeback.apply(RECORD, { status: 'Resolved' }));

    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(log.text()).not.toContain(TEST_CREDENTIALS.secretAccessKey);
  });
});

describe('request', () => {
  it('sends status, ticket and notes in one update', async () => {
    ssm.on(GetOpsItemCommand).resolves({ OpsItem: { OpsItemId: 'oi-4f3a2b1c0d9e', OperationalData: {} } });
    ssm.on(UpdateOpsItemCommand).resolves({});
    const clocked = new OpsItemWriteback({ client, logger: log.logger, clock: () => new Date('2025-03-11T09:02:05Z') });

    await clocked.apply(RECORD, {
      status: 'InProgress',
      note: 'Tracked in INC0010043',
      ticket: { system: 'servicenow', table: 'incident', id: 'a1b2', number: 'INC0010043', url: 'https://itsm-dev.example.com/incident.do?sys_id=a1b2' },
    });

    const updates = ssm.commandCalls(UpdateOpsItemCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toEqual({
      OpsItemId: 'oi-4f3a2b1c0d9e',
      Status: 'InProgress',
      OperationalData: {
        'itsm-sync:ticket': {
          Value: '{"system":"servicenow","number":"INC0010043","url":"https://itsm-dev.example.com/incident.do?sys_id=a1b2"}',
          Type: 'SearchableString',
        },
        'itsm-sync:notes': { Value: '--- 2025-03-11T09:02:05.000Z ---\nTracked in INC0010043', Type: 'String' },
      },
    });
  });

  it('reads nothing without a note', async () => {
    ssm.on(UpdateOpsItemCommand).resolves({});

    await writeback.apply(RECORD, { status: 'Resolved' });

    expect(ssm.commandCalls(GetOpsItemCommand)).toHaveLength(0);
    expect(ssm.commandCalls(UpdateOpsItemCommand)[0]!.args[0].input).toEqual({ OpsItemId: 'oi-4f3a2b1c0d9e', Status: 'Resolved' });
  });

  it('asks the provider for the record\'s region and account', async () => {
    ssm.on(UpdateOpsItemCommand).resolves({});
    const requested: string[] = [];
    const provided = new OpsItemWriteback({
      client: (region, account) => {
        requested.push(`${region}/${account}`);
        return client;
      },
      logger: log.logger,
    });

    await provided.apply({ ...RECORD, writebackKey: { ...RECORD.writebackKey, region: 'eu-west-1' } }, { status: 'Open' });

    expect(requested).toEqual(['eu-west-1/111122223333']);
  });
});
