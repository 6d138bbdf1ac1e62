import { performance } from 'node:perf_hooks';
import { type EchoSession } from './echo-session.ts';

export interface PhaseResult {
  calls: number;
  errors: number;
  firstError: string | undefined;
  elapsedMs: number;
  /** Per-call latencies in ms (sequential phase only). */
  latencies?: Float64Array;
}

class ErrorTally {
  count = 0;
  first: string | undefined;
  note(error: unknown): void {
    this.count++;
    this.first ??= error instanceof Error ? error.message : String(error);
  }
}

/** c1: `calls` calls (an echo by default) one after the other, each timed. */
export async function sequential(
  session: EchoSession,
  calls: number,
  call: () => Promise<unknown> = () => session.echo(),
): Promise<PhaseResult> {
  const latencies = new Float64Array(calls);
  const errors = new ErrorTally();
  let ok = 0;
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    try {
      await call();
      latencies[ok++] = performance.now() - t0;
    } catch (error) {
      errors.note(error);
    }
  }
  return {
    calls: ok,
    errors: errors.count,
    firstError: errors.first,
    elapsedMs: performance.now() - started,
    latencies: latencies.subarray(0, ok),
  };
}

/**
 * Closed loop: `inFlight` workers, each issuing its next call as soon as the previous one is
 * answered, spread round-robin over `sessions`, until `seconds` have passed. Calls already sent
 * when time is up are awaited and counted; the rate is calls over the whole elapsed time.
 */
export async function closedLoop(
  sessions: readonly EchoSession[],
  inFlight: number,
  seconds: number,
): Promise<PhaseResult> {
  const errors = new ErrorTally();
  let calls = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async (session: EchoSession) => {
    while (performance.now() < deadline) {
      try {
        await session.echo();
        calls++;
      } catch (error) {
        errors.note(error);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, i) => worker(sessions[i % sessions.length]!)));
  return { calls, errors: errors.count, firstError: errors.first, elapsedMs: performance.now() - started };
}
