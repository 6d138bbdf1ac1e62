import { describe, expect, it } from 'vitest';
import { checkReadiness, essential, ReadinessProbe } from './readiness.ts';

const up = () => Promise.resolve();
const down = () => Promise.reject(new Error('connection refused'));
const silent = () => new Promise<void>(() => {});

describe('checkReadiness', () => {
  it('is ok when every check passes', async () => {
    expect(await checkReadiness({ postgres: up, redis: up })).toMatchObject({
      status: 'ok',
      ready: true,
      checks: { postgres: { ok: true }, redis: { ok: true } },
    });
  });

  it('is unavailable when an essential check fails (by default every check is essential)', async () => {
    expect(await checkReadiness({ postgres: down, redis: up })).toMatchObject({
      status: 'unavailable',
      ready: false,
      checks: { postgres: { ok: false, error: 'connection refused' } },
    });
  });

  it('stays ready but degraded when only a non-essential check fails', async () => {
    const report = await checkReadiness({ postgres: up, redis: down }, { canServe: essential('postgres') });
    expect(report).toMatchObject({ status: 'degraded', ready: true, checks: { redis: { ok: false } } });
  });

  it('bounds a check that never answers', async () => {
    const started = Date.now();
    const report = await checkReadiness({ postgres: silent }, { timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.checks.postgres).toMatchObject({ ok: false, error: 'timed out after 50 ms' });
  });
});

describe('ReadinessProbe', () => {
  it('shares one run between concurrent callers and reuses a fresh report', async () => {
    let runs = 0;
    const probe = new ReadinessProbe({
      checks: { postgres: () => (runs++, Promise.resolve()) },
      maxAgeMs: 60_000,
    });
    await Promise.all([probe.check(), probe.check(), probe.check()]);
    await probe.check();
    expect(runs).toBe(1);
  });

  it('checks again once the report is older than maxAgeMs', async () => {
    let runs = 0;
    const probe = new ReadinessProbe({
      checks: { postgres: () => (runs++, Promise.resolve()) },
      maxAgeMs: 0,
    });
    await probe.check();
    await probe.check();
    expect(runs).toBe(2);
  });
});
