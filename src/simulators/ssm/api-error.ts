/**
 * Errors of the SSM simulator, in the form of the AWS JSON 1.1 protocol: an HTTP status and a body
 * `{"__type": "<ErrorType>", "message": "…"}` (plus the members of the error shape, such as
 * `ParameterNames`). The AWS SDK v3 picks the exception class from `__type`.
 */

/** One error response of the simulator. */
export class SsmApiError extends Error {
  override readonly name = 'SsmApiError';

  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    /** Members of the error shape besides the message, such as `ParameterNames` or `OpsItemId`. */
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The response body as the AWS JSON 1.1 protocol sends it. */
  toBody(): Record<string, unknown> {
    return { __type: this.errorType, message: this.message, ...this.members };
  }
}

/**
 * 400 ValidationException: a request member breaks a constraint of the SSM API model (length,
 * pattern, range or enum). AWS checks these before the operation runs and names the member in
 * the message, as reproduced here.
 */
export function validationError(member: string, value: unknown, constraint: string): SsmApiError {
  return new SsmApiError(
    400,
    'ValidationException',
    `1 validation error detected: Value ${JSON.stringify(value)} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** 400 OpsItemInvalidParameterException: the operation rejected a parameter, named in `ParameterNames`. */
export function invalidParameter(parameterNames: string[], message: string): SsmApiError {
  return new SsmApiError(400, 'OpsItemInvalidParameterException', message, { ParameterNames: parameterNames });
}

/** 400 OpsItemNotFoundException, with the wording of the SSM API reference. */
export function opsItemNotFound(opsItemId: string): SsmApiError {
  return new SsmApiError(400, 'OpsItemNotFoundException', `OpsItem ${opsItemId} doesn't exist. Verify the ID and try again.`);
}

/** 400 SerializationException: the body is not the JSON object the operation takes. */
export function serializationError(message: string): SsmApiError {
  return new SsmApiError(400, 'SerializationException', message);
}

/** 400 AutomationDefinitionNotFoundException: no Automation runbook or change template has this name. */
export function automationDefinitionNotFound(documentName: string, detail = ''): SsmApiError {
  return new SsmApiError(400, 'AutomationDefinitionNotFoundException', `Automation definition ${documentName} was not found.${detail === '' ? '' : ` ${detail}`}`);
}

/** 400 AutomationDefinitionVersionNotFoundException: the document exists, but not in this version. */
export function automationDefinitionVersionNotFound(documentName: string, version: string, knownVersions: string[]): SsmApiError {
  return new SsmApiError(
    400,
    'AutomationDefinitionVersionNotFoundException',
    `Version ${version} of automation definition ${documentName} was not found. Use $DEFAULT, $LATEST or one of the versions ${knownVersions.join(', ')}.`,
  );
}

/** 400 InvalidAutomationExecutionParametersException: the parameters do not fit the document's parameter declarations. */
export function invalidExecutionParameters(message: string): SsmApiError {
  return new SsmApiError(400, 'InvalidAutomationExecutionParametersException', message);
}

/** 400 AutomationExecutionNotFoundException: no execution has this id. */
export function automationExecutionNotFound(executionId: string): SsmApiError {
  return new SsmApiError(
    400,
    'AutomationExecutionNotFoundException',
    `Automation execution ${executionId} doesn't exist. Verify the AutomationExecutionId and try again.`,
  );
}

/** 400 AutomationStepNotFoundException: the signal names a step that the execution does not have. */
export function automationStepNotFound(executionId: string, step: string): SsmApiError {
  return new SsmApiError(400, 'AutomationStepNotFoundException', `Step ${step} doesn't exist in automation execution ${executionId}.`);
}

/** 400 InvalidAutomationSignalException: the signal does not fit the execution's current status. */
export function invalidSignal(message: string): SsmApiError {
  return new SsmApiError(400, 'InvalidAutomationSignalException', message);
}

/** 400 IdempotentParameterMismatch: a ClientToken was reused with other request members. */
export function idempotentParameterMismatch(clientToken: string): SsmApiError {
  return new SsmApiError(
    400,
    'IdempotentParameterMismatch',
    `ClientToken ${clientToken} was already used with other request parameters. Send the same parameters again, or use a new ClientToken.`,
  );
}

/**
 * 400 AccessDeniedException: the caller is not one of the approvers of the step that the execution
 * waits at.
 */
export function notAnApprover(callerArn: string, executionId: string, approvers: string[]): SsmApiError {
  return new SsmApiError(
    400,
    'AccessDeniedException',
    `${callerArn} is not an approver of automation execution ${executionId}. The approvers are: ${approvers.join(', ')}.`,
  );
}
