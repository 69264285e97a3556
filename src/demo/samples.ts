/**
 * The demo's sample AWS records: Security Hub finding events in `src/demo/events/`, OpsItems in
 * `src/demo/opsitems/` and AWS Config configuration items in `src/demo/resources/`. Files are taken
 * in name order, numbers compared as numbers, so the demo reads in the order of their leading numbers.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ConfigurationItemInput } from '../simulators/config/server.js';
import type { SecurityHubSimulator, SsmSimulator } from '../simulators/local-stack.js';
import type { SimulatedOpsItem } from '../simulators/ssm/server.js';

/** Root of the package, where `mappings/` and `src/demo/` are. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Folders of the shipped samples. */
export const SAMPLE_DIRS = {
  events: join(PACKAGE_ROOT, 'src/demo/events'),
  opsItems: join(PACKAGE_ROOT, 'src/demo/opsitems'),
  resources: join(PACKAGE_ROOT, 'src/demo/resources'),
} as const;

/** A sample Security Hub event, sent to the queue as EventBridge delivers it. */
export interface FindingSample {
  kind: 'finding';
  file: string;
  /** Send the event wrapped in an SNS notification, as a queue subscribed to a topic gets it. */
  viaSns: boolean;
  event: Record<string, unknown>;
}

/**
 * A sample OpsItem in the GetOpsItem wire shape. The demo creates it in the SSM simulator, which
 * emits its `OpsItem Create` event to the queue.
 */
export interface OpsItemSample {
  kind: 'opsitem';
  file: string;
  opsItem: Partial<SimulatedOpsItem> & { OpsItemId: string; Title: string };
}

export type DemoSample = FindingSample | OpsItemSample;

/** A sample AWS resource: the configuration item AWS Config records for it, as the Config simulator takes it. */
export interface ResourceSample {
  file: string;
  item: ConfigurationItemInput;
}

/** A sample file that cannot be used: not JSON, or not the shape its folder holds. */
export class DemoSampleError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`Invalid demo sample ${file}: ${problem}`);
    this.name = 'DemoSampleError';
  }
}

const FINDING_DETAIL_TYPES = new Set(['Security Hub Findings - Imported', 'Findings Imported V2']);

/** Reads the shipped sample findings and OpsItems, in the order the timeline sends them. */
export function loadDemoSamples(): { all: DemoSample[]; counts: { findingEvents: number; opsItems: number } } {
  const findingSamples = loadFindingSamples(SAMPLE_DIRS.events);
  const opsItemSamples = loadOpsItemSamples(SAMPLE_DIRS.opsItems);
  return { all: [...findingSamples, ...opsItemSamples], counts: { findingEvents: findingSamples.length, opsItems: opsItemSamples.length } };
}

/**
 * Reads the sample finding events of `eventsDir`. A file named `*.ocsf.*` is sent wrapped in an SNS
 * notification, as the new Security Hub's OCSF findings often reach the queue through a topic.
 */
export function loadFindingSamples(eventsDir: string): FindingSample[] {
  return jsonFiles(eventsDir).map((path) => {
    const event = readJsonObject(path);
    const detail = event.detail as { findings?: unknown } | undefined;
    if (!FINDING_DETAIL_TYPES.has(String(event['detail-type'])) || !Array.isArray(detail?.findings)) {
      throw new DemoSampleError(
        path,
        `expected a Security Hub event ("detail-type" one of ${[...FINDING_DETAIL_TYPES].join(', ')}, with detail.findings), got "detail-type" ${JSON.stringify(event['detail-type'])}`,
      );
    }
    return { kind: 'finding', file: path, viaSns: path.includes('.ocsf.'), event };
  });
}

/**
 * Reads the sample OpsItems of `opsItemsDir`, each `{"OpsItem": {...}}` as GetOpsItem returns it.
 * The OpsItemId and the times (epoch seconds) are fixed in the file. So the OpsItem Create event of
 * a later run is the same event delivered again, naming the OpsItem of the first run in a state
 * older than the one that run synced. Without times, the simulator uses the time of creation.
 */
export function loadOpsItemSamples(opsItemsDir: string): OpsItemSample[] {
  return jsonFiles(opsItemsDir).map((path) => {
    const opsItem = readJsonObject(path).OpsItem as Record<string, unknown> | undefined;
    if (typeof opsItem !== 'object' || opsItem === null || Array.isArray(opsItem)) {
      throw new DemoSampleError(path, 'expected {"OpsItem": {...}}, the shape of a GetOpsItem response');
    }
    for (const member of ['OpsItemId', 'Title'] as const) {
      if (typeof opsItem[member] !== 'string' || opsItem[member] === '') {
        throw new DemoSampleError(path, `OpsItem.${member} is missing; give it a fixed value such as "oi-4f2a9c81d0e7" for OpsItemId`);
      }
    }
    return { kind: 'opsitem', file: path, opsItem: opsItem as OpsItemSample['opsItem'] };
  });
}

/**
 * Reads the sample configuration items of `resourcesDir`, each an object with at least
 * `resourceType`, `resourceId` and `configuration`, as AWS Config records them.
 */
export function loadResourceSamples(resourcesDir: string): ResourceSample[] {
  return jsonFiles(resourcesDir).map((path) => {
    const item = readJsonObject(path);
    for (const member of ['resourceType', 'resourceId'] as const) {
      if (typeof item[member] !== 'string' || item[member] === '') {
        throw new DemoSampleError(path, `${member} is missing; give it as AWS Config names it, such as "AWS::EC2::Instance" and "i-0a1b2c3d4e5f60718"`);
      }
    }
    if (typeof item.configuration !== 'object' || item.configuration === null || Array.isArray(item.configuration)) {
      throw new DemoSampleError(path, 'configuration is missing; give the resource\'s configuration as an object, as AWS Config records it');
    }
    return { file: path, item: item as unknown as ConfigurationItemInput };
  });
}

/**
 * Puts the findings of a sample event into the Security Hub simulator, as they are when the event
 * is sent. The simulator accepts updates only to findings it has, and the event it emits after an
 * update carries the stored finding. So each sample is stored right before it is sent, because a
 * later sample with the same finding Id (one that passes, say) would replace it too early.
 */
export function seedFindings(securityHub: SecurityHubSimulator, sample: FindingSample): void {
  const findings = (sample.event.detail as { findings: unknown }).findings;
  if (sample.event['detail-type'] === 'Findings Imported V2') {
    securityHub.seedOcsfFindings(findings as Parameters<SecurityHubSimulator['seedOcsfFindings']>[0]);
  } else {
    securityHub.seedFindings(findings as Parameters<SecurityHubSimulator['seedFindings']>[0]);
  }
}

/**
 * Creates the OpsItem in the SSM simulator as an AWS service would, which emits its `OpsItem
 * Create` event. Returns the OpsItem as stored.
 */
export function createOpsItem(ssm: SsmSimulator, sample: OpsItemSample): SimulatedOpsItem {
  try {
    return ssm.seedOpsItem(sample.opsItem, { emitEvent: true });
  } catch (error) {
    throw new DemoSampleError(sample.file, `the SSM simulator rejected the OpsItem: ${(error as Error).message}`);
  }
}

/** Wraps an event in an SNS notification envelope, as a queue subscribed to a topic receives it. */
export function snsEnvelope(event: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:itsm-sync-demo',
    Message: JSON.stringify(event),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
  };
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort((left, right) => left.localeCompare(right, 'en', { numeric: true }))
    .map((file) => join(dir, file));
}

function readJsonObject(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DemoSampleError(path, `not valid JSON (${(error as Error).message}); fix the file or remove it`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DemoSampleError(path, 'expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}
