import type { UsageBatch } from '@toolgate/bus';
import { createLogger } from '@toolgate/core/logger';
import type { UsageEvent } from '@toolgate/core/usage';
import { describe, expect, it } from 'vitest';
import { UsageRecorder } from './recorder.ts';

const log = createLogger({ name: 'recorder-test', level: 'silent', pretty: false });

/** A queue that takes batches, or refuses them while `down`; `hold` keeps an enqueue pending. */
function queue() {
  const q = {
    down: false,
    batches: [] as UsageBatch<UsageEvent>[],
    attempts: [] as string[],
    release: undefined as (() => void) | undefined,
    hold: false,
    enqueue(batch: UsageBatch): Promise<void> {
      q.attempts.push(batch.id);
      if (q.down) return Promise.reject(new Error('queue unreachable'));
      if (q.hold) {
        return new Promise<void>((resolve) => {
          q.release = () => {
            q.batches.push(batch as UsageBatch<UsageEvent>);
            resolve();
          };
        });
      }
      q.batches.push(batch as UsageBatch<UsageEvent>);
      return Promise.resolve();
    },
    /** Request ids delivered, in order. */
    delivered: () => q.batches.flatMap((b) => b.events.map((e) => e.requestId)),
  };
  return q;
}

const ev = (n: number) => ({ requestId: `r${n}` }) as UsageEvent;

function recorder(q: ReturnType<typeof queue>, options: { batchSize?: number; max?: number } = {}) {
  return new UsageRecorder({
    queue: q,
    log,
    batchSize: options.batchSize ?? 3,
    flushIntervalMs: 60_000,
    maxBufferedEvents: options.max ?? 100,
  });
}

describe('UsageRecorder', () => {
  it('sends full batches by size and the rest on flush, in order, each with its own id', async () => {
    const q = queue();
    const r = recorder(q);
    for (let i = 0; i < 7; i++) r.record(ev(i));
    await r.flush();
    expect(q.delivered()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(q.batches.map((b) => b.events.length)).toEqual([3, 3, 1]);
    expect(new Set(q.batches.map((b) => b.id)).size).toBe(3);
    expect(r.counters).toMatchObject({ recorded: 7, enqueued: 7, batches: 3, dropped: 0 });
    expect(r.buffered).toBe(0);
  });

  it('keeps batches (with the same id) while the queue fails and sends them once it is back', async () => {
    const q = queue();
    const r = recorder(q);
    q.down = true;
    for (let i = 0; i < 5; i++) r.record(ev(i));
    await r.flush();
    await r.flush();
    expect(r.buffered).toBe(5);
    expect(r.counters.enqueueFailures).toBe(2);
    const firstId = q.attempts[0];
    q.down = false;
    await r.flush();
    expect(q.delivered()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(q.batches[0]!.id).toBe(firstId);
    expect(r.buffered).toBe(0);
  });

  it('drops the oldest events beyond its bound and counts them', async () => {
    const q = queue();
    const r = recorder(q, { batchSize: 500, max: 4 });
    q.down = true;
    for (let i = 0; i < 10; i++) r.record(ev(i));
    await r.flush();
    expect(r.buffered).toBe(4);
    expect(r.counters.dropped).toBe(6);
    q.down = false;
    await r.flush();
    expect(q.delivered()).toEqual(['r6', 'r7', 'r8', 'r9']);
  });

  it('never drops from the batch being sent', async () => {
    const q = queue();
    const r = recorder(q, { batchSize: 2, max: 4 });
    q.hold = true;
    r.record(ev(0));
    r.record(ev(1));
    const sending = r.flush(); // r0, r1 in flight
    for (let i = 2; i < 8; i++) r.record(ev(i)); // 6 more, bound 4 among the waiting ones
    expect(r.counters.dropped).toBe(2);
    q.hold = false;
    q.release!();
    await sending;
    await r.flush();
    expect(q.delivered()).toEqual(['r0', 'r1', 'r4', 'r5', 'r6', 'r7']);
  });

  it('drain sends everything, retrying within its deadline', async () => {
    const q = queue();
    const r = recorder(q, { batchSize: 100 });
    r.start();
    q.down = true;
    for (let i = 0; i < 3; i++) r.record(ev(i));
    setTimeout(() => (q.down = false), 150);
    await r.drain(5_000);
    expect(q.delivered()).toEqual(['r0', 'r1', 'r2']);
    expect(r.buffered).toBe(0);
  });

  it('drain gives up at its deadline when the queue never comes back', async () => {
    const q = queue();
    const r = recorder(q);
    q.down = true;
    r.record(ev(0));
    const started = Date.now();
    await r.drain(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.buffered).toBe(1);
  });
});
