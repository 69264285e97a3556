/**
 * A Systems Manager (SSM) API simulator for OpsCenter, Automation and Change Manager. It is a real
 * HTTP server, so tests can drive the real `SSMClient` over loopback. It handles CreateOpsItem,
 * GetOpsItem, UpdateOpsItem, DescribeOpsItems, StartAutomationExecution,
 * StartChangeRequestExecution, GetAutomationExecution, DescribeAutomationExecutions and
 * SendAutomationSignal the way the AWS SDK v3 client calls them.
 *
 * SSM speaks the AWS JSON 1.1 protocol: every request is `POST /` with the header
 * `X-Amz-Target: AmazonSSM.<Operation>` and `Content-Type: application/x-amz-json-1.1`; errors are
 * `{"__type": "<ErrorType>", "message": "…"}`. Client errors use status 400, including throttling
 * (ThrottlingException); InternalServerError uses 500.
 *
 * After every create and update, including those made through UpdateOpsItem, and after every
 * status change of an execution or a change request, the simulator emits the EventBridge event
 * that AWS would send (see {@link SsmSimulator.onEvent}). How executions move is described in
 * automation-store.ts.
 */
import type { IncomingMessage } from 'node:http';

import type { EventBridgeEvent } from '../../core/types.js';
import { EventListeners, readLatencyMs, startAwsJsonServer, type JsonResponse } from '../aws-http.js';
import { AWS_JSON_1_1_CONTENT_TYPE, AwsJsonEndpoint, readSimulatorLocation, type AwsJsonCall, type AwsJsonService } from '../aws-json-protocol.js';
import { SsmApiError } from './api-error.js';
import { DocumentRegistry, type DocumentDefinition, type SimulatedDocument } from './automation-documents.js';
import { AutomationStore, type ApprovalPolicy, type FinishOptions, type SimulatedAutomationExecution } from './automation-store.js';
import { opsItemEvent, type OpsItemEventType } from './opsitem-events.js';
import { OpsItemStore, type Actor, type OpsItemChanges, type OpsItemLocation, type SimulatedOpsItem } from './opsitem-store.js';

export type { OpsItemChanges, SimulatedOpsItem } from './opsitem-store.js';
export type { DocumentDefinition, DocumentParameter, DocumentStep, SimulatedDocument } from './automation-documents.js';
export { InvalidDocumentDefinitionError } from './automation-documents.js';
export type { ExecutionOutcome, FinishOptions, SimulatedAutomationExecution, SimulatedStepExecution } from './automation-store.js';
export { ExecutionStateError } from './automation-store.js';

/** The operations the simulator handles. */
export type SsmOperation =
  | 'CreateOpsItem'
  | 'GetOpsItem'
  | 'UpdateOpsItem'
  | 'DescribeOpsItems'
  | 'StartAutomationExecution'
  | 'StartChangeRequestExecution'
  | 'GetAutomationExecution'
  | 'DescribeAutomationExecutions'
  | 'SendAutomationSignal';

const OPERATIONS: ReadonlySet<SsmOperation> = new Set<SsmOperation>([
  'CreateOpsItem',
  'GetOpsItem',
  'UpdateOpsItem',
  'DescribeOpsItems',
  'StartAutomationExecution',
  'StartChangeRequestExecution',
  'GetAutomationExecution',
  'DescribeAutomationExecutions',
  'SendAutomationSignal',
]);

/** One request the simulator received, in arrival order. */
export type SsmSimulatorCall = AwsJsonCall<SsmOperation>;

/** One SendAutomationSignal request, in arrival order, whether the simulator accepted it or not. */
export interface ReceivedSignal {
  /** The request's AutomationExecutionId, when it was a string. */
  executionId?: string;
  /** The request's SignalType, when it was a string. */
  signalType?: string;
  /** The request's Payload, when it was an object. */
  payload?: Record<string, string[]>;
  /** The identity the signal was sent as (the simulator's `callerArn`). */
  callerArn: string;
  /** True when the signal was applied; false when the simulator returned an error. */
  accepted: boolean;
  /** `__type` of the error response, such as `InvalidAutomationSignalException` or an injected `ThrottlingException`. */
  errorType?: string;
}

/** Options of {@link SsmSimulator.startWaitingExecution}. */
export interface WaitingExecutionOptions {
  /** A runbook with an `aws:approve` step. Default `RestartWebTierWithApproval`. */
  documentName?: string;
  /** Default: the highest registered version. */
  documentVersion?: string;
  /** Execution parameters, checked against the runbook's declarations. */
  parameters?: Record<string, string[]>;
  /**
   * Principals who may approve or reject, as ARNs. An assumed-role session matches its role's
   * ARN. Default: the approvers that the runbook's approval step names, if any.
   */
  approvers?: string[];
  /** Whether SendAutomationSignal checks the caller against `approvers`. Default: true when there are approvers. */
  checkApprovers?: boolean;
  /** ExecutedBy of the execution. Default: a console user (see {@link DEFAULT_CONSOLE_USER}). */
  executedBy?: string;
}

/** Options of {@link SsmSimulator.startChangeRequest}: a change request as a person files it in the console. */
export interface ChangeRequestOptions {
  /** Default `Patch orders fleet to latest AMI`. */
  changeRequestName?: string;
  /** Change template. Default `StandardFleetPatching`. */
  templateName?: string;
  /** Template parameters. Default: approver group `ChangeApprovers` (`Approver`, `ApproverType` IamGroup). */
  templateParameters?: Record<string, string[]>;
  /** Runbook. Default `PatchOrdersFleet`. */
  runbookName?: string;
  runbookParameters?: Record<string, string[]>;
  scheduledTime?: Date;
  scheduledEndTime?: Date;
  /** Needs a template that allows auto-approval, such as `StandardFleetPatching`. Default false. */
  autoApprove?: boolean;
  /** Principals who may approve or reject; replaces the approvers derived from the template parameters. */
  approvers?: string[];
  /** Whether SendAutomationSignal checks the caller against the approvers. Default: true when `approvers` is given. */
  checkApprovers?: boolean;
  /** Default: the template information of the template. */
  changeDetails?: string;
  /** CreatedBy of the OpsItem and ExecutedBy of the execution. Default: a deployment role session. */
  requestedBy?: string;
}

/** An error the simulator returns instead of running the operation. */
export interface SimulatedSsmFault {
  /** Only requests for this operation; absent means any operation. */
  operation?: SsmOperation;
  /** Error type sent as `__type`, such as `ThrottlingException` or `InternalServerError`. */
  errorType: string;
  /** HTTP status. Absent: 500 for InternalServerError, 503 for ServiceUnavailable, otherwise 400. */
  status?: number;
  message?: string;
  /** How many matching requests fail with this fault. Default 1. */
  times?: number;
}

/** Options of {@link startSsmSimulator}. */
export interface SsmSimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free port. */
  port?: number;
  /** Delay before every response, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Time source for CreatedTime, LastModifiedTime and events. Default: the system clock. */
  clock?: () => Date;
  /** Account of the OpsItems and events. Default `111122223333`. */
  account?: string;
  /** Region of the OpsItems and events. Default `us-east-1`. */
  region?: string;
  /**
   * Identity that API callers act as: it becomes CreatedBy and LastModifiedBy. The simulator does
   * not verify signatures, so it cannot tell callers apart. Default: an assumed role named
   * `itsm-sync-task` in the simulator's account.
   */
  callerArn?: string;
}

/** A running simulator. */
export interface SsmSimulator {
  /** Base URL to use as the client's endpoint, such as `http://127.0.0.1:49152`. */
  readonly url: string;
  readonly account: string;
  readonly region: string;
  /** The identity API callers act as (see {@link SsmSimulatorOptions.callerArn}). */
  readonly callerArn: string;
  /** Every request received since the start or the last {@link reset}. */
  readonly calls: SsmSimulatorCall[];
  /** Stops the server and closes open connections. */
  stop(): Promise<void>;
  /**
   * Adds an OpsItem as an AWS service creates it (reserved OperationalData keys such as
   * `/aws/resources` are allowed), filling the fields `partial` leaves out, and emits its
   * `OpsItem Create` event unless `emitEvent` is false. Timestamps are epoch seconds, as in a
   * GetOpsItem wire response. Returns the stored OpsItem.
   */
  seedOpsItem(partial?: Partial<SimulatedOpsItem>, options?: { emitEvent?: boolean }): SimulatedOpsItem;
  /** A copy of the OpsItem with this id, or undefined. */
  getOpsItem(id: string): SimulatedOpsItem | undefined;
  /**
   * Applies an edit that a person makes in the OpsCenter console, with the checks of UpdateOpsItem,
   * and emits its `OpsItem Update` event. Throws the error UpdateOpsItem would return.
   */
  updateOpsItemAsHuman(id: string, changes: OpsItemChanges, modifiedBy?: string): SimulatedOpsItem;
  /** Queues faults; each request takes the first queued fault that matches its operation. */
  injectFaults(faults: readonly SimulatedSsmFault[]): void;
  /**
   * Calls `listener` with every event emitted after a create or update, in order. Returns a
   * function that removes the listener. A listener that throws or rejects does not affect the API
   * response. Its error goes to `onListenerError` when given, otherwise to a process warning.
   */
  onEvent(listener: (event: EventBridgeEvent) => void | Promise<void>, onListenerError?: (error: unknown) => void): () => void;
  /**
   * Registers an Automation runbook or change template, or replaces the same name and version.
   * The sample documents (see automation-documents.ts) are registered at the start and after
   * {@link reset}. Returns the registered document.
   *
   * @throws InvalidDocumentDefinitionError naming the field that is wrong.
   */
  registerDocument(definition: DocumentDefinition): SimulatedDocument;
  /**
   * Starts a runbook execution, as StartAutomationExecution does, and leaves it waiting at its
   * `aws:approve` step (status `Waiting`). Returns the execution.
   *
   * @throws RangeError when the runbook has no `aws:approve` step; the errors of StartAutomationExecution otherwise.
   */
  startWaitingExecution(options?: WaitingExecutionOptions): SimulatedAutomationExecution;
  /**
   * Files a change request, as StartChangeRequestExecution does: creates its `/aws/changerequest`
   * OpsItem and its execution, in `PendingApproval` unless `autoApprove` is set. Returns the
   * execution; its `OpsItemId` names the OpsItem.
   */
  startChangeRequest(options?: ChangeRequestOptions): SimulatedAutomationExecution;
  /**
   * Ends an execution with `status`, as if its steps had run: Success, Failed (at `failedStep`,
   * default the running step), TimedOut or Cancelled. A change request's OpsItem follows. Returns
   * the execution.
   *
   * @throws ExecutionStateError when the execution already ended, or waits for an approval and
   *   `status` is Success or Failed.
   */
  finishExecution(executionId: string, options: FinishOptions): SimulatedAutomationExecution;
  /**
   * Closes or opens the change calendar. While it is closed, an approved (or auto-approved) change
   * request waits in `PendingChangeCalendarOverride` until it gets another Approve signal, the
   * override approval.
   */
  setChangeCalendarClosed(closed: boolean): void;
  /** A copy of the execution with this id, or undefined. */
  getAutomationExecution(executionId: string): SimulatedAutomationExecution | undefined;
  /** Every SendAutomationSignal request received since the start or the last {@link reset}. */
  signals(): ReceivedSignal[];
  /**
   * Removes all OpsItems, executions, signals, calls and queued faults, opens the change calendar
   * and registers the sample documents again. Listeners stay.
   */
  reset(): void;
}

/** The console user of {@link SsmSimulator.updateOpsItemAsHuman} when no other principal is given. */
export const DEFAULT_CONSOLE_USER = 'OpsEngineer/sam.example';

/** The role session that files change requests in {@link SsmSimulator.startChangeRequest} when no other principal is given. */
export const DEFAULT_CHANGE_REQUESTER = 'PlatformDeployer/robin.example';

const SSM_SERVICE: AwsJsonService<SsmOperation, SsmApiError> = {
  name: 'SSM',
  targetPrefix: 'AmazonSSM.',
  operations: OPERATIONS,
  errorClass: SsmApiError,
  internalErrorType: 'InternalServerError',
};

/**
 * Starts the simulator on 127.0.0.1. Requests must carry an `Authorization` header, as SigV4-signed
 * SDK requests do, but the signature is not verified.
 *
 * @example
 * const simulator = await startSsmSimulator();
 * const item = simulator.seedOpsItem({ Title: 'CPU above 90%' });
 * const client = new SSMClient({ region: 'us-east-1', endpoint: simulator.url, credentials });
 * await client.send(new GetOpsItemCommand({ OpsItemId: item.OpsItemId }));
 * await simulator.stop();
 */
export async function startSsmSimulator(options: SsmSimulatorOptions = {}): Promise<SsmSimulator> {
  const latencyMs = readLatencyMs(options.latencyMs);
  const location: OpsItemLocation = readSimulatorLocation(options.account, options.region);
  const { account, region } = location;

  const clock = options.clock ?? (() => new Date());
  const callerArn = options.callerArn ?? `arn:aws:sts::${account}:assumed-role/itsm-sync-task/itsm-sync`;
  const store = new OpsItemStore(location);
  const endpoint = new AwsJsonEndpoint<SsmOperation, SsmApiError, SimulatedSsmFault>(SSM_SERVICE);
  const receivedSignals: ReceivedSignal[] = [];
  const listeners = new EventListeners('SSM simulator');
  const documents = new DocumentRegistry();
  documents.reset();
  const automations = new AutomationStore(location, documents, store, (event) => listeners.emit(event));

  function emit(type: OpsItemEventType, item: SimulatedOpsItem): void {
    listeners.emit(opsItemEvent(type, item, location));
  }

  function runOperation(operation: SsmOperation, body: unknown): unknown {
    // The clock is read only for changes, so reads do not move a test's stepping clock.
    const actor = (): Actor => ({ arn: callerArn, now: clock() });
    switch (operation) {
      case 'CreateOpsItem': {
        const item = store.create(body, actor());
        emit('OpsItem Create', item);
        return { OpsItemId: item.OpsItemId, OpsItemArn: item.OpsItemArn };
      }
      case 'GetOpsItem':
        return { OpsItem: store.getForRequest(body) };
      case 'UpdateOpsItem':
        emit('OpsItem Update', store.update(body, actor()));
        return {};
      case 'DescribeOpsItems':
        return store.describe(body);
      case 'StartAutomationExecution':
        return { AutomationExecutionId: automations.startAutomation(body, actor()) };
      case 'StartChangeRequestExecution':
        return { AutomationExecutionId: automations.startChangeRequest(body, actor()) };
      case 'GetAutomationExecution':
        return { AutomationExecution: automations.getForRequest(body) };
      case 'DescribeAutomationExecutions':
        return automations.describe(body);
      case 'SendAutomationSignal':
        automations.signal(body, actor());
        return {};
    }
  }

  function handle(request: IncomingMessage, rawBody: string): JsonResponse {
    const { call, response } = endpoint.handle(request, rawBody, runOperation);
    if (call.operation === 'SendAutomationSignal') {
      receivedSignals.push(signalRecord(call, callerArn));
    }
    return response;
  }

  const consoleUser = `arn:aws:sts::${account}:assumed-role/${DEFAULT_CONSOLE_USER}`;

  const server = await startAwsJsonServer({
    port: options.port ?? 0,
    latencyMs,
    contentType: AWS_JSON_1_1_CONTENT_TYPE,
    handle,
    unreadableRequest: (error) => endpoint.unreadableRequest(error),
  });

  return {
    url: server.url,
    account,
    region,
    callerArn,
    calls: endpoint.calls,
    stop: () => server.stop(),
    seedOpsItem: (partial = {}, seedOptions = {}) => {
      const item = store.seed(partial, { arn: `arn:aws:iam::${account}:role/OpsCenterSimulatorSeed`, now: clock() });
      if (seedOptions.emitEvent !== false) {
        emit('OpsItem Create', item);
      }
      return item;
    },
    getOpsItem: (id) => store.get(id),
    updateOpsItemAsHuman: (id, changes, modifiedBy) => {
      const arn = modifiedBy ?? `arn:aws:sts::${account}:assumed-role/${DEFAULT_CONSOLE_USER}`;
      const item = store.update({ ...changes, OpsItemId: id }, { arn, now: clock() });
      emit('OpsItem Update', item);
      return item;
    },
    injectFaults: (faults) => endpoint.injectFaults(faults),
    onEvent: (listener, onListenerError) => listeners.add(listener, onListenerError),
    registerDocument: (definition) => documents.register(definition),
    startWaitingExecution: (waitingOptions = {}) => {
      const documentName = waitingOptions.documentName ?? 'RestartWebTierWithApproval';
      const document = documents.resolve(documentName, waitingOptions.documentVersion, { name: 'documentName', version: 'documentVersion' });
      if (!document.steps.some((step) => step.action === 'aws:approve')) {
        throw new RangeError(`startWaitingExecution needs a runbook with an aws:approve step, and ${documentName} has none. Register one with registerDocument.`);
      }
      const body = {
        DocumentName: documentName,
        ...(waitingOptions.documentVersion === undefined ? {} : { DocumentVersion: waitingOptions.documentVersion }),
        Parameters: waitingOptions.parameters ?? {},
      };
      const approval = approvalOption(waitingOptions.approvers, waitingOptions.checkApprovers);
      const id = automations.startAutomation(body, { arn: waitingOptions.executedBy ?? consoleUser, now: clock() }, approval);
      return automations.get(id)!;
    },
    startChangeRequest: (requestOptions = {}) => {
      const body = {
        ChangeRequestName: requestOptions.changeRequestName ?? 'Patch orders fleet to latest AMI',
        DocumentName: requestOptions.templateName ?? 'StandardFleetPatching',
        Parameters: requestOptions.templateParameters ?? { Approver: ['ChangeApprovers'], ApproverType: ['IamGroup'] },
        Runbooks: [{ DocumentName: requestOptions.runbookName ?? 'PatchOrdersFleet', DocumentVersion: '$DEFAULT', Parameters: requestOptions.runbookParameters ?? {} }],
        AutoApprove: requestOptions.autoApprove ?? false,
        ...(requestOptions.scheduledTime === undefined ? {} : { ScheduledTime: epochSecondsOf(requestOptions.scheduledTime, 'scheduledTime') }),
        ...(requestOptions.scheduledEndTime === undefined ? {} : { ScheduledEndTime: epochSecondsOf(requestOptions.scheduledEndTime, 'scheduledEndTime') }),
        ...(requestOptions.changeDetails === undefined ? {} : { ChangeDetails: requestOptions.changeDetails }),
      };
      const requester = requestOptions.requestedBy ?? `arn:aws:sts::${account}:assumed-role/${DEFAULT_CHANGE_REQUESTER}`;
      const approval = approvalOption(requestOptions.approvers, requestOptions.checkApprovers);
      const id = automations.startChangeRequest(body, { arn: requester, now: clock() }, approval);
      return automations.get(id)!;
    },
    finishExecution: (executionId, finishOptions) => automations.finish(executionId, finishOptions, { arn: consoleUser, now: clock() }),
    setChangeCalendarClosed: (closed) => automations.setCalendarClosed(closed),
    getAutomationExecution: (executionId) => automations.get(executionId),
    signals: () => structuredClone(receivedSignals),
    reset: () => {
      store.clear();
      automations.clear();
      documents.reset();
      endpoint.reset();
      receivedSignals.length = 0;
    },
  };
}

/**
 * Returns the approval policy that a test helper's `approvers` and `checkApprovers` options
 * describe, or undefined to keep the one the documents give.
 */
function approvalOption(approvers: string[] | undefined, checkApprovers: boolean | undefined): ApprovalPolicy | undefined {
  if (approvers === undefined) {
    if (checkApprovers === true) {
      throw new RangeError('checkApprovers: true needs the approvers option: list the principal ARNs that may approve');
    }
    return undefined;
  }
  if (!Array.isArray(approvers) || approvers.some((approver) => typeof approver !== 'string' || approver === '')) {
    throw new TypeError(`approvers must be a list of principal ARNs, got ${JSON.stringify(approvers)}`);
  }
  return { approvers: [...approvers], enforced: checkApprovers ?? approvers.length > 0 };
}

function epochSecondsOf(date: Date, option: string): number {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new TypeError(`${option} must be a valid Date, got ${String(date)}`);
  }
  return date.getTime() / 1000;
}

/** Builds the {@link ReceivedSignal} of one SendAutomationSignal call from its request body and response. */
function signalRecord(call: SsmSimulatorCall, callerArn: string): ReceivedSignal {
  const body = typeof call.body === 'object' && call.body !== null ? (call.body as Record<string, unknown>) : {};
  const signal: ReceivedSignal = { callerArn, accepted: call.status === 200 };
  if (typeof body.AutomationExecutionId === 'string') {
    signal.executionId = body.AutomationExecutionId;
  }
  if (typeof body.SignalType === 'string') {
    signal.signalType = body.SignalType;
  }
  if (typeof body.Payload === 'object' && body.Payload !== null && !Array.isArray(body.Payload)) {
    signal.payload = structuredClone(body.Payload as Record<string, string[]>);
  }
  if (call.errorType !== undefined) {
    signal.errorType = call.errorType;
  }
  return signal;
}
