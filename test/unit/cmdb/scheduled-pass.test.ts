import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { ScheduledPass } from '../../../src/cmdb/scheduled-pass.js';

const logger = pino({ level: 'silent' });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ScheduledPass', () => {
  it('runs the first pass at start when asked', async () => {
    let passes = 0;
    const schedule = new ScheduledPass('test pass', async () => void (passes += 1), 60_000, logger, { runAtStart: true });

    schedule.start();
    await tick();
    await tick();
    await schedule.stop();

    expect(passes).toBe(1);
  });

  it('waits one interval otherwise', async () => {
    let passes = 0;
    const schedule = new ScheduledPass('test pass', async () => void (passes += 1), 60_000, logger);

    schedule.start();
    await tick();
    await tick();
    await schedule.stop();

    expect(passes).toBe(0);
  });

  it('logs a pass that throws, and keeps the schedule', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const schedule = new ScheduledPass('test pass', async () => Promise.reject(new Error('AWS Config is unreachable')), 60_000, capture, { runAtStart: true });

    schedule.start();
    await tick();
    await tick();
    await schedule.stop();

    expect(lines.join('')).toContain('test pass stopped: AWS Config is unreachable');
  });
});
