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
 * first two measures are a lower bound of its CPU time per finding, before any of its own work.
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

/** The cost of each way of sending a request, by name. */
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
/** Number of measured rounds per client. The median round is reported. */
const ROUNDS = 3;

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

/** Sends requests `from` to `to` (excluded), `concurrency` at a time, and measures this process's CPU. */
async function timeCalls(from: number, to: number, concurrency: number, send: (index: number) => Promise<unknown>): Promise<ClientCost> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) {
        const index = next;
        next += 1;
        await send(index);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  return { cpuMsPerCall: (cpu.user + cpu.system) / 1000 / (to - from), callsPerSecond: (to - from) / seconds };
}

/**
 * Warms every client up, then measures each in ROUNDS rounds that take turns, and keeps each
 * client's median round. Measured one after the other, the first client paid for the JIT
 * compilation of the code the clients share (Node's HTTP stack): the ServiceNow create showed
 * 0.48–0.52 ms measured first, against 0.34–0.39 ms in turns with the others.
 */
async function measureInTurns<Name extends string>(clients: Record<Name, (index: number) => Promise<unknown>>, calls: number, concurrency: number): Promise<Record<Name, ClientCost>> {
  const entries = Object.entries(clients) as Array<[Name, (index: number) => Promise<unknown>]>;
  for (const [, send] of entries) await timeCalls(0, WARM_UP_CALLS, concurrency, send);

  const rounds = new Map<Name, ClientCost[]>(entries.map(([name]) => [name, []]));
  const perRound = Math.ceil(calls / ROUNDS);
  for (let round = 0; round < ROUNDS; round += 1) {
    const from = WARM_UP_CALLS + round * perRound;
    for (const [name, send] of entries) rounds.get(name)!.push(await timeCalls(from, from + perRound, concurrency, send));
  }

  const median = (costs: ClientCost[]): ClientCost => [...costs].sort((a, b) => a.cpuMsPerCall - b.cpuMsPerCall)[Math.floor(costs.length / 2)]!;
  return Object.fromEntries(entries.map(([name]) => [name, median(rounds.get(name)!)])) as Record<Name, ClientCost>;
}

/**
 * Measures the four ways of sending against the simulators that `env` (the local stack's
 * environment) points at. `findings` must contain at least WARM_UP_CALLS + `calls` findings seeded
 * in Security Hub.
 */
export async function measureClientCosts(env: Record<string, string>, findings: FindingKey[], calls: number, concurrency: number): Promise<ClientCosts> {
  const username = env.SERVICENOW_USERNAME!;
  const password = env.SERVICENOW_PASSWORD!;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const readBack = ['sys_id', 'number', 'state', 'sys_mod_count', 'sys_updated_on'];

  const serviceNow = new ServiceNowClient({ instanceUrl: env.SERVICENOW_INSTANCE_URL!, auth: { type: 'basic', username, password } });
  const securityHub = createSecurityHubClient({
    region: env.AWS_REGION!,
    endpoint: env.AWS_ENDPOINT_URL_SECURITYHUB!,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  const http = createRestHttpClient({ baseURL: env.SERVICENOW_INSTANCE_URL!, timeoutMs: 30_000 });
  const instance = new URL(env.SERVICENOW_INSTANCE_URL!);
  const agent = new Agent({ keepAlive: true });

  try {
    return await measureInTurns(
      {
        serviceNowCreate: (index) => serviceNow.createRecord('incident', incidentFields(index), { fields: readBack }),
        securityHubWriteback: (index) =>
          securityHub.send(
            new BatchUpdateFindingsCommand({
              FindingIdentifiers: [findings[index % findings.length]!],
              Workflow: { Status: 'NOTIFIED' },
              Note: { Text: `ServiceNow incident INC${String(index).padStart(7, '0')}: ${env.SERVICENOW_INSTANCE_URL}/incident.do?sys_id=${index}`, UpdatedBy: 'itsm-sync' },
            }),
          ),
        axiosCreate: (index) =>
          http.request({
            method: 'POST',
            url: '/api/now/table/incident',
            params: { sysparm_display_value: 'false', sysparm_exclude_reference_link: 'true', sysparm_fields: readBack.join(',') },
            data: incidentFields(index),
            headers: { Authorization: authorization },
          }),
        bareHttpCreate: (index) => postWithNodeHttp(instance, agent, authorization, `/api/now/table/incident?sysparm_fields=${readBack.join(',')}`, incidentFields(index)),
      },
      calls,
      concurrency,
    );
  } finally {
    agent.destroy();
    securityHub.destroy();
  }
}

/** Sends one JSON POST with Node's `http` module and parses the JSON response. */
function postWithNodeHttp(instance: URL, agent: Agent, authorization: string, path: string, fields: Record<string, string>): Promise<unknown> {
  const body = JSON.stringify(fields);
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      {
        host: instance.hostname,
        port: instance.port,
        method: 'POST',
        path,
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
}
