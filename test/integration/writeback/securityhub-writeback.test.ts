/**
 * The Security Hub write-back driving the real SecurityHubClient against the Security Hub
 * simulator over loopback.
 */
import { GetFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSecurityHubSimulator, type SecurityHubSimulator } from '../../../src/simulators/securityhub/server.js';
import {
  createSecurityHubClient,
  FindingWritebackError,
  SecurityHubWriteback,
} from '../../../src/writeback/securityhub-writeback.js';
import {
  asffFinding,
  asffRecord,
  capturingLogger,
  hasLoneSurrogate,
  ocsfFinding,
  ocsfRecord,
  TEST_CREDENTIALS,
} from './support.js';

const s3Finding = asffFinding('imported-cspm-s3-bucket-control-failed.json');
const rootMfaFinding = asffFinding('imported-cspm-iam-root-hardware-mfa-failed.json');
const configFinding = ocsfFinding('findings-imported-v2-ocsf-compliance.json');

const ticket = {
  system: 'servicenow' as const,
  table: 'incident',
  id: '9d385017c611228701d22104cc95c371',
  number: 'INC0010001',
  url: 'https://itsm-dev.example.com/nav_to.do?uri=incident.do?sys_id=9d385017c611228701d22104cc95c371',
};

let simulator: SecurityHubSimulator;
let client: SecurityHubClient;
let logs: ReturnType<typeof capturingLogger>;
let writeback: SecurityHubWriteback;

beforeEach(async () => {
  simulator = await startSecurityHubSimulator();
  simulator.seedFindings([s3Finding, rootMfaFinding]);
  simulator.seedOcsfFindings([configFinding]);
  logs = capturingLogger();
  client = createSecurityHubClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, logger: logs.logger });
  writeback = new SecurityHubWriteback({ client, logger: logs.logger });
});

afterEach(async () => {
  client.destroy();
  await simulator.stop();
});

/** Runs `promise`, expecting it to reject with a FindingWritebackError, and returns that error. */
async function writebackError(promise: Promise<unknown>): Promise<FindingWritebackError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FindingWritebackError);
  return error as FindingWritebackError;
}

describe('ASFF write-back', () => {
  it('sets Workflow NOTIFIED, the note and the ticket fields', async () => {
    await writeback.apply(asffRecord(s3Finding), { status: 'NOTIFIED', note: 'Tracked in INC0010001', ticket });

    const stored = simulator.getFinding(s3Finding.Id, s3Finding.ProductArn);
    expect(stored?.Workflow).toEqual({ Status: 'NOTIFIED' });
    const note = stored?.Note as { Text: string; UpdatedBy: string; UpdatedAt: string };
    expect(note.Text).toBe('Tracked in INC0010001');
    expect(note.UpdatedBy).toBe('itsm-sync');
    expect(Number.isNaN(Date.parse(note.UpdatedAt))).toBe(false);
    expect(stored?.UserDefinedFields).toEqual({ ItsmSyncTicket: 'INC0010001', ItsmSyncTicketUrl: ticket.url });
  });

  it('leaves UpdatedAt and other findings alone', async () => {
    await writeback.apply(asffRecord(s3Finding), { status: 'NOTIFIED' });

    const stored = simulator.getFinding(s3Finding.Id);
    expect(stored?.UpdatedAt).toBe(s3Finding.UpdatedAt);
    expect(stored?.ProcessedAt).not.toBe(s3Finding.ProcessedAt);
    expect(simulator.getFinding(rootMfaFinding.Id)).toEqual(rootMfaFinding);
  });

  it('sends one BatchUpdateFindings call for the finding', async () => {
    await writeback.apply(asffRecord(s3Finding), { status: 'RESOLVED', note: 'Closed in INC0010001' });

    expect(simulator.calls).toHaveLength(1);
    expect(simulator.calls[0]?.operation).toBe('BatchUpdateFindings');
    expect(simulator.calls[0]?.body).toEqual({
      FindingIdentifiers: [{ Id: s3Finding.Id, ProductArn: s3Finding.ProductArn }],
      Workflow: { Status: 'RESOLVED' },
      Note: { Text: 'Closed in INC0010001', UpdatedBy: 'itsm-sync' },
    });
  });

  it('is visible through GetFindings', async () => {
    await writeback.apply(asffRecord(s3Finding), { status: 'NOTIFIED', note: 'Tracked in INC0010001' });

    const output = await client.send(new GetFindingsCommand({ Filters: { Id: [{ Value: s3Finding.Id, Comparison: 'EQUALS' }] } }));
    expect(output.Findings).toHaveLength(1);
    expect(output.Findings?.[0]?.Workflow?.Status).toBe('NOTIFIED');
    expect(output.Findings?.[0]?.Note?.Text).toBe('Tracked in INC0010001');
  });

  it('cuts a long note to 512 without splitting an emoji', async () => {
    // The emoji (two UTF-16 code units) would straddle the cut, so it must go as a whole.
    const note = `${'a'.repeat(510)}😀😀 and more text after the limit`;
    await writeback.apply(asffRecord(s3Finding), { note });

    const text = (simulator.getFinding(s3Finding.Id)?.Note as { Text: string }).Text;
    expect(text.length).toBeLessThanOrEqual(512);
    expect(hasLoneSurrogate(text)).toBe(false);
    expect(text.endsWith('…')).toBe(true);
    expect(note.startsWith(text.slice(0, -1))).toBe(true);
    expect(text).toBe(`${'a'.repeat(510)}…`);
  });

  it('keeps an emoji that fits before the cut', async () => {
    const note = `${'a'.repeat(509)}😀${'b'.repeat(100)}`;
    await writeback.apply(asffRecord(s3Finding), { note });

    const text = (simulator.getFinding(s3Finding.Id)?.Note as { Text: string }).Text;
    expect(text).toBe(`${'a'.repeat(509)}😀…`);
    expect(text.length).toBe(512);
  });

  it('rejects an unknown finding as not retryable', async () => {
    const unknown = { Id: `${s3Finding.Id}-deleted`, ProductArn: s3Finding.ProductArn };

    const error = await writebackError(writeback.apply(asffRecord(unknown), { status: 'NOTIFIED' }));
    expect(error.errorCode).toBe('FindingNotFound');
    expect(error.retryable).toBe(false);
    expect(error.findingId).toBe(unknown.Id);
    expect(error.operation).toBe('BatchUpdateFindings');
    expect(error.message).toContain(unknown.Id);
  });
});

describe('OCSF write-back', () => {
  const metadataUid = configFinding.metadata.uid;

  it('sets the comment and the status', async () => {
    await writeback.apply(ocsfRecord(configFinding), { status: 'NOTIFIED', note: 'Tracked in SEC-12' });

    const stored = simulator.getOcsfFinding(metadataUid);
    expect(stored?.comment).toBe('Tracked in SEC-12');
    expect(stored?.status_id).toBe(2);
    expect(stored?.status).toBe('In Progress');
    expect(stored?.finding_info).toEqual(configFinding.finding_info);
  });

  it('addresses the finding by metadata.uid only', async () => {
    await writeback.apply(ocsfRecord(configFinding), { status: 'RESOLVED', note: 'Closed in SEC-12' });

    expect(simulator.calls).toHaveLength(1);
    expect(simulator.calls[0]?.operation).toBe('BatchUpdateFindingsV2');
    expect(simulator.calls[0]?.body).toEqual({ MetadataUids: [metadataUid], Comment: 'Closed in SEC-12', StatusId: 4 });
  });

  it('cuts a long comment to 512', async () => {
    const note = `${'c'.repeat(511)}👍🏽 after the limit`;
    await writeback.apply(ocsfRecord(configFinding), { note });

    const comment = simulator.getOcsfFinding(metadataUid)?.comment as string;
    expect(comment).toBe(`${'c'.repeat(511)}…`);
    expect(hasLoneSurrogate(comment)).toBe(false);
  });

  it('rejects an unknown finding as not retryable', async () => {
    const unknown = structuredClone(configFinding);
    unknown.metadata.uid = '0'.repeat(64);

    const error = await writebackError(writeback.apply(ocsfRecord(unknown), { note: 'Tracked in SEC-12' }));
    expect(error.errorCode).toBe('ResourceNotFoundException');
    expect(error.retryable).toBe(false);
    expect(error.findingId).toBe(unknown.metadata.uid);
  });
});

describe('SDK retries', () => {
  it('succeeds after one throttled attempt', async () => {
    simulator.injectFaults([{ operation: 'BatchUpdateFindings', status: 429 }]);

    await writeback.apply(asffRecord(s3Finding), { status: 'NOTIFIED' });

    expect(simulator.calls.map((call) => call.status)).toEqual([429, 200]);
    expect((simulator.getFinding(s3Finding.Id)?.Workflow as { Status: string }).Status).toBe('NOTIFIED');
    const attemptWarnings = logs.lines.filter((line) => line.msg?.toString().startsWith('Security Hub request attempt failed'));
    expect(attemptWarnings).toHaveLength(1);
    expect(attemptWarnings[0]?.errorCode).toBe('TooManyRequestsException');
    expect(attemptWarnings[0]?.operation).toBe('BatchUpdateFindingsCommand');
  });

  it('reports throttling past maxAttempts as retryable', async () => {
    const twoAttempts = createSecurityHubClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 2 });
    const impatient = new SecurityHubWriteback({ client: twoAttempts, logger: logs.logger });
    simulator.injectFaults([{ operation: 'BatchUpdateFindingsV2', status: 429, times: 5 }]);

    try {
      const error = await writebackError(impatient.apply(ocsfRecord(configFinding), { status: 'RESOLVED' }));
      expect(error.errorCode).toBe('TooManyRequestsException');
      expect(error.retryable).toBe(true);
      expect(error.httpStatus).toBe(429);
      expect(simulator.calls).toHaveLength(2);
    } finally {
      twoAttempts.destroy();
    }
  });

  it('retries a server error', async () => {
    simulator.injectFaults([{ status: 500 }]);

    await writeback.apply(ocsfRecord(configFinding), { status: 'SUPPRESSED' });

    expect(simulator.calls.map((call) => call.status)).toEqual([500, 200]);
    expect(simulator.getOcsfFinding(configFinding.metadata.uid)?.status_id).toBe(3);
  });

  it('does not retry a validation error', async () => {
    simulator.injectFaults([{ operation: 'BatchUpdateFindings', status: 400, message: 'Invalid parameter Note' }]);

    const error = await writebackError(writeback.apply(asffRecord(s3Finding), { note: 'Tracked in INC0010001' }));
    expect(error.errorCode).toBe('InvalidInputException');
    expect(error.retryable).toBe(false);
    expect(error.awsMessage).toBe('Invalid parameter Note');
    expect(simulator.calls).toHaveLength(1);
  });

  it('names the IAM permission on access denied', async () => {
    simulator.injectFaults([{ status: 403 }]);

    const error = await writebackError(writeback.apply(asffRecord(s3Finding), { status: 'NOTIFIED' }));
    expect(error.errorCode).toBe('AccessDeniedException');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('securityhub:BatchUpdateFindings');
    expect(simulator.calls).toHaveLength(1);
  });
});

describe('logging', () => {
  it('writes one debug line per write-back', async () => {
    await writeback.apply(asffRecord(s3Finding), { status: 'NOTIFIED', note: 'Tracked in INC0010001' });
    await writeback.apply(ocsfRecord(configFinding), { status: 'RESOLVED' });

    const written = logs.lines.filter((line) => line.msg === 'Wrote back to Security Hub finding');
    expect(written).toHaveLength(2);
    expect(written[0]).toMatchObject({ level: 20, findingId: s3Finding.Id, format: 'asff', status: 'NOTIFIED' });
    expect(written[1]).toMatchObject({ level: 20, findingId: configFinding.metadata.uid, format: 'ocsf', status: 'RESOLVED' });
  });

  it('never logs credentials', async () => {
    simulator.injectFaults([{ status: 429 }, { status: 403 }]);

    await writeback.apply(asffRecord(s3Finding), { status: 'NOTIFIED' }).catch(() => undefined);

    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(logs.text()).not.toContain(TEST_CREDENTIALS.sessionToken);
    expect(logs.text()).not.toContain(TEST_CREDENTIALS.accessKeyId);
    expect(logs.text().toLowerCase()).not.toContain('authorization');
  });
});

describe('endpoint from the environment', () => {
  it('honours AWS_ENDPOINT_URL_SECURITYHUB', async () => {
    const saved = {
      service: process.env.AWS_ENDPOINT_URL_SECURITYHUB,
      global: process.env.AWS_ENDPOINT_URL,
      ignore: process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
    };
    // The general variable points at a closed loopback port: reaching it would fail the call,
    // which shows that the service-specific variable takes precedence.
    process.env.AWS_ENDPOINT_URL_SECURITYHUB = simulator.url;
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
    const fromEnvironment = createSecurityHubClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });

    try {
      await new SecurityHubWriteback({ client: fromEnvironment, logger: logs.logger }).apply(asffRecord(s3Finding), { status: 'NOTIFIED' });

      expect(simulator.calls).toHaveLength(1);
      expect((simulator.getFinding(s3Finding.Id)?.Workflow as { Status: string }).Status).toBe('NOTIFIED');
    } finally {
      fromEnvironment.destroy();
      restoreEnv('AWS_ENDPOINT_URL_SECURITYHUB', saved.service);
      restoreEnv('AWS_ENDPOINT_URL', saved.global);
      restoreEnv('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', saved.ignore);
    }
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = value;
  }
}
