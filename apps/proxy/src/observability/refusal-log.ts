import type { Logger } from '@toolgate/core/logger';
import type { AuthFailureReason } from './metrics.ts';

/** Why a request was turned away: authentication and visibility, scope, the listener's checks, sessions, limits. */
export type RefusalReason =
  | AuthFailureReason
  | 'gateway_not_found'
  | 'host_forbidden'
  | 'origin_forbidden'
  | 'session_not_found'
  | 'rate_limited'
  | 'quota_exceeded';

export interface RefusalLogOptions {
  /** How often a summary may be logged; default one minute. */
  intervalMs?: number;
  /** Clock, for the summary's window; tests pass their own. */
  now?: () => number;
}

/**
 * Refused requests, summarised: one `info` line per interval with counts by reason, and nothing
 * when nothing was refused. A line per refusal would let any client with a bad token fill the
 * logs; none at all would hide a misconfigured client or an attack. `note` is a map increment,
 * cheap enough for every refusal.
 */
export class RefusalLog {
  private counts = new Map<RefusalReason, number>();
  private windowStart: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly log: Logger,
    options: RefusalLogOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.windowStart = this.now();
  }

  note(reason: RefusalReason): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  /** Logs the summary every interval; the timer never keeps the process alive. */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.intervalMs).unref();
  }

  /** Logs what was refused since the last summary, if anything, and starts a new window. */
  flush(): void {
    const now = this.now();
    const seconds = Math.round((now - this.windowStart) / 1000);
    this.windowStart = now;
    if (this.counts.size === 0) return;
    const refused = Object.fromEntries(this.counts);
    let total = 0;
    for (const count of this.counts.values()) total += count;
    this.counts = new Map();
    this.log.info({ refused, total, seconds }, 'refused requests');
  }

  /** Stops the timer and logs what is left (on drain). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
