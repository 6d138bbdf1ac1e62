import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { UsageQueue } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type { UsageEvent } from '@toolgate/core/usage';

export interface UsageRecorderOptions {
  queue: Pick<UsageQueue, 'enqueue'>;
  log: Logger;
  /** Events per batch; a full batch is sent at once. */
  batchSize: number;
  /** A partial batch is sent after at most this long. */
  flushIntervalMs: number;
  /** Events held while the queue is unreachable; beyond it the oldest are dropped. */
  maxBufferedEvents: number;
}

/** Counters a metrics module can read (monotonic unless noted). */
export interface UsageRecorderCounters {
  recorded: number;
  /** Events handed to the queue. */
  enqueued: number;
  batches: number;
  /** Oldest events dropped because the buffer was full. */
  dropped: number;
  /** Failed attempts to enqueue a batch (each is retried on the next tick). */
  enqueueFailures: number;
}

/** A sealed batch. Its id never changes, so a retried enqueue is recognised downstream. */
interface Chunk {
  id: string;
  events: (UsageEvent | undefined)[];
  /** Events before `start` were dropped. */
  start: number;
}

/**
 * The proxy's usage buffer. `record` is O(1) and never waits: events go into the open batch,
 * which is sealed (with a fresh id) when full or on the timer, and sealed batches go to the
 * queue one at a time, in order. When the queue fails, batches stay (same id) and are retried
 * on the next tick; the buffer is bounded, dropping the oldest events and counting them.
 */
export class UsageRecorder {
  readonly counters: UsageRecorderCounters = {
    recorded: 0,
    enqueued: 0,
    batches: 0,
    dropped: 0,
    enqueueFailures: 0,
  };
  private readonly sealSize: number;
  private readonly chunks: Chunk[] = [];
  private open: UsageEvent[] = [];
  /** Events that may still be dropped: in sealed chunks not being sent, and in the open batch. */
  private waiting = 0;
  private sending?: Chunk;
  private pumping?: Promise<void>;
  private pumpScheduled = false;
  private failing = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: UsageRecorderOptions) {
    this.sealSize = Math.max(1, Math.min(options.batchSize, options.maxBufferedEvents));
  }

  /** Events held in this process (waiting, plus the batch being sent). Not monotonic. */
  get buffered(): number {
    return this.waiting + (this.sending ? this.sending.events.length - this.sending.start : 0);
  }

  /** Starts the flush timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  record(event: UsageEvent): void {
    this.counters.recorded++;
    if (this.waiting >= this.options.maxBufferedEvents) this.dropOldest();
    this.open.push(event);
    this.waiting++;
    if (this.open.length >= this.sealSize) {
      this.seal();
      // While the queue is failing, only the timer retries: no hot loop of failing enqueues.
      if (!this.failing) this.schedulePump();
    }
  }

  /** Seals the open batch and sends what is waiting; resolves when this attempt is over. */
  flush(): Promise<void> {
    this.seal();
    return this.pump();
  }

  /**
   * Stops the timer and sends everything buffered, retrying until `timeoutMs` has passed.
   * Whatever is left then is lost (and logged).
   */
  async drain(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    this.seal();
    while (this.buffered > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const ac = new AbortController();
      await Promise.race([this.pump(), delay(left, undefined, { signal: ac.signal }).catch(() => {})]);
      ac.abort();
      if (this.failing && this.buffered > 0 && deadline - Date.now() > 0) {
        await delay(Math.min(100, Math.max(0, deadline - Date.now())));
      }
    }
    if (this.buffered > 0) {
      this.options.log.warn(
        { events: this.buffered, dropped: this.counters.dropped },
        'usage events not delivered at shutdown',
      );
    }
  }

  private seal(): void {
    if (this.open.length === 0) return;
    this.chunks.push({ id: randomUUID(), events: this.open, start: 0 });
    this.open = [];
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Off the request's own tick: an in-process queue may start consuming synchronously.
    setImmediate(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  private pump(): Promise<void> {
    this.pumping ??= this.send().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  private async send(): Promise<void> {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const events = (chunk.start === 0 ? chunk.events : chunk.events.slice(chunk.start)) as UsageEvent[];
      chunk.events = events;
      chunk.start = 0;
      this.waiting -= events.length;
      this.sending = chunk;
      try {
        await this.options.queue.enqueue({ id: chunk.id, events });
      } catch (err) {
        this.sending = undefined;
        this.waiting += events.length;
        this.counters.enqueueFailures++;
        if (!this.failing) {
          this.options.log.warn(
            { err: (err as Error).message, buffered: this.buffered },
            'usage queue unreachable; buffering events',
          );
        }
        this.failing = true;
        // Events recorded meanwhile were bounded without this batch; bound them with it.
        while (this.waiting > this.options.maxBufferedEvents) this.dropOldest();
        return;
      }
      this.sending = undefined;
      this.chunks.shift();
      this.counters.enqueued += events.length;
      this.counters.batches++;
      if (this.failing) {
        this.failing = false;
        this.options.log.info({ dropped: this.counters.dropped }, 'usage queue reachable again');
      }
    }
  }

  /** Drops the oldest event that is not being sent. */
  private dropOldest(): void {
    const index = this.chunks[0] !== undefined && this.chunks[0] === this.sending ? 1 : 0;
    const chunk = this.chunks[index];
    if (chunk) {
      chunk.events[chunk.start++] = undefined; // release it now, not when the batch goes
      if (chunk.start >= chunk.events.length) this.chunks.splice(index, 1);
    } else if (this.open.length > 0) {
      this.open.shift();
    } else {
      return;
    }
    this.waiting--;
    this.counters.dropped++;
  }
}
