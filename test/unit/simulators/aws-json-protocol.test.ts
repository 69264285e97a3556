import { describe, expect, it } from 'vitest';

import { AwsJsonEndpoint, readSimulatorLocation, type AwsJsonFault } from '../../../src/simulators/aws-json-protocol.js';
import { SsmApiError } from '../../../src/simulators/ssm/api-error.js';

type Operation = 'GetOpsItem' | 'UpdateOpsItem';

function ssmEndpoint(): AwsJsonEndpoint<Operation, SsmApiError, AwsJsonFault<Operation>> {
  return new AwsJsonEndpoint({
    name: 'SSM',
    targetPrefix: 'AmazonSSM.',
    operations: new Set<Operation>(['GetOpsItem', 'UpdateOpsItem']),
    errorClass: SsmApiError,
    internalErrorType: 'InternalServerError',
  });
}

describe('readSimulatorLocation', () => {
  it('defaults account and region', () => {
    expect(readSimulatorLocation()).toEqual({ account: '111122223333', region: 'us-east-1', partition: 'aws' });
  });

  it('derives the partition of the region', () => {
    expect(readSimulatorLocation('444455556666', 'cn-north-1').partition).toBe('aws-cn');
  });

  it('rejects a malformed account', () => {
    expect(() => readSimulatorLocation('1234')).toThrow('account must be a 12-digit AWS account id, got "1234"');
  });

  it('rejects a malformed region', () => {
    expect(() => readSimulatorLocation(undefined, 'Europe')).toThrow('region must be a region code such as us-east-1, got "Europe"');
  });
});

describe('AwsJsonEndpoint.injectFaults', () => {
  it('rejects a fault without an error type', () => {
    expect(() => ssmEndpoint().injectFaults([{ errorType: '' }])).toThrow('fault errorType must be an SSM error type such as ThrottlingException');
  });

  it('rejects a fault for an operation that is not simulated', () => {
    const fault = { operation: 'DeleteOpsItem', errorType: 'ThrottlingException' } as unknown as AwsJsonFault<Operation>;

    expect(() => ssmEndpoint().injectFaults([fault])).toThrow('fault operation "DeleteOpsItem" is not simulated. Use one of: GetOpsItem, UpdateOpsItem');
  });

  it('rejects a status outside 400 to 599', () => {
    expect(() => ssmEndpoint().injectFaults([{ errorType: 'ThrottlingException', status: 200 }])).toThrow(/got 200/);
  });
});
