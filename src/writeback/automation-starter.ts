/**
 * Starting an AWS Automation runbook for a change approved in the ITSM system
 * (StartAutomationExecution).
 */
import { StartAutomationExecutionCommand, StartChangeRequestExecutionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';

import { AwsWritebackError, classifyAwsSdkError, describeAwsSdkError, type AwsServiceErrorCodes, type AwsWritebackErrorDetails } from './aws-sdk-errors.js';
import type { SsmClientProvider } from './ssm-client.js';

/** The runbook to start, and the token that makes a repeated start return the same execution. */
export interface RunbookStart {
  region: string;
  account: string;
  documentName: string;
  parameters: Record<string, string[]>;
  /** A UUID derived from the ITSM record, so a retry after a lost response starts nothing new. */
  clientToken: string;
  /** A Change Manager template: start an auto-approved change request that runs the runbook. */
  changeTemplate?: string;
  /** The change request's name, when one is started. */
  changeRequestName?: string;
  /** The change template's parameters, when one is started. */
  templateParameters?: Record<string, string[]>;
}

const SSM_AUTOMATION_CODES: AwsServiceErrorCodes = {
  service: 'SSM',
  throttling: new Set(['ThrottlingException', 'TooManyRequestsException', 'AutomationExecutionLimitExceededException']),
  serverError: new Set(['InternalServerError', 'InternalFailure', 'ServiceUnavailable']),
  invalidInput: new Set([
    'InvalidAutomationExecutionParametersException',
    'AutomationDefinitionNotFoundException',
    'AutomationDefinitionVersionNotFoundException',
    'InvalidTarget',
    'ValidationException',
    'IdempotentParameterMismatch',
    'AutomationDefinitionNotApprovedException',
  ]),
};

/** Starting a runbook failed. `retryable` tells whether a later attempt may succeed. */
export class RunbookStartError extends AwsWritebackError<'StartAutomationExecution' | 'StartChangeRequestExecution'> {
  override readonly name = 'RunbookStartError';

  constructor(
    readonly documentName: string,
    /** A sentence for the ITSM work note: the AWS error, and what to change. */
    readonly reason: string,
    details: AwsWritebackErrorDetails<'StartAutomationExecution' | 'StartChangeRequestExecution'>,
    options?: { cause?: unknown },
  ) {
    super(`Could not start runbook ${documentName}: ${reason}`, details, options);
  }
}

/** Starts Automation runbooks in the Region and account of the change's mapping. */
export class AutomationStarter {
  private readonly clientFor: SsmClientProvider;

  constructor(private readonly options: { client: SSMClient | SsmClientProvider; logger: Logger }) {
    const client = options.client;
    this.clientFor = typeof client === 'function' ? client : () => client;
  }

  /** Start the runbook and return the execution id. Throws {@link RunbookStartError}. */
  async start(request: RunbookStart): Promise<string> {
    const operation = request.changeTemplate === undefined ? 'StartAutomationExecution' : 'StartChangeRequestExecution';
    try {
      const client = this.clientFor(request.region, request.account);
      const output =
        request.changeTemplate === undefined
          ? await client.send(new StartAutomationExecutionCommand({ DocumentName: request.documentName, Parameters: request.parameters, ClientToken: request.clientToken }))
          : await client.send(
              new StartChangeRequestExecutionCommand({
                DocumentName: request.changeTemplate,
                ChangeRequestName: request.changeRequestName,
                AutoApprove: true,
                Parameters: request.templateParameters,
                Runbooks: [{ DocumentName: request.documentName, Parameters: request.parameters }],
                ClientToken: request.clientToken,
              }),
            );
      if (!output.AutomationExecutionId) {
        throw new RunbookStartError(request.documentName, 'AWS returned no execution id', { operation, errorCode: 'MissingExecutionId', retryable: true });
      }
      return output.AutomationExecutionId;
    } catch (error) {
      if (error instanceof RunbookStartError) throw error;
      const description = describeAwsSdkError(error);
      const { retryable, advice } = classifyAwsSdkError(description, SSM_AUTOMATION_CODES);
      const reason =
        description.errorCode === 'InvalidAutomationExecutionParametersException'
          ? `the runbook's parameter check failed (${description.awsMessage}); fix the change's fields`
          : `${description.errorCode}: ${description.awsMessage}. ${advice}`;
      throw new RunbookStartError(
        request.documentName,
        reason,
        {
          operation,
          errorCode: description.errorCode,
          awsMessage: description.awsMessage,
          retryable,
          httpStatus: description.httpStatus,
          requestId: description.requestId,
        },
        { cause: error },
      );
    }
  }
}

/** Turn a 32-hex ServiceNow sys_id (or any text) into the UUID form ClientToken requires. */
export function clientTokenFor(recordId: string): string {
  const hex = /^[0-9a-f]{32}$/.test(recordId) ? recordId : Buffer.from(recordId).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
