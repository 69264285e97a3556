/**
 * The Security Hub simulator, checked through the real SDK client and through raw HTTP.
 */
import {
  BatchUpdateFindingsCommand,
  BatchUpdateFindingsV2Command,
  GetFindingsCommand,
  InvalidInputException,
  paginateGetFindings,
  SecurityHubClient,
  ValidationException,
  type AwsSecurityFinding,
  type BatchUpdateFindingsCommandInput,
} from '@aws-sdk/client-securityhub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSecurityHubSimulator, type SecurityHubSimulator } from '../../../src/simulators/securityhub/server.js';
import { asffFinding, ocsfFinding, TEST_CREDENTIALS } from './support.js';

const s3Finding = asffFinding('imported-cspm-s3-bucket-control-failed.json');
const rootMfaFinding = asffFinding('imported-cspm-iam-root-hardware-mfa-failed.json');
const guardDutyFinding = asffFinding('imported-guardduty-root-credential-usage.json');
const configFinding = ocsfFinding('findings-imported-v2-ocsf-compliance.json');

let simulator: SecurityHubSimulator;
let client: SecurityHubClient;

beforeEach(async () => {
  simulator = await startSecurityHubSimulator();
  simulator.seedFindings([s3Finding, rootMfaFinding, guardDutyFinding]);
  simulator.seedOcsfFindings([configFinding]);
  // One attempt, so each test gets exactly the responses the simulator sent.
  client = new SecurityHubClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await simulator.stop();
});

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

function identifierOf(finding: { Id: string; ProductArn: string }) {
  return { Id: finding.Id, ProductArn: finding.ProductArn };
}

describe('HTTP surface', () => {
  it('rejects a request without Authorization', async () => {
    const response = await fetch(`${simulator.url}/findings/batchupdate`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ FindingIdentifiers: [identifierOf(s3Finding)], Workflow: { Status: 'NOTIFIED' } }),
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect((simulator.getFinding(s3Finding.Id)?.Workflow as { Status: string }).Status).toBe('NEW');
  });

  it('answers an unknown path with 404', async () => {
    const response = await fetch(`${simulator.url}/findings/nothing-here`, { method: 'POST', headers: { authorization: 'AWS4-HMAC-SHA256 test' }, body: '{}' });

    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(simulator.calls[0]?.operation).toBe('Unknown');
  });

  it('sends the AWS JSON error shape', async () => {
    const response = await fetch(`${simulator.url}/findings/batchupdate`, {
      method: 'PATCH',
      headers: { authorization: 'AWS4-HMAC-SHA256 test', 'content-type': 'application/json' },
      body: '{"FindingIdentifiers": []}',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidInputException');
    const body = (await response.json()) as { Code: string; Message: string };
    expect(body.Code).toBe('InvalidInputException');
    expect(body.Message).toContain('FindingIdentifiers');
  });
});

describe('BatchUpdateFindings', () => {
  it('rejects a note without UpdatedBy', async () => {
    const input = { FindingIdentifiers: [identifierOf(s3Finding)], Note: { Text: 'Tracked' } } as unknown as BatchUpdateFindingsCommandInput;

    const error = await rejection(client.send(new BatchUpdateFindingsCommand(input)));
    expect(error).toBeInstanceOf(InvalidInputException);
    expect(error.message).toContain('Note.UpdatedBy');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('rejects a note longer than 512', async () => {
    const input = { FindingIdentifiers: [identifierOf(s3Finding)], Note: { Text: 'x'.repeat(513), UpdatedBy: 'itsm-sync' } };

    const error = await rejection(client.send(new BatchUpdateFindingsCommand(input)));
    expect(error).toBeInstanceOf(InvalidInputException);
    expect(error.message).toContain('Note.Text');
  });

  it('rejects more than 100 identifiers', async () => {
    const identifiers = Array.from({ length: 101 }, (_, index) => ({ Id: `finding-${index}`, ProductArn: s3Finding.ProductArn }));

    const error = await rejection(client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: identifiers, Workflow: { Status: 'NOTIFIED' } })));
    expect(error).toBeInstanceOf(InvalidInputException);
    expect(error.message).toContain('1 to 100');
  });

  it('rejects an unknown workflow status', async () => {
    const input = { FindingIdentifiers: [identifierOf(s3Finding)], Workflow: { Status: 'CLOSED' } } as unknown as BatchUpdateFindingsCommandInput;

    const error = await rejection(client.send(new BatchUpdateFindingsCommand(input)));
    expect(error).toBeInstanceOf(InvalidInputException);
    expect(error.message).toContain('"CLOSED"');
  });

  it('reports unknown and duplicated findings per finding', async () => {
    const unknown = { Id: 'no-such-finding', ProductArn: s3Finding.ProductArn };
    const output = await client.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [identifierOf(s3Finding), unknown, identifierOf(s3Finding)],
        Workflow: { Status: 'SUPPRESSED' },
      }),
    );

    expect(output.ProcessedFindings).toEqual([identifierOf(s3Finding)]);
    expect(output.UnprocessedFindings).toEqual([
      { FindingIdentifier: unknown, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' },
      { FindingIdentifier: identifierOf(s3Finding), ErrorCode: 'DuplicatedFindingIdentifier', ErrorMessage: 'Finding Identifier is duplicated' },
    ]);
    expect((simulator.getFinding(s3Finding.Id)?.Workflow as { Status: string }).Status).toBe('SUPPRESSED');
  });

  it('merges UserDefinedFields', async () => {
    simulator.seedFindings([{ ...rootMfaFinding, UserDefinedFields: { owner: 'platform-team' } }]);

    await client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [identifierOf(rootMfaFinding)], UserDefinedFields: { ticket: 'INC0010002' } }));

    expect(simulator.getFinding(rootMfaFinding.Id)?.UserDefinedFields).toEqual({ owner: 'platform-team', ticket: 'INC0010002' });
  });

  it('requires the ProductArn to match', async () => {
    const wrongProduct = { Id: guardDutyFinding.Id, ProductArn: s3Finding.ProductArn };

    const output = await client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [wrongProduct], Workflow: { Status: 'NOTIFIED' } }));

    expect(output.UnprocessedFindings?.[0]?.ErrorCode).toBe('FindingNotFound');
    expect(simulator.getFinding(guardDutyFinding.Id)?.Workflow).toEqual(guardDutyFinding.Workflow);
  });
});

describe('BatchUpdateFindingsV2', () => {
  const metadataUid = configFinding.metadata.uid;
  const identifier = {
    CloudAccountUid: (configFinding.cloud as { account: { uid: string } }).account.uid,
    FindingInfoUid: (configFinding.finding_info as { uid: string }).uid,
    MetadataProductUid: (configFinding.metadata.product as { uid: string }).uid,
  };

  it('rejects MetadataUids together with FindingIdentifiers', async () => {
    const error = await rejection(
      client.send(new BatchUpdateFindingsV2Command({ MetadataUids: [metadataUid], FindingIdentifiers: [identifier], Comment: 'x' })),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toContain('MetadataUids cannot be used together with FindingIdentifiers');
  });

  it('updates by FindingIdentifiers', async () => {
    const output = await client.send(new BatchUpdateFindingsV2Command({ FindingIdentifiers: [identifier], SeverityId: 2, StatusId: 4 }));

    expect(output.ProcessedFindings).toEqual([{ FindingIdentifier: identifier, MetadataUid: metadataUid }]);
    const stored = simulator.getOcsfFinding(metadataUid);
    expect(stored?.severity_id).toBe(2);
    expect(stored?.severity).toBe('Low');
    expect(stored?.status_id).toBe(4);
    expect(stored?.status).toBe('Resolved');
    expect(stored?.time).toBe(configFinding.time);
  });

  it('reports an unknown metadata.uid as ResourceNotFoundException', async () => {
    const output = await client.send(new BatchUpdateFindingsV2Command({ MetadataUids: ['f'.repeat(64)], Comment: 'Tracked' }));

    expect(output.ProcessedFindings).toEqual([]);
    expect(output.UnprocessedFindings).toEqual([{ MetadataUid: 'f'.repeat(64), ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Finding not found' }]);
  });

  it('rejects an unknown StatusId', async () => {
    const error = await rejection(client.send(new BatchUpdateFindingsV2Command({ MetadataUids: [metadataUid], StatusId: 7 })));
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toContain('StatusId');
  });

  it('rejects a comment longer than 512', async () => {
    const error = await rejection(client.send(new BatchUpdateFindingsV2Command({ MetadataUids: [metadataUid], Comment: 'y'.repeat(513) })));
    expect(error).toBeInstanceOf(ValidationException);
  });
});

describe('GetFindings', () => {
  it('filters by Id', async () => {
    const output = await client.send(new GetFindingsCommand({ Filters: { Id: [{ Value: rootMfaFinding.Id, Comparison: 'EQUALS' }] } }));

    expect(output.Findings?.map((finding) => finding.Id)).toEqual([rootMfaFinding.Id]);
    expect(output.NextToken).toBeUndefined();
  });

  it('filters by ProductArn', async () => {
    const output = await client.send(
      new GetFindingsCommand({ Filters: { ProductArn: [{ Value: 'arn:aws:securityhub:us-east-1::product/aws/securityhub', Comparison: 'EQUALS' }] } }),
    );

    expect(output.Findings?.map((finding) => finding.Id)).toEqual([s3Finding.Id, rootMfaFinding.Id]);
  });

  it('pages with MaxResults and NextToken', async () => {
    const pages: AwsSecurityFinding[][] = [];
    for await (const page of paginateGetFindings({ client, pageSize: 2 }, {})) {
      pages.push(page.Findings ?? []);
    }

    expect(pages.map((page) => page.length)).toEqual([2, 1]);
    expect(pages.flat().map((finding) => finding.Id)).toEqual([s3Finding.Id, rootMfaFinding.Id, guardDutyFinding.Id]);
  });

  it('rejects a filter it does not support', async () => {
    const error = await rejection(client.send(new GetFindingsCommand({ Filters: { NoteText: [{ Value: 'x', Comparison: 'EQUALS' }] } })));
    expect(error).toBeInstanceOf(InvalidInputException);
    expect(error.message).toContain("'NoteText'");
  });

  it('rejects a NextToken it did not issue', async () => {
    const error = await rejection(client.send(new GetFindingsCommand({ NextToken: 'not-a-token' })));
    expect(error).toBeInstanceOf(InvalidInputException);
  });
});

describe('faults', () => {
  it('throttles only the named operation', async () => {
    simulator.injectFaults([{ operation: 'GetFindings', status: 429 }]);

    await client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [identifierOf(s3Finding)], Workflow: { Status: 'NOTIFIED' } }));
    const error = await rejection(client.send(new GetFindingsCommand({})));
    await client.send(new GetFindingsCommand({}));

    expect(error.name).toBe('TooManyRequestsException');
    expect(error.$metadata?.httpStatusCode).toBe(429);
    expect(simulator.calls.map((call) => `${call.operation} ${call.status}`)).toEqual([
      'BatchUpdateFindings 200',
      'GetFindings 429',
      'GetFindings 200',
    ]);
  });

  it('reset removes findings, calls and faults', async () => {
    simulator.injectFaults([{ status: 500, times: 3 }]);
    await client.send(new GetFindingsCommand({})).catch(() => undefined);

    simulator.reset();

    expect(simulator.calls).toHaveLength(0);
    expect(simulator.getFinding(s3Finding.Id)).toBeUndefined();
    const output = await client.send(new GetFindingsCommand({}));
    expect(output.Findings).toEqual([]);
  });
});

describe('rate limit', () => {
  it('throttles each operation past its burst, then refills', async () => {
    const limited = await startSecurityHubSimulator({ rateLimit: { perSecond: 20, burst: 3 } });
    limited.seedFindings([s3Finding]);
    const limitedClient = new SecurityHubClient({ region: 'us-east-1', endpoint: limited.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const update = () => limitedClient.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [identifierOf(s3Finding)], Workflow: { Status: 'NOTIFIED' } }));

    try {
      for (let call = 0; call < 3; call += 1) await update();
      const throttled = await rejection(update());
      // GetFindings has a bucket of its own.
      await limitedClient.send(new GetFindingsCommand({}));
      await new Promise((resolve) => setTimeout(resolve, 120));
      await update();

      expect(throttled.name).toBe('TooManyRequestsException');
      expect(throttled.$metadata?.httpStatusCode).toBe(429);
      expect(limited.calls.map((call) => call.status)).toEqual([200, 200, 200, 429, 200, 200]);
    } finally {
      limitedClient.destroy();
      await limited.stop();
    }
  });

  it('rejects a limit without a rate', async () => {
    await expect(startSecurityHubSimulator({ rateLimit: { perSecond: 0, burst: 3 } })).rejects.toThrow(/perSecond above 0/);
  });
});
