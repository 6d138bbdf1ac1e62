import { describe, expect, it } from 'vitest';
import { captureLogs, LEVEL } from '../testing/log-capture.ts';
import { RefusalLog } from './refusal-log.ts';

/** A clock the test moves by hand: the summary's window is measured on it, nothing sleeps. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RefusalLog', () => {
  it('logs one summary per window with counts by reason, and nothing for a quiet window', () => {
    const { log, lines } = captureLogs();
    const time = clock();
    const refusals = new RefusalLog(log, { now: time.now });
    for (let i = 0; i < 3; i++) refusals.note('unknown');
    refusals.note('not_visible');
    refusals.note('host_forbidden');
    refusals.note('unknown');
    expect(lines).toHaveLength(0);

    time.advance(60_000);
    refusals.flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: LEVEL.info,
      msg: 'refused requests',
      refused: { unknown: 4, not_visible: 1, host_forbidden: 1 },
      total: 6,
      seconds: 60,
    });

    // Nothing refused: no line, and the next window starts anyway.
    time.advance(60_000);
    refusals.flush();
    expect(lines).toHaveLength(1);

    refusals.note('session_not_found');
    time.advance(30_000);
    refusals.flush();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ refused: { session_not_found: 1 }, total: 1, seconds: 30 });
  });

  it('logs what is left when stopped, once', () => {
    const { log, lines } = captureLogs();
    const time = clock();
    const refusals = new RefusalLog(log, { now: time.now });
    refusals.start();
    refusals.note('insufficient_scope');
    refusals.note('insufficient_scope');
    time.advance(5_000);
    refusals.stop();
    refusals.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ refused: { insufficient_scope: 2 }, total: 2, seconds: 5 });
  });
});
