/**
 * The local stack (SQS server, ServiceNow, Security Hub and AWS Config simulators) in a process of its own,
 * so that the benchmark measures the connector's CPU and memory, not the simulators'. The parent
 * talks to it over the IPC channel of `child_process.fork`.
 */
import { LOCAL_SERVICENOW_PEOPLE, startLocalStack, type LocalStack } from '../src/simulators/local-stack.js';

export type StackRequest =
  | { type: 'start'; serviceNowLatencyMs: number; mappingsDir: string; stateStore: string; webhook?: { url: string; secret: string } }
  | { type: 'list-incidents' }
  | { type: 'edit-incident'; sysId: string; fields: Record<string, string> }
  | { type: 'finding-workflow'; findingId: string }
  | { type: 'seed'; findings: unknown[] }
  | { type: 'send'; bodies: unknown[] }
  | { type: 'wait-until-empty' }
  | { type: 'count-incidents' }
  | { type: 'count-records'; table: string }
  | { type: 'table-calls' }
  | { type: 'table-writes' }
  | { type: 'record-resources'; items: unknown[] }
  | { type: 'cpu-usage' }
  | { type: 'stop' };

let stack: LocalStack | undefined;

async function handle(request: StackRequest): Promise<unknown> {
  switch (request.type) {
    case 'start':
      stack = await startLocalStack({
        queueName: `bench-${crypto.randomUUID().slice(0, 8)}`,
        serviceNowLatencyMs: request.serviceNowLatencyMs,
        mappingsDir: request.mappingsDir,
        stateStore: request.stateStore,
        logLevel: 'error',
        serviceNowWebhook: request.webhook,
      });
      return { env: stack.env };
    case 'seed':
      stack?.securityHub.seedFindings(request.findings as Parameters<LocalStack['securityHub']['seedFindings']>[0]);
      return {};
    case 'send':
      await stack?.queue.sendMany(request.bodies);
      return {};
    case 'wait-until-empty':
      await stack?.queue.waitUntilEmpty(60_000);
      return {};
    case 'list-incidents':
      return (stack?.serviceNow.records('incident') ?? []).map((record) => ({ sysId: record.sys_id, description: record.description }));
    case 'edit-incident':
      // A person in ServiceNow, not the connector's API user.
      stack?.serviceNow.updateRecord('incident', request.sysId, request.fields, { user: LOCAL_SERVICENOW_PEOPLE[0]!.username });
      return {};
    case 'finding-workflow':
      return { status: (stack?.securityHub.getFinding(request.findingId) as { Workflow?: { Status?: string } } | undefined)?.Workflow?.Status };
    case 'cpu-usage':
      return process.cpuUsage();
    case 'table-calls':
      return { tableCalls: stack?.serviceNow.tableCalls() ?? 0 };
    case 'table-writes':
      // The simulator keeps the last 100,000 requests, more than a benchmark pass makes.
      return { tableWrites: (stack?.serviceNow.requests ?? []).filter((request) => request.method !== 'GET' && request.path.startsWith('/api/now/table/')).length };
    case 'record-resources':
      // Recorded without events, as resources that existed before the connector.
      for (const item of request.items) stack?.config.recordResource(item as Parameters<LocalStack['config']['recordResource']>[0], { emitEvent: false });
      return {};
    case 'count-records':
      return { count: stack?.serviceNow.count(request.table) ?? 0 };
    case 'count-incidents':
      // Counted without copying the records: the driver asks every 20 ms during a measurement.
      return { incidents: stack?.serviceNow.count('incident') ?? 0 };
    case 'stop':
      await stack?.stop();
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on('message', (message: { id: number; request: StackRequest }) => {
  handle(message.request).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) => process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});

// End with the benchmark: a driver that crashed must not leave the servers running.
process.on('disconnect', () => process.exit(0));
