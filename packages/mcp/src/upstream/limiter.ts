import { cancelledError, label } from './rpc-channel.ts';
import { UpstreamError } from './types.ts';

interface Waiter {
  resolve(): void;
  reject(error: UpstreamError): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Bounded concurrency for one pooled upstream: `max` calls in flight, up to `maxQueue` waiting in
 * FIFO order, the rest refused at once as 'overloaded' so a slow upstream cannot pile up memory.
 */
export class Limiter {
  inFlight = 0;
  /** A Set keeps arrival order and removes timed-out waiters in O(1). */
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly name: string,
    private readonly max: number,
    private readonly maxQueue: number,
  ) {}

  get queued(): number {
    return this.waiters.size;
  }

  tryAcquire(): boolean {
    if (this.inFlight >= this.max) return false;
    this.inFlight++;
    return true;
  }

  /** Waits for a slot; the slot is handed over by `release`, so `inFlight` already counts it. */
  wait(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.waiters.size >= this.maxQueue) {
      return Promise.reject(
        new UpstreamError(
          'overloaded',
          `${label(this.name)} is overloaded (${this.inFlight} calls in flight, ${this.waiters.size} queued)`,
        ),
      );
    }
    if (signal?.aborted) return Promise.reject(cancelledError(this.name));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined, signal, onAbort: undefined };
      if (Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          this.remove(waiter);
          reject(
            new UpstreamError(
              'timeout',
              `${label(this.name)} was too busy to take the call within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
      }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.remove(waiter);
          reject(cancelledError(this.name));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.add(waiter);
    });
  }

  release(): void {
    const next = this.waiters.values().next();
    if (next.done === true) {
      this.inFlight--;
      return;
    }
    this.remove(next.value);
    next.value.resolve();
  }

  rejectAll(error: UpstreamError): void {
    for (const waiter of this.waiters) {
      this.remove(waiter);
      waiter.reject(error);
    }
  }

  private remove(waiter: Waiter): void {
    this.waiters.delete(waiter);
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}
