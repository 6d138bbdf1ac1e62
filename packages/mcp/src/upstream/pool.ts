import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { Agent } from 'undici';
import type { SessionContext } from './http-common.ts';
import { HttpSession } from './http-session.ts';
import { Limiter } from './limiter.ts';
import { ModernHttpSession, NotModernError } from './modern-session.ts';
import { type RpcChannel, label } from './rpc-channel.ts';
import { SseSession } from './sse-session.ts';
import { StdioProcess } from './stdio-process.ts';
import { waitFor } from './wait-for.ts';
import { Watches } from './watches.ts';
import {
  type RequestOptions,
  type UpstreamPool,
  type UpstreamPoolOptions,
  type UpstreamPoolStats,
  type UpstreamTarget,
  type UpstreamWatch,
  type JsonRpcNotification,
  UpstreamError,
} from './types.ts';

type Json = Record<string, unknown>;

/** A stdio child that stayed up this long counts as healthy: its next crash restarts the backoff. */
const STABLE_AFTER_MS = 30_000;

interface Entry {
  readonly target: UpstreamTarget;
  readonly limiter: Limiter;
  channel: RpcChannel | undefined;
  /** The channel being started, so that evict can stop it mid-handshake. */
  starting: RpcChannel | undefined;
  connecting: Promise<RpcChannel> | undefined;
  /** Requests (queued, connecting or in flight) using the entry: it is never idle while > 0. */
  active: number;
  lastUsed: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** stdio: consecutive failures and when the next start may happen. */
  failures: number;
  retryAt: number;
  closed: boolean;
  /** Streamable HTTP: the revision the upstream answered last time, so reconnects skip the probe. */
  era?: 'modern' | 'legacy';
}

export function createUpstreamPool(options: UpstreamPoolOptions): UpstreamPool {
  return new Pool(options);
}

class Pool implements UpstreamPool {
  private readonly entries = new Map<string, Entry>();
  private readonly processes = new Set<StdioProcess>();
  private readonly ctx: SessionContext;
  private readonly callTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxConcurrency: number;
  private readonly maxQueue: number;
  private readonly backoff: { initial: number; max: number };
  private readonly baseEnv: Record<string, string>;
  private closed = false;
  private readonly preferModern: boolean;
  private readonly watches: Watches;

  constructor(options: UpstreamPoolOptions) {
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.ctx = {
      clientInfo: options.clientInfo,
      protocolVersion: options.protocolVersion ?? '2025-11-25',
      connectTimeoutMs,
      checkUrl: options.checkUrl?.bind(options),
      dispatcher: new Agent({
        connect:
          options.lookup === undefined
            ? { timeout: connectTimeoutMs }
            : { timeout: connectTimeoutMs, lookup: options.lookup },
        // Calls are bounded by the pool's own timers; undici's would cut a tool call running longer
        // than its 300 s, or a legacy SSE stream that stays quiet as long.
        headersTimeout: 0,
        bodyTimeout: 0,
      }),
    };
    this.callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.preferModern = options.preferModern ?? true;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
    this.maxConcurrency = options.maxConcurrency ?? 32;
    this.maxQueue = options.maxQueue ?? 1_000;
    this.backoff = options.restartBackoffMs ?? { initial: 250, max: 30_000 };
    this.baseEnv = options.stdioBaseEnv ?? {
      PATH: [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      HOME: homedir(),
      LANG: 'C.UTF-8',
    };
    this.watches = new Watches((target) => this.channelFor(target), this.callTimeoutMs);
  }

  watch(target: UpstreamTarget, listener: (notification: JsonRpcNotification) => void): UpstreamWatch {
    if (this.closed) throw new UpstreamError('closed', 'The gateway is shutting down');
    return this.watches.watch(target, listener);
  }

  /** The target's live pooled session, connecting if needed. */
  private async channelFor(target: UpstreamTarget): Promise<RpcChannel> {
    const entry = this.entryFor(target);
    entry.active++;
    try {
      return entry.channel !== undefined && !entry.channel.closed
        ? entry.channel
        : await this.connect(entry, undefined, undefined);
    } finally {
      this.release(entry);
    }
  }

  async request(
    target: UpstreamTarget,
    method: string,
    params: Json | undefined,
    options?: RequestOptions,
  ): Promise<Json> {
    const entry = this.entryFor(target);
    const timeoutMs = options?.timeoutMs ?? this.callTimeoutMs;
    entry.active++;
    try {
      let remaining = timeoutMs;
      let started = 0;
      if (!entry.limiter.tryAcquire()) {
        started = performance.now();
        await entry.limiter.wait(timeoutMs, options?.signal);
      }
      try {
        let channel = entry.channel;
        if (channel === undefined || channel.closed) {
          if (started === 0) started = performance.now();
          channel = await this.connect(entry, timeoutMs - (performance.now() - started), options?.signal);
        }
        if (started !== 0) {
          remaining = timeoutMs - (performance.now() - started);
          if (remaining <= 0)
            throw new UpstreamError(
              'timeout',
              `${label(target.label)} did not answer ${method} within ${timeoutMs} ms`,
            );
        }
        return await channel.request(method, params, options, remaining, timeoutMs);
      } finally {
        entry.limiter.release();
      }
    } finally {
      this.release(entry);
    }
  }

  async notify(target: UpstreamTarget, method: string, params?: Json): Promise<void> {
    const channel = await this.channelFor(target);
    await channel.notify(method, params);
  }

  async serverInfo(target: UpstreamTarget): Promise<Json> {
    return (await this.channelFor(target)).initializeResult;
  }

  async evict(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    await this.closeEntry(
      entry,
      new UpstreamError('closed', `${label(entry.target.label)} was disconnected by the gateway`),
    );
  }

  stats(): UpstreamPoolStats {
    let sessions = 0;
    let inFlight = 0;
    let queued = 0;
    for (const entry of this.entries.values()) {
      if (entry.target.transport !== 'stdio' && entry.channel?.live === true) sessions++;
      inFlight += entry.limiter.inFlight;
      queued += entry.limiter.queued;
    }
    return { sessions, processes: this.processes.size, inFlight, queued, watched: this.watches.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watches.close();
    const error = new UpstreamError('closed', 'The gateway is shutting down');
    await Promise.all([...this.entries.values()].map((entry) => this.closeEntry(entry, error)));
    // Children whose entry is already gone may still be stopping.
    await Promise.all([...this.processes].map((child) => child.close(error)));
    await this.ctx.dispatcher.destroy();
  }

  private entryFor(target: UpstreamTarget): Entry {
    if (this.closed) throw new UpstreamError('closed', 'The gateway is shutting down');
    let entry = this.entries.get(target.key);
    if (entry === undefined) {
      entry = {
        target,
        limiter: new Limiter(target.label, this.maxConcurrency, this.maxQueue),
        channel: undefined,
        starting: undefined,
        connecting: undefined,
        active: 0,
        lastUsed: Date.now(),
        idleTimer: undefined,
        failures: 0,
        retryAt: 0,
        closed: false,
      };
      this.entries.set(target.key, entry);
    }
    return entry;
  }

  private release(entry: Entry): void {
    entry.active--;
    entry.lastUsed = Date.now();
    if (entry.active === 0 && entry.idleTimer === undefined && !entry.closed) {
      entry.idleTimer = setTimeout(this.onIdleTimer, this.idleTimeoutMs, entry).unref();
    }
  }

  /** Re-armed for the remainder rather than reset on every call, which would cost a timer per call. */
  private readonly onIdleTimer = (entry: Entry): void => {
    entry.idleTimer = undefined;
    if (entry.closed || entry.active > 0) return;
    const idleFor = Date.now() - entry.lastUsed;
    // A watched upstream stays open: someone listens to its notifications.
    const watched = this.watches.has(entry.target.key);
    if (idleFor < this.idleTimeoutMs || watched) {
      const wait = watched ? this.idleTimeoutMs : this.idleTimeoutMs - idleFor;
      entry.idleTimer = setTimeout(this.onIdleTimer, wait, entry).unref();
      return;
    }
    void this.closeEntry(
      entry,
      new UpstreamError('closed', `${label(entry.target.label)} was closed after being idle`),
    );
  };

  private connect(
    entry: Entry,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RpcChannel> {
    if (entry.connecting === undefined) {
      const wait = entry.retryAt - Date.now();
      if (wait > 0) {
        return Promise.reject(
          new UpstreamError(
            'connect',
            `${label(entry.target.label)} is restarting after a failure; next attempt in ${Math.ceil(wait)} ms`,
          ),
        );
      }
      const connecting = this.open(entry);
      entry.connecting = connecting;
      connecting.then(
        () => (entry.connecting = undefined),
        () => (entry.connecting = undefined),
      );
    }
    return waitFor(entry.connecting, entry.target.label, timeoutMs, signal);
  }

  private async open(entry: Entry): Promise<RpcChannel> {
    let channel = this.createChannel(entry);
    entry.starting = channel;
    try {
      try {
        await channel.start();
      } catch (error) {
        // The upstream answered the 2026-07-28 probe as a 2025-era server: initialize, and remember.
        if (!(error instanceof NotModernError) || entry.closed) throw error;
        entry.era = 'legacy';
        channel = this.createChannel(entry);
        entry.starting = channel;
        await channel.start();
      }
      if (channel instanceof ModernHttpSession) entry.era = 'modern';
    } catch (error) {
      if (channel instanceof StdioProcess) this.noteFailure(entry, channel);
      // A remembered 2025-era upstream refusing initialize may have moved on: probe it next time.
      const refused = error instanceof UpstreamError && (error.kind === 'http' || error.kind === 'rpc');
      if (channel instanceof HttpSession && refused) entry.era = undefined;
      throw error;
    } finally {
      entry.starting = undefined;
    }
    if (entry.closed) {
      const error = new UpstreamError(
        'closed',
        `${label(entry.target.label)} was disconnected by the gateway`,
      );
      await channel.close(error);
      throw error;
    }
    entry.channel = channel;
    this.watches.opened(entry.target.key, channel);
    return channel;
  }

  private createChannel(entry: Entry): RpcChannel {
    const target = entry.target;
    if (target.transport === 'stdio') {
      if (target.command === undefined || target.command === '') {
        throw new UpstreamError('connect', `${label(target.label)} has no command to run`);
      }
      let child: StdioProcess;
      try {
        child = this.spawn(entry);
      } catch {
        // Node refuses some commands synchronously (e.g. NUL bytes); its message would quote the arguments.
        throw new UpstreamError('connect', `${label(target.label)} has a command that cannot be run`);
      }
      this.processes.add(child);
      return child;
    }
    let url: URL;
    try {
      url = new URL(target.url ?? '');
    } catch {
      throw new UpstreamError('connect', `${label(target.label)} has an invalid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UpstreamError('connect', `${label(target.label)} has a URL that is neither http nor https`);
    }
    if (target.transport === 'sse') return new SseSession(target, this.ctx);
    if (target.transport === 'streamable_http') {
      return entry.era === 'legacy' || !this.preferModern
        ? new HttpSession(target, this.ctx)
        : new ModernHttpSession(target, this.ctx);
    }
    throw new UpstreamError('connect', `${label(target.label)} has an unknown transport`);
  }

  private spawn(entry: Entry): StdioProcess {
    return new StdioProcess(entry.target, {
      clientInfo: this.ctx.clientInfo,
      protocolVersion: this.ctx.protocolVersion,
      connectTimeoutMs: this.ctx.connectTimeoutMs,
      baseEnv: this.baseEnv,
      onCrash: (crashed) => {
        // Failures during start-up are counted once, by `open`.
        if (!entry.closed && crashed.running) this.noteFailure(entry, crashed);
      },
      onGone: (gone) => this.processes.delete(gone),
    });
  }

  private noteFailure(entry: Entry, child: StdioProcess): void {
    const now = Date.now();
    if (now - child.startedAt >= STABLE_AFTER_MS) entry.failures = 0;
    entry.failures++;
    entry.retryAt = now + Math.min(this.backoff.max, this.backoff.initial * 2 ** (entry.failures - 1));
  }

  private async closeEntry(entry: Entry, error: UpstreamError): Promise<void> {
    if (entry.closed) return;
    entry.closed = true;
    if (this.entries.get(entry.target.key) === entry) this.entries.delete(entry.target.key);
    if (entry.idleTimer !== undefined) clearTimeout(entry.idleTimer);
    entry.limiter.rejectAll(error);
    const closing: Promise<void>[] = [];
    if (entry.channel !== undefined) closing.push(entry.channel.close(error));
    if (entry.starting !== undefined) closing.push(entry.starting.close(error));
    await Promise.all(closing);
  }
}
