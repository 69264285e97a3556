/**
 * Fixtures and helpers shared by the Security Hub write-back tests.
 */
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import type { SourceRecord } from '../../../src/core/types.js';
import type { AsffFinding, OcsfFinding } from '../../../src/simulators/securityhub/server.js';

const FIXTURES = new URL('../../fixtures/aws-events/securityhub/', import.meta.url);

/** Fake static credentials, so no test touches the default credential chain (and so no metadata endpoint). */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAITSMSYNCTESTONLY',
  secretAccessKey: 'itsm-sync-test-secret-key-do-not-log',
  sessionToken: 'itsm-sync-test-session-token-do-not-log',
};

/** The finding carried by an EventBridge event fixture (each event carries exactly one). */
function findingOf(fixture: string): Record<string, unknown> {
  const event = JSON.parse(readFileSync(new URL(fixture, FIXTURES), 'utf8')) as { detail: { findings: Array<Record<string, unknown>> } };
  const finding = event.detail.findings[0];
  if (finding === undefined) {
    throw new Error(`fixture ${fixture} carries no finding`);
  }
  return finding;
}

export function asffFinding(fixture: string): AsffFinding {
  return findingOf(fixture) as AsffFinding;
}

export function ocsfFinding(fixture: string): OcsfFinding {
  return findingOf(fixture) as OcsfFinding;
}

/** Builds the record a source adapter makes for an ASFF finding, reduced to what the write-back reads. */
export function asffRecord(finding: { Id: string; ProductArn: string }): SourceRecord {
  return {
    kind: 'finding',
    format: 'asff',
    identity: `finding|test|${finding.Id}`,
    displayId: finding.Id,
    view: {},
    writebackKey: { id: finding.Id, productArn: finding.ProductArn },
  };
}

/** Builds the record a source adapter makes for an OCSF finding, reduced to what the write-back reads. */
export function ocsfRecord(finding: OcsfFinding): SourceRecord {
  const findingInfo = finding.finding_info as { uid: string };
  const cloud = finding.cloud as { account: { uid: string } };
  const product = finding.metadata.product as { uid: string };
  return {
    kind: 'finding',
    format: 'ocsf',
    identity: `finding|${cloud.account.uid}|${findingInfo.uid}`,
    displayId: findingInfo.uid,
    view: {},
    writebackKey: {
      metadataUid: finding.metadata.uid,
      findingInfoUid: findingInfo.uid,
      productUid: product.uid,
      accountUid: cloud.account.uid,
    },
  };
}

/** Creates a pino logger at trace level that keeps its lines for assertions. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  // pino writes each line synchronously to a destination that is a plain object with write().
  const logger = pino({ level: 'trace' }, { write: (line: string) => raw.push(line) });
  return {
    logger,
    get lines() {
      return raw.join('').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    text: () => raw.join(''),
  };
}

/** True when `text` contains a UTF-16 surrogate that is not part of a pair. */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
