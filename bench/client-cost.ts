/**
 * CPU cost of one request through each HTTP client the daemon uses for a new finding, measured in
 * this process against the simulators in the stack process:
 *
 * - the ServiceNow create, through the product's ServiceNowClient (axios);
 * - the Security Hub write-back, BatchUpdateFindings through the product's Security Hub client
 *   (AWS SDK v3, as configured by createAwsClient);
 * - the same ServiceNow create sent through the axios instance alone (no retries, no checks of the
 *   response), and with Node's `http` module alone, as a floor for any client.
 *
 * The daemon makes one ServiceNow create and one BatchUpdateFindings call per new finding, so the
 * first two rows are a lower bound of its CPU time per finding before any of its own work.
 */
import { request as httpRequest, Agent } from 'node:http';

import { BatchUpdateFindingsCommand } from '@aws-sdk/client-securityhub';

import { createRestHttpClient } from '../src/targets/http/http-client.js';
import { ServiceNowClient } from '../src/targets/servicenow/client.js';
import { createSecurityHubClient } from '../src/writeback/securityhub-client.js';

/** CPU milliseconds per request (user and system, all threads of this process) and requests per second. */
export interface ClientCost {
  cpuMsPerCall: number;
  callsPerSecond: number;
}

export interface ClientCosts {
  serviceNowCreate: ClientCost;
  securityHubWriteback: ClientCost;
  axiosCreate: ClientCost;
  bareHttpCreate: ClientCost;
}

/** A finding as the Security Hub simulator stores it: its id and product ARN. */
export interface FindingKey {
  Id: string;
  ProductArn: string;
}

const WARM_UP_CALLS = 1500;

/** Builds the fields of a typical incident create, with a description as long as a real finding's. */
function incidentFields(index: number): Record<string, string> {
  return {
    short_description: `[AWS Security Hub] HIGH: S3 general purpose buckets should block public read access (123456789012/us-east-1) #${index}`,
    description: 'S3 general purpose buckets should block public read access.\n\n'.repeat(25),
    urgency: '1',
    impact: '2',
    category: 'software',
    contact_type: 'integration',
    work_notes: `Created by itsm-sync from Security Hub finding ${index} (Security Hub).`,
    correlation_id: `aws-sh-bench-client-${index}`,
  };
}

/** Runs `calls` requests, `concurrency` at a time, after a warm-up, and measures this process's CPU. */
async function measure(calls: number, concurrency: number, send: (index: number) => Promise<unknown>): Promise<ClientCost> {
  for (let index = 0; index < WARM_UP_CALLS; index += 1) await send(index);

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = WARM_UP_CALLS;
  const last = WARM_UP_CALLS + calls;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < last) await send((next += 1));
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  return { cpuMsPerCall: (cpu.user + cpu.system) / 1000 / calls, callsPerSecond: calls / seconds };
}

/**
 * Measures the three clients against the simulators that `env` (the local stack's environment)
 * points at. `findings` must contain at least WARM_UP_CALLS + `calls` findings seeded in Security Hub.
 */
export async function measureClientCosts(env: Record<string, string>, findings: FindingKey[], calls: number, concurrency: number): Promise<ClientCosts> {
  const username = env.SERVICENOW_USERNAME!;
  const password = env.SERVICENOW_PASSWORD!;
  const serviceNow = new ServiceNowClient({ instanceUrl: env.SERVICENOW_INSTANCE_URL!, auth: { type: 'basic', username, password } });
  const readBack = ['sys_id', 'number', 'state', 'sys_mod_count', 'sys_updated_on'];
  const serviceNowCreate = await measure(calls, concurrency, (index) => serviceNow.createRecord('incident', incidentFields(index), { fields: readBack }));

  const securityHub = createSecurityHubClient({
    region: env.AWS_REGION!,
    endpoint: env.AWS_ENDPOINT_URL_SECURITYHUB!,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  const securityHubWriteback = await measure(calls, concurrency, (index) =>
    securityHub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [findings[index % findings.length]!],
        Workflow: { Status: 'NOTIFIED' },
        Note: { Text: `ServiceNow incident INC${String(index).padStart(7, '0')}: ${env.SERVICENOW_INSTANCE_URL}/incident.do?sys_id=${index}`, UpdatedBy: 'itsm-sync' },
      }),
    ),
  );

  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const http = createRestHttpClient({ baseURL: env.SERVICENOW_INSTANCE_URL!, timeoutMs: 30_000 });
  const axiosCreate = await measure(calls, concurrency, (index) =>
    http.request({
      method: 'POST',
      url: '/api/now/table/incident',
      params: { sysparm_display_value: 'false', sysparm_exclude_reference_link: 'true', sysparm_fields: readBack.join(',') },
      data: incidentFields(index),
      headers: { Authorization: authorization },
    }),
  );

  const instance = new URL(env.SERVICENOW_INSTANCE_URL!);
  const agent = new Agent({ keepAlive: true });
  const bareHttpCreate = await measure(calls, concurrency, (index) => {
    const body = JSON.stringify(incidentFields(index));
    return new Promise((resolve, reject) => {
      const sent = httpRequest(
        {
          host: instance.hostname,
          port: instance.port,
          method: 'POST',
          path: `/api/now/table/incident?sysparm_fields=${readBack.join(',')}`,
          agent,
          headers: { authorization, accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(JSON.parse(text)));
        },
      );
      sent.on('error', reject);
      sent.end(body);
    });
  });
  agent.destroy();
  securityHub.destroy();

  return { serviceNowCreate, securityHubWriteback, axiosCreate, bareHttpCreate };
}
