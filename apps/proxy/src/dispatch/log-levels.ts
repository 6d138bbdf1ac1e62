import type { Bus } from '@toolgate/bus';
import { DEFAULT_SESSION_TTL_SECONDS } from '@toolgate/mcp/session-token';

/** RFC 5424 severities as MCP names them, least severe first. */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const isLogLevel = (v: unknown): v is LogLevel =>
  typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);

const key = (sessionKey: string) => `log-level:${sessionKey}`;

/**
 * The log level each client session chose with `logging/setLevel` (2025 revisions). Upstream
 * sessions are pooled and shared by many clients, so the level is not passed upstream: the
 * gateway filters the `notifications/message` it relays. Kept in the shared cache so every
 * replica serving the session applies it.
 */
export class SessionLogLevels {
  constructor(private readonly bus: Bus) {}

  set(sessionKey: string, level: LogLevel): Promise<void> {
    return this.bus.sharedCache.set(key(sessionKey), level, DEFAULT_SESSION_TTL_SECONDS);
  }

  /** The session's level; undefined when it never set one (then everything is relayed). */
  async get(sessionKey: string): Promise<LogLevel | undefined> {
    const level = await this.bus.sharedCache.get(key(sessionKey));
    return isLogLevel(level) ? level : undefined;
  }
}

/**
 * Relays one call's upstream notifications in order, holding back log messages below the
 * session's level. The level is looked up once, when the first log message arrives;
 * `settled()` resolves once everything queued has been relayed (before the call's answer).
 */
export class LogFilter {
  private chain: Promise<void> = Promise.resolve();
  private level: Promise<LogLevel | undefined> | undefined;
  private pending = false;

  constructor(
    private readonly lookup: () => Promise<LogLevel | undefined>,
    private readonly relay: (notification: unknown) => void,
    /** Messages with no level to compare (2026-07-28 without a requested level) are dropped. */
    private readonly dropWithoutLevel = false,
  ) {}

  push(notification: { method: string; params?: Record<string, unknown> }): void {
    if (notification.method !== 'notifications/message' && !this.pending) {
      this.relay(notification);
      return;
    }
    this.pending = true;
    this.level ??= this.lookup().catch(() => undefined);
    const level = this.level;
    this.chain = this.chain.then(async () => {
      if (
        notification.method === 'notifications/message' &&
        !passes(notification.params?.level, await level, this.dropWithoutLevel)
      )
        return;
      this.relay(notification);
    });
  }

  settled(): Promise<void> {
    return this.chain;
  }
}

function passes(messageLevel: unknown, threshold: LogLevel | undefined, dropWithoutLevel: boolean): boolean {
  if (threshold === undefined) return !dropWithoutLevel;
  if (!isLogLevel(messageLevel)) return true;
  return LOG_LEVELS.indexOf(messageLevel) >= LOG_LEVELS.indexOf(threshold);
}
