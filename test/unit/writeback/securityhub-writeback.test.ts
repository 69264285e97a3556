/**
 * Error paths and input checks of SecurityHubWriteback, with the SDK client mocked. The happy paths
 * run against the Security Hub simulator in test/integration/writeback.
 */
import {
  AccessDeniedException,
  BatchUpdateFindingsCommand,
  BatchUpdateFindingsV2Command,
  InternalException,
  InvalidAccessException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/core/types.js';
import { FindingWritebackError, SecurityHubWriteback } from '../../../src/writeback/securityhub-writeback.js';
import { asffFinding, asffRecord, capturingLogger, ocsfFinding, ocsfRecord } from '../../integration/writeback/support.js';

const s3Finding = asffFinding('imported-cspm-s3-bucket-control-failed.json');
const configFinding = ocsfFinding('findings-imported-v2-ocsf-compliance.json');

const client = new SecurityHubClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAUNITTEST', secretAccessKey: 'unit-test-secret' } });
const securityHub = mockClient(client);
let writeback: SecurityHubWriteback;

beforeEach(() => {
  securityHub.reset();
  writeback = new SecurityHubWriteback({ client, logger: capturingLogger().logger });
});

afterEach(() => {
  securityHub.reset();
});

async function writebackError(promise: Promise<unknown>): Promise<FindingWritebackError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FindingWritebackError);
  return error as FindingWritebackError;
}

/** Builds an error shaped like the SDK's for an error type that Security Hub's model does not list. */
function awsError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode, requestId: 'req-1' } });
}

describe('input checks', () => {
  it('rejects an unknown status before any call', async () => {
    const error = await writebackError(writeback.apply(asffRecord(s3Finding), { status: 'CLOSED' }));

    expect(error.message).toContain('"CLOSED"');
    expect(error.message).toContain('NEW, NOTIFIED, RESOLVED, SUPPRESSED');
    expect(error.errorCode).toBe('InvalidWorkflowStatus');
    expect(error.retryable).toBe(false);
    expect(securityHub.calls()).toHaveLength(0);
  });

  it('rejects a record that is not a finding', async () => {
    const record: SourceRecord = { ...asffRecord(s3Finding), kind: 'opsitem', displayId: 'oi-0123456789ab' };

    const error = await writebackError(writeback.apply(record, { status: 'NOTIFIED' }));
    expect(error.message).toContain('kind "opsitem"');
    expect(securityHub.calls()).toHaveLength(0);
  });

  it('rejects an unknown finding format', async () => {
    const record: SourceRecord = { ...asffRecord(s3Finding), format: 'csv' };

    const error = await writebackError(writeback.apply(record, { status: 'NOTIFIED' }));
    expect(error.message).toContain('format "csv"');
  });

  it('rejects an ASFF key without ProductArn', async () => {
    const record: SourceRecord = { ...asffRecord(s3Finding), writebackKey: { id: s3Finding.Id } };

    const error = await writebackError(writeback.apply(record, { status: 'NOTIFIED' }));
    expect(error.message).toContain('writebackKey.productArn');
    expect(error.errorCode).toBe('InvalidRecord');
  });

  it('rejects an OCSF key without any identifier', async () => {
    const record: SourceRecord = { ...ocsfRecord(configFinding), writebackKey: { findingInfoUid: 'only-this' } };

    const error = await writebackError(writeback.apply(record, { note: 'x' }));
    expect(error.message).toContain('writebackKey.metadataUid');
  });

  it('rejects an UpdatedBy longer than 128', () => {
    expect(() => new SecurityHubWriteback({ client, logger: capturingLogger().logger, updatedBy: 'u'.repeat(129) })).toThrow(
      /updatedBy must be 1 to 128 characters long/,
    );
  });

  it('skips the call when nothing applies', async () => {
    // An OCSF finding has no field for the ticket, and an empty note counts as no note.
    await writeback.apply(ocsfRecord(configFinding), { note: '  ', ticket: { system: 'jira', table: 'SEC', id: '10001', number: 'SEC-1', url: 'https://jira.example/SEC-1' } });

    expect(securityHub.calls()).toHaveLength(0);
  });

  it('uses FindingIdentifiers when metadata.uid is missing', async () => {
    securityHub.on(BatchUpdateFindingsV2Command).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
    const record = ocsfRecord(configFinding);
    const { metadataUid: _dropped, ...withoutMetadataUid } = record.writebackKey;

    await writeback.apply({ ...record, writebackKey: withoutMetadataUid }, { status: 'NEW' });

    const input = securityHub.commandCalls(BatchUpdateFindingsV2Command)[0]?.args[0].input;
    expect(input?.MetadataUids).toBeUndefined();
    expect(input?.FindingIdentifiers).toEqual([
      { CloudAccountUid: '111122223333', FindingInfoUid: withoutMetadataUid.findingInfoUid, MetadataProductUid: withoutMetadataUid.productUid },
    ]);
    expect(input?.StatusId).toBe(1);
  });
});

describe('unprocessed findings', () => {
  it.each([
    ['ConcurrentUpdateError', true],
    ['InternalFailure', true],
    ['FindingNotFound', false],
    ['FindingSizeExceeded', false],
    ['InvalidInput', false],
    ['DuplicatedFindingIdentifier', false],
  ])('ASFF %s is retryable: %s', async (errorCode, retryable) => {
    securityHub.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [{ FindingIdentifier: { Id: s3Finding.Id, ProductArn: s3Finding.ProductArn }, ErrorCode: errorCode, ErrorMessage: 'detail' }],
    });

    const error = await writebackError(writeback.apply(asffRecord(s3Finding), { status: 'NOTIFIED' }));
    expect(error.errorCode).toBe(errorCode);
    expect(error.retryable).toBe(retryable);
    expect(error.awsMessage).toBe('detail');
  });

  it.each([
    ['ConflictException', true],
    ['InternalServerException', true],
    ['ResourceNotFoundException', false],
    ['ValidationException', false],
  ] as const)('OCSF %s is retryable: %s', async (errorCode, retryable) => {
    securityHub.on(BatchUpdateFindingsV2Command).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [{ MetadataUid: configFinding.metadata.uid, ErrorCode: errorCode, ErrorMessage: 'detail' }],
    });

    const error = await writebackError(writeback.apply(ocsfRecord(configFinding), { note: 'Tracked in SEC-12' }));
    expect(error.errorCode).toBe(errorCode);
    expect(error.retryable).toBe(retryable);
    expect(error.operation).toBe('BatchUpdateFindingsV2');
  });
});

describe('SDK errors', () => {
  it('names the permission on AccessDeniedException for V2', async () => {
    securityHub.on(BatchUpdateFindingsV2Command).rejects(
      new AccessDeniedException({ message: 'User is not authorized to perform: securityhub:BatchUpdateFindings', $metadata: { httpStatusCode: 403 } }),
    );

    const error = await writebackError(writeback.apply(ocsfRecord(configFinding), { status: 'RESOLVED' }));
    expect(error.message).toContain('task role needs the securityhub:BatchUpdateFindings permission');
    expect(error.retryable).toBe(false);
    expect(error.httpStatus).toBe(403);
  });

  it('points at Security Hub enablement on InvalidAccessException', async () => {
    securityHub.on(BatchUpdateFindingsCommand).rejects(
      new InvalidAccessException({ message: 'Account 111122223333 is not subscribed to AWS Security Hub', $metadata: { httpStatusCode: 401 } }),
    );

    const error = await writebackError(writeback.apply(asffRecord(s3Finding), { status: 'RESOLVED' }));
    expect(error.message).toContain('Security Hub is enabled');
    expect(error.retryable).toBe(false);
  });

  it.each([
    ['TooManyRequestsException', 429, true],
    ['LimitExceededException', 429, true],
    ['ThrottlingException', 429, true],
    ['InvalidInputException', 400, false],
    ['ValidationException', 400, false],
  ])('%s is retryable: %s', async (name, status, retryable) => {
    securityHub.on(BatchUpdateFindingsCommand).rejects(awsError(name, 'detail', status));

    const error = await writebackError(writeback.apply(asffRecord(s3Finding), { status: 'RESOLVED' }));
    expect(error.errorCode).toBe(name);
    expect(error.retryable).toBe(retryable);
    expect(error.httpStatus).toBe(status);
    expect(error.requestId).toBe('req-1');
  });

  it('treats InternalException as retryable', async () => {
    securityHub.on(BatchUpdateFindingsCommand).rejects(new InternalException({ message: 'Internal service error', $metadata: { httpStatusCode: 500 } }));

    const error = await writebackError(writeback.apply(asffRecord(s3Finding), { status: 'RESOLVED' }));
    expect(error.retryable).toBe(true);
  });

  it('keeps the SDK error as the cause', async () => {
    const cause = awsError('InvalidInputException', 'detail', 400);
    securityHub.on(BatchUpdateFindingsCommand).rejects(cause);

    const error = await writebackError(writeback.apply(asffRecord(s3Finding), { status: 'RESOLVED' }));
    expect(error.cause).toBe(cause);
  });
});
