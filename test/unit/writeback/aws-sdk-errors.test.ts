/**
 * Reading and classifying AWS SDK errors, shared by the Security Hub and OpsItem write-backs. The
 * service-specific codes are tested with each write-back.
 */
import { InternalServerError, ThrottlingException } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';

import { AwsWritebackError, classifyAwsSdkError, describeAwsSdkError, type AwsServiceErrorCodes } from '../../../src/writeback/aws-sdk-errors.js';
import { FindingWritebackError } from '../../../src/writeback/finding-writeback-error.js';
import { OpsItemWritebackError } from '../../../src/writeback/opsitem-writeback-error.js';

const CODES: AwsServiceErrorCodes = {
  service: 'Example Service',
  throttling: new Set(['SlowDownException']),
  serverError: new Set(['BrokenException']),
  invalidInput: new Set(['BadRequestException']),
};

/** Builds an error shaped like the SDK's service exceptions, for a code no SDK package defines. */
function awsError(name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error('detail'), { name, $fault: fault, $metadata: { httpStatusCode, requestId: 'req-1' } });
}

describe('describeAwsSdkError', () => {
  it('reads an SDK service exception', () => {
    const error = new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { httpStatusCode: 400, requestId: 'req-7' } });

    expect(describeAwsSdkError(error)).toEqual({
      errorCode: 'ThrottlingException',
      awsMessage: 'Rate exceeded',
      httpStatus: 400,
      requestId: 'req-7',
      fault: 'client',
      systemErrorCode: undefined,
    });
  });

  it('uses the code of a Node network error', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

    const description = describeAwsSdkError(error);

    expect(description.errorCode).toBe('ECONNREFUSED');
    expect(description.systemErrorCode).toBe('ECONNREFUSED');
    expect(description.awsMessage).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(description.httpStatus).toBeUndefined();
  });

  it('prefers the name over a code', () => {
    const error = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });

    expect(describeAwsSdkError(error).errorCode).toBe('TimeoutError');
  });

  it('keeps Error for a plain error without a code', () => {
    expect(describeAwsSdkError(new Error('boom')).errorCode).toBe('Error');
  });

  it.each([
    ['a string', 'socket closed', 'socket closed'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
  ])('reads %s as Unknown', (_label, thrown, message) => {
    const description = describeAwsSdkError(thrown);

    expect(description.errorCode).toBe('Unknown');
    expect(description.awsMessage).toBe(message);
  });
});

describe('classifyAwsSdkError', () => {
  it.each([
    ['ExpiredTokenException', true, 'The AWS credentials expired: check the task role credentials'],
    ['RequestExpired', true, 'The AWS credentials expired'],
    ['UnrecognizedClientException', false, 'AWS rejected or could not load the credentials: check the task role credentials'],
    ['InvalidSignatureException', false, 'AWS rejected or could not load the credentials'],
    ['SlowDownException', true, 'Example Service throttled the request after the SDK\'s retries; a later attempt may succeed.'],
    ['BadRequestException', false, 'Example Service rejected the request as invalid; retrying the same update will not help.'],
    ['BrokenException', true, 'Example Service failed on its side; a later attempt may succeed.'],
    ['TimeoutError', true, 'The Example Service endpoint could not be reached'],
    ['RequestTimeout', true, 'The Example Service endpoint could not be reached'],
  ])('classifies %s', (name, retryable, advice) => {
    const classification = classifyAwsSdkError(describeAwsSdkError(awsError(name, 400)), CODES);

    expect(classification.retryable).toBe(retryable);
    expect(classification.advice).toContain(advice);
  });

  it('treats credentials that do not load as not retryable', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });

    const classification = classifyAwsSdkError(describeAwsSdkError(error), CODES);

    expect(classification.retryable).toBe(false);
    expect(classification.advice).toContain('check the task role credentials');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])('treats %s as a retryable network error', (code) => {
    const error = Object.assign(new Error(`connect ${code}`), { code });

    const classification = classifyAwsSdkError(describeAwsSdkError(error), CODES);

    expect(classification.retryable).toBe(true);
    expect(classification.advice).toBe('The Example Service endpoint could not be reached; check the network path or the configured endpoint.');
  });

  it('checks the network code even under another name', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { name: 'NetworkingError', code: 'ECONNREFUSED' });

    expect(classifyAwsSdkError(describeAwsSdkError(error), CODES).retryable).toBe(true);
  });

  it.each([
    ['a server fault', awsError('UnlistedException', 400, 'server'), true],
    ['status 500', awsError('UnlistedException', 500), true],
    ['status 503', awsError('UnlistedException', 503), true],
    ['status 429', awsError('UnlistedException', 429), true],
    ['status 400', awsError('UnlistedException', 400), false],
    ['status 404', awsError('UnlistedException', 404), false],
    ['no status', Object.assign(new Error('detail'), { name: 'UnlistedException' }), false],
  ])('classifies an unlisted code with %s', (_label, error, retryable) => {
    const classification = classifyAwsSdkError(describeAwsSdkError(error), CODES);

    expect(classification.retryable).toBe(retryable);
    expect(classification.advice).toBe(retryable ? 'A later attempt may succeed.' : 'Retrying the same update will not help.');
  });

  it('leaves a code of another service to the fallback', () => {
    // InternalServerError is an SSM server code, but not one of CODES: only its status 500 counts.
    const error = new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } });

    expect(classifyAwsSdkError(describeAwsSdkError(error), CODES).advice).toBe('A later attempt may succeed.');
  });
});

describe('AwsWritebackError', () => {
  it('is the base of both write-back errors', () => {
    const details = { errorCode: 'ThrottlingException', awsMessage: 'Rate exceeded', retryable: true, httpStatus: 400, requestId: 'req-1' };
    const cause = new Error('cause');

    const finding = new FindingWritebackError('finding failed', { ...details, findingId: 'f-1', format: 'asff', operation: 'BatchUpdateFindings' }, { cause });
    const opsItem = new OpsItemWritebackError('OpsItem failed', { ...details, opsItemId: 'oi-0123456789ab', region: 'us-east-1', operation: 'UpdateOpsItem' });

    for (const error of [finding, opsItem]) {
      expect(error).toBeInstanceOf(AwsWritebackError);
      expect(error).toMatchObject(details);
    }
    expect(finding.name).toBe('FindingWritebackError');
    expect(finding.operation).toBe('BatchUpdateFindings');
    expect(finding.cause).toBe(cause);
    expect(opsItem.name).toBe('OpsItemWritebackError');
    expect(opsItem.operation).toBe('UpdateOpsItem');
  });
});
