import { StringDecoder } from 'node:string_decoder';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type Implementation,
  type JSONRPCRequest,
  type Notification,
  type Result,
  ResultSchema,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '@toolgate/core/logger';
import type { SandboxBackend, SandboxExit, SandboxSpec, SandboxedProcess } from '../sandbox/sandbox-spec.ts';
import { type Backoff, nextBackoff } from './backoff.ts';
import { ServerLog } from './server-log.ts';
import { SandboxStdioTransport } from './stdio-transport.ts';
import { ServerUnavailableError, relayedError, startFailure } from './server-errors.ts';

/** What the registry says to run, read again before every start (credentials may have changed). */
export interface ServerDefinition {
  spec: SandboxSpec;
  /** The installation's decrypted credential values: redacted from its log. */
  secretValues: string[];
  /** Called once the server answered initialize (records the version it runs); errors are logged. */
  started?: () => Promise<void>;
}

export interface ServerHostOptions {
  name: string;
  backend: SandboxBackend;
  prepare(): Promise<ServerDefinition>;
  log: Logger;
  idleStopMs: number;
  startTimeoutMs: number;
  callTimeoutMs: number;
  pingIntervalMs: number;
  maxStdoutBytes: number;
  backoff?: Partial<Backoff>;
}

/** A request of a proxy session in flight: where the server's own requests during it go. */
export interface InFlight {
  sessionId: string;
  sendRequest(
    request: { method: string; params?: Record<string, unknown> },
    signal: AbortSignal,
  ): Promise<Result>;
}

export type HostState = 'stopped' | 'starting' | 'running' | 'failed';

/** What every proxy session of this server is told it is talking to. */
export interface ServerIdentity {
  serverInfo: Implementation;
  capabilities: ServerCapabilities;
  instructions: string | undefined;
}

const STDERR_DRAIN_MS = 1_000;
/** How long after a failed initialize an exit still counts as the server's own doing. */
const EXIT_GRACE_MS = 500;
/** A server that ran this long before crashing starts its back-off afresh. */
const STABLE_AFTER_MS = 60_000;
const CLIENT_INFO = { name: 'toolgate-runner', version: '1.0.0' };
/** Relayed to the proxy session whose request is in flight; refused when none is. */
const CLIENT_CAPABILITIES = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

/**
 * One installation's server: ONE child process shared by every proxy session, so a stateful
 * server shows the same state to all proxy replicas. Started on first use, stopped when idle,
 * restarted with back-off after a crash (on the next use), marked failed when it keeps dying at
 * start. Its stderr is kept, redacted, in `log`.
 */
export class ServerHost {
  readonly log = new ServerLog();
  state: HostState = 'stopped';
  /** Why the server is failed, or why the last start failed. */
  reason: string | undefined;
  restarts = 0;
  private process: SandboxedProcess | undefined;
  private client: Client | undefined;
  private starting: Promise<Client> | undefined;
  private stopping = false;
  private identityValue: ServerIdentity | undefined;
  private readonly inFlight = new Map<number, InFlight>();
  private nextCall = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private backoff: Backoff;
  private retryAt = 0;
  private runningSince = 0;
  /** Settles once the last process started has exited and its exit has been handled. */
  private gone: Promise<void> = Promise.resolve();
  /** Told about server notifications outside any call (list changes, resource updates, logs). */
  onNotification: ((notification: Notification) => void) | undefined;

  constructor(private readonly options: ServerHostOptions) {
    this.backoff = nextBackoff(undefined, options.backoff);
  }

  /** Requests of proxy sessions being forwarded right now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get pid(): number | undefined {
    return this.state === 'running' ? this.process?.pid : undefined;
  }

  /** The running server's identity, starting it if needed. */
  async identity(): Promise<ServerIdentity> {
    await this.acquire();
    return this.identityValue!;
  }

  /** Forwards one request of a proxy session; rejects with the server's JSON-RPC error or why it is down. */
  async forward(
    request: { method: string; params?: Record<string, unknown> },
    call: InFlight,
    options: Pick<RequestOptions, 'signal' | 'onprogress'>,
  ): Promise<Result> {
    const id = ++this.nextCall;
    this.inFlight.set(id, call);
    this.touch();
    try {
      const client = await this.acquire();
      return await client.request(request, ResultSchema, {
        ...options,
        timeout: this.options.callTimeoutMs,
        resetTimeoutOnProgress: true,
      });
    } catch (error) {
      throw relayedError(error);
    } finally {
      this.inFlight.delete(id);
      this.touch();
    }
  }

  /** A notification from a proxy session (roots/list_changed, …); dropped when the server is down. */
  notify(notification: Notification): void {
    this.touch();
    if (this.state === 'running') void this.client?.notification(notification).catch(() => {});
  }

  /** Stops the server (idle, shutdown, installation changed); the next use starts it again. */
  async stop(why: string): Promise<void> {
    this.clearTimers();
    const server = this.process;
    if (!server) return;
    this.stopping = true;
    // Requests arriving now start a new process once this one is gone (start awaits `gone`).
    const client = this.client;
    this.client = undefined;
    this.log.note(`stopping: ${why}`);
    await client?.close().catch(() => {});
    await server.stop();
    await this.gone;
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.onIdle(), this.options.idleStopMs);
    this.idleTimer.unref();
  }

  private onIdle(): void {
    if (this.inFlight.size > 0) return this.touch();
    if (this.state === 'running' || this.state === 'starting')
      void this.stop(`no activity for ${this.options.idleStopMs} ms`);
  }

  private acquire(): Promise<Client> {
    if (this.state === 'running' && this.client) return Promise.resolve(this.client);
    if (this.state === 'failed') {
      if (Date.now() < this.retryAt) return Promise.reject(new ServerUnavailableError(this.reason!));
      this.state = 'stopped';
    }
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<Client> {
    await this.gone;
    const wait = this.retryAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.state = 'starting';
    this.stopping = false;
    let server: SandboxedProcess;
    let definition: ServerDefinition;
    try {
      definition = await this.options.prepare();
      this.log.setSecrets(definition.secretValues);
      server = await this.options.backend.start(definition.spec);
    } catch (error) {
      // A bad spec or a missing command: nothing ran, the same will happen next time.
      const message = error instanceof Error ? error.message : String(error);
      throw this.startFailed(`the server could not be started: ${message}`, true);
    }
    this.process = server;
    this.log.note(`started (pid ${String(server.pid)})`);
    // Not setEncoding: the backend keeps its own tail of the same stream as Buffers.
    const decoder = new StringDecoder('utf8');
    server.stderr.on('data', (chunk: Buffer) => this.log.write(decoder.write(chunk)));
    let flood: string | undefined;
    const transport = new SandboxStdioTransport(server, {
      maxBytes: this.options.maxStdoutBytes,
      onFlood: (reason) => {
        flood = reason;
        server.kill();
      },
    });
    const client = new Client(CLIENT_INFO, { capabilities: CLIENT_CAPABILITIES });
    client.fallbackRequestHandler = (request, extra) => this.serverRequest(request, extra.signal);
    client.fallbackNotificationHandler = async (notification) => this.onNotification?.(notification);
    // Whether a stop was asked for is read when the process exits, not after the log is drained.
    const requested = server.exited.then(() => this.stopping);
    const exited = server.exited.then(async (exit) => {
      // The last of stderr may still be in the pipe when the exit is reported.
      if (!server.stderr.closed)
        await settledWithin(new Promise((resolve) => server.stderr.once('close', resolve)), STDERR_DRAIN_MS);
      this.log.flush();
      return exit;
    });
    this.gone = Promise.all([exited, requested]).then(([exit, stopped]) =>
      this.onExit(server, exit, stopped, flood),
    );
    try {
      await Promise.race([client.connect(transport, { timeout: this.options.startTimeoutMs }), exited]);
      if (!client.getServerVersion()) throw new Error('the server exited');
    } catch (error) {
      // Exited by itself (at once, or closing the connection): that exit is the reason.
      const own = await settledWithin(server.exited, EXIT_GRACE_MS);
      if (!own) server.kill();
      const exit = await exited;
      if (this.stopping) throw new ServerUnavailableError('the server was stopped while starting');
      const reason =
        flood !== undefined
          ? `the server was stopped at start: it ${flood}`
          : own
            ? startFailure(exit, this.log.lastStderrLine())
            : isTimeout(error)
              ? `the server did not answer initialize within ${this.options.startTimeoutMs} ms`
              : `the server failed to initialize: ${error instanceof Error ? error.message : String(error)}`;
      throw this.startFailed(reason, false);
    }
    this.client = client;
    this.identityValue = {
      serverInfo: client.getServerVersion() ?? { name: this.options.name, version: '0.0.0' },
      capabilities: client.getServerCapabilities() ?? {},
      instructions: client.getInstructions(),
    };
    this.state = 'running';
    this.runningSince = Date.now();
    this.reason = undefined;
    this.log.note(
      `initialized: ${this.identityValue.serverInfo.name} ${this.identityValue.serverInfo.version}`,
    );
    this.startPings(client, server);
    this.touch();
    definition
      .started?.()
      .catch((err: unknown) =>
        this.options.log.warn({ server: this.options.name, err }, 'could not record the started server'),
      );
    return client;
  }

  /** Records a failed start; after `failAfter` in a row the server is failed until the back-off passes. */
  private startFailed(reason: string, permanent: boolean): ServerUnavailableError {
    this.reason = reason;
    this.log.note(reason);
    this.options.log.warn({ server: this.options.name, reason }, 'server failed to start');
    this.backoff = nextBackoff(this.backoff, this.options.backoff);
    this.retryAt = Date.now() + this.backoff.delayMs;
    this.state = permanent || this.backoff.failures >= this.backoff.failAfter ? 'failed' : 'stopped';
    this.process = undefined;
    return new ServerUnavailableError(reason);
  }

  private onExit(
    server: SandboxedProcess,
    exit: SandboxExit,
    stopped: boolean,
    flood: string | undefined,
  ): void {
    if (this.process !== server) return;
    this.clearTimers();
    this.process = undefined;
    this.client = undefined;
    const wasRunning = this.state === 'running';
    if (stopped) {
      this.state = 'stopped';
      this.log.note(`stopped (${exit.detail})`);
      return;
    }
    if (!wasRunning) return; // the start path reports it
    // A crash: restarted on the next use, after a back-off that grows while it keeps crashing soon.
    const reason =
      flood !== undefined ? `the server was stopped: it ${flood}` : `the server crashed: ${exit.detail}`;
    this.log.note(reason);
    this.options.log.warn({ server: this.options.name, ...exit }, 'server crashed');
    const stable = Date.now() - this.runningSince > STABLE_AFTER_MS;
    const from = stable ? nextBackoff(undefined, this.options.backoff) : this.backoff;
    this.backoff = nextBackoff(from, this.options.backoff);
    this.retryAt = Date.now() + this.backoff.delayMs;
    this.reason = reason;
    this.restarts += 1;
    this.state = 'stopped';
  }

  /** A request from the server (sampling, elicitation, roots): to the session whose call is in flight. */
  private async serverRequest(request: JSONRPCRequest, signal: AbortSignal): Promise<Result> {
    const call = this.inFlight.values().next().value;
    if (!call)
      throw Object.assign(new Error(`no proxy session has a request in flight to answer ${request.method}`), {
        code: -32601,
      });
    return call.sendRequest(
      { method: request.method, ...(request.params ? { params: request.params } : {}) },
      signal,
    );
  }

  private startPings(client: Client, server: SandboxedProcess): void {
    if (this.options.pingIntervalMs <= 0) return;
    this.pingTimer = setInterval(() => {
      client.ping({ timeout: this.options.startTimeoutMs }).catch(() => {
        if (this.process !== server || this.stopping) return;
        this.log.note(`no answer to ping within ${this.options.startTimeoutMs} ms: killing it`);
        server.kill();
      });
    }, this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.pingTimer = undefined;
    this.idleTimer = undefined;
  }
}

/** `promise`'s value if it settles within `ms`, else undefined. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const isTimeout = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === -32001;
