/**
 * A sample link for the state store tests: an open ServiceNow incident for a Security Hub finding.
 */
import type { Link } from '../../../src/state/store.js';

/** Builds an open link with the given correlation, and `overrides` on top. */
export function link(correlation: string, overrides: Partial<Link> = {}): Link {
  return {
    correlation,
    identity: `arn:aws:securityhub:us-east-1:123456789012:finding/${correlation}`,
    kind: 'finding',
    rule: 'security-hub-findings',
    status: 'open',
    ticket: {
      system: 'servicenow',
      table: 'incident',
      id: '46d44f1e2f0a1010a1b2c3d4e5f60718',
      number: 'INC0010001',
      url: 'https://itsm-dev.example.com/incident.do?sys_id=46d44f1e2f0a1010a1b2c3d4e5f60718',
    },
    written: { short_description: 'S3 bucket allows public read' },
    writebacks: {},
    previousTickets: [],
    createdAt: '2026-12-05T08:00:00.000Z',
    updatedAt: '2026-12-05T08:00:00.000Z',
    ...overrides,
  };
}
