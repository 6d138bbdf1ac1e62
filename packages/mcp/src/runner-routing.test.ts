import { describe, expect, it } from 'vitest';
import { pickRunner, routeKeyOf, runnerEndpoint, runnerLogEndpoint } from './runner-routing.ts';

const RUNNERS = ['http://10.0.0.1:4100', 'http://10.0.0.2:4100', 'http://10.0.0.3:4100'];
const keys = Array.from({ length: 3000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('pickRunner (rendezvous hashing)', () => {
  it('picks the same runner whatever the order of the list, and none from an empty one', () => {
    const reversed = [...RUNNERS].reverse();
    for (const key of keys.slice(0, 200)) expect(pickRunner(reversed, key)).toBe(pickRunner(RUNNERS, key));
    expect(pickRunner([], keys[0]!)).toBeUndefined();
  });

  it('spreads installations over the runners', () => {
    const counts = new Map<string, number>();
    for (const key of keys) {
      const runner = pickRunner(RUNNERS, key)!;
      counts.set(runner, (counts.get(runner) ?? 0) + 1);
    }
    for (const runner of RUNNERS) {
      const share = (counts.get(runner) ?? 0) / keys.length;
      expect(share).toBeGreaterThan(0.28);
      expect(share).toBeLessThan(0.39);
    }
  });

  it('moves only the installations of a runner that leaves, and only to a runner that joins', () => {
    const before = new Map(keys.map((k) => [k, pickRunner(RUNNERS, k)]));
    const left = RUNNERS.slice(0, 2);
    for (const key of keys) {
      const now = pickRunner(left, key);
      if (before.get(key) !== RUNNERS[2]) expect(now).toBe(before.get(key));
    }
    const joined = [...RUNNERS, 'http://10.0.0.4:4100'];
    let moved = 0;
    for (const key of keys) {
      const now = pickRunner(joined, key);
      if (now !== before.get(key)) {
        expect(now).toBe('http://10.0.0.4:4100');
        moved++;
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.18);
    expect(moved / keys.length).toBeLessThan(0.32);
  });

  it('places a canary apart from its stable side, at its own endpoint', () => {
    const route = { tenantId: 't1', installationId: keys[0]! };
    expect(routeKeyOf(route)).toBe(keys[0]);
    expect(routeKeyOf({ ...route, variant: 'canary' })).toBe(`${keys[0]}/canary`);
    expect(runnerEndpoint('http://10.0.0.1:4100/', route)).toBe(
      `http://10.0.0.1:4100/tenants/t1/servers/${keys[0]}/mcp`,
    );
    expect(runnerEndpoint('http://10.0.0.1:4100', { ...route, variant: 'canary' })).toBe(
      `http://10.0.0.1:4100/tenants/t1/servers/${keys[0]}/mcp?variant=canary`,
    );
    expect(runnerLogEndpoint('http://10.0.0.1:4100', route)).toBe(
      `http://10.0.0.1:4100/tenants/t1/servers/${keys[0]}/log`,
    );
  });
});
