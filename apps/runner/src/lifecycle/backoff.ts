/** Restart back-off of one server: doubles with each failure in a row, up to `maxMs`. */
export interface Backoff {
  failures: number;
  delayMs: number;
  initialMs: number;
  maxMs: number;
  /** Failed starts in a row after which the server is marked failed (until the delay has passed). */
  failAfter: number;
}

const DEFAULTS = { initialMs: 250, maxMs: 30_000, failAfter: 3 };

/** The back-off after one more failure (`previous` undefined: none before, delay 0). */
export function nextBackoff(previous: Backoff | undefined, options: Partial<Backoff> = {}): Backoff {
  const base = { ...DEFAULTS, ...options };
  if (!previous) return { ...base, failures: 0, delayMs: 0 };
  const failures = previous.failures + 1;
  return {
    ...base,
    failures,
    delayMs: Math.min(base.maxMs, base.initialMs * 2 ** (failures - 1)),
  };
}
