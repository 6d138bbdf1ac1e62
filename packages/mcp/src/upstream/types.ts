import type { LookupFunction } from 'node:net';
import type { TraceHeaders } from '../trace-context.ts';

/**
 * The contract between the proxy and its upstream connections. The proxy hands the pool a
 * target (where and how to connect, with the credential already resolved) and a JSON-RPC
 * request; the pool owns connections, MCP sessions, concurrency, timeouts and re-initialization.
 */

export type UpstreamTransport = 'streamable_http' | 'sse' | 'stdio';

export interface UpstreamTarget {
  /**
   * Pool key: (installation id, credential fingerprint). Targets with the same key share one
   * initialized upstream session (HTTP) or one child process (stdio). The first target seen for
   * a key defines the connection until the key is evicted or goes idle: evict a key when its
   * configuration changes.
   */
  key: string;
  /** Shown in errors ("upstream 'github' timed out"): the registry entry slug or installation name. */
  label: string;
  transport: UpstreamTransport;
  /** streamable_http / sse */
  url?: string;
  /** Static headers for every request to this upstream, credential headers included. */
  headers?: Record<string, string>;
  /** stdio */
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  /**
   * stdio: the installation this target runs, for deployments whose self-hosted servers run on
   * runners (`routeToRunners` in @toolgate/mcp/runner-routing turns the target into the runner's
   * internal endpoint). Without it a stdio target can only run as a local child process.
   */
  runner?: RunnerRoute;
}

/** Which server a runner hosts for a stdio target: the installation and, for a canary, its side. */
export interface RunnerRoute {
  tenantId: string;
  installationId: string;
  /** `canary`: the installation's canary version (see installations.canary_version). */
  variant?: 'canary';
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcRequest extends JsonRpcNotification {
  id: string | number;
}

/** What the caller of `pool.request` wants to hear about while the request runs. */
export interface CallHooks {
  /** Upstream notifications related to this call (progress for its token, logging, …). */
  onNotification?(notification: JsonRpcNotification): void;
  /**
   * Server→client requests issued by the upstream during this call (sampling/createMessage,
   * elicitation/create, roots/list). The proxy relays them to its client and resolves with the
   * client's result, or rejects with a JSON-RPC error object `{ code, message, data? }`.
   */
  onRequest?(request: JsonRpcRequest): Promise<Record<string, unknown>>;
}

export interface RequestOptions extends CallHooks {
  /** Aborting sends notifications/cancelled upstream and rejects with UpstreamError('cancelled'). */
  signal?: AbortSignal;
  /** Overrides the pool's call timeout. */
  timeoutMs?: number;
  /** Extra per-call headers (client header passthrough); never overrides target headers. */
  headers?: Record<string, string>;
  /**
   * W3C trace context for this call, sent as `traceparent`/`tracestate` on its HTTP requests
   * (Streamable HTTP and legacy SSE; stdio has no headers). It replaces any passthrough or target
   * header of those names. Must be valid: see trace-context.ts.
   */
  trace?: TraceHeaders;
}

export type UpstreamErrorKind =
  | 'connect' // could not reach or initialize the upstream
  | 'timeout'
  | 'cancelled'
  | 'protocol' // the upstream answered something that is not valid MCP/JSON-RPC
  | 'http' // the upstream answered an HTTP error status
  | 'rpc' // the upstream answered a JSON-RPC error: see `rpcError`
  | 'blocked' // refused by the SSRF guard
  | 'overloaded' // too many requests queued for this upstream
  | 'closed'; // pool or upstream shut down

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly rpcError?: { code: number; message: string; data?: unknown },
    readonly httpStatus?: number,
    /** The socket error code behind a 'connect' failure (ECONNREFUSED, ENOTFOUND, …), when there was one. */
    readonly socketCode?: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamPoolOptions {
  /** Sent in initialize. */
  clientInfo: { name: string; version: string };
  /** Protocol version offered in initialize; default '2025-11-25'. */
  protocolVersion?: string;
  /**
   * Streamable HTTP: probe each upstream with 2026-07-28 `server/discover` first and speak that
   * revision to those that answer it, `protocolVersion` (initialize) to the others; default true.
   * The era found is remembered per pooled key, so reconnects skip the probe.
   */
  preferModern?: boolean;
  /** Bounds initialize (and the legacy SSE endpoint announcement); exceeding it is a 'connect' error. */
  connectTimeoutMs?: number; // default 10_000
  /** Per call, counting time queued for a slot or waiting for the session; exceeding it is 'timeout'. */
  callTimeoutMs?: number; // default 60_000
  /** Idle sessions/processes are closed after this long without requests. */
  idleTimeoutMs?: number; // default 300_000
  /** Max in-flight requests per pooled upstream; further requests queue (bounded). */
  maxConcurrency?: number; // default 32
  maxQueue?: number; // default 1_000
  /**
   * Called before every new upstream session over a URL (first connect, re-initialize after a
   * lost session, legacy SSE reconnect); throws the SSRF guard's SsrfGuardError ('blocked' or
   * 'connect'), which the pool reports as an UpstreamError of the same kind.
   */
  checkUrl?(url: URL): Promise<void>;
  /**
   * DNS lookup for every outbound socket of URL transports. Pass the SSRF guard's `lookup` so the
   * address actually connected to is checked too, closing the DNS-rebinding window left between
   * `checkUrl` and the connection. Default: the system resolver.
   */
  lookup?: LookupFunction;
  /**
   * The environment stdio children start from, the target's `env` going on top. The proxy's own
   * environment (database URLs, keys) is never inherited. Default: PATH (Node's directory and the
   * system bin directories), HOME and LANG=C.UTF-8.
   */
  stdioBaseEnv?: Record<string, string>;
  /** stdio: restart backoff bounds. */
  restartBackoffMs?: { initial: number; max: number }; // default { initial: 250, max: 30_000 }
}

export interface UpstreamPoolStats {
  /** Connected HTTP / legacy SSE sessions. */
  sessions: number;
  /** Live stdio child processes, including ones being stopped. */
  processes: number;
  inFlight: number;
  queued: number;
  /** Upstream sessions kept open for notification listeners. */
  watched: number;
}

/** A listener's hold on an upstream's notifications outside calls: see `UpstreamPool.watch`. */
export interface UpstreamWatch {
  /**
   * Starts hearing notifications/resources/updated for `uri`. The upstream subscription is made
   * once per pooled session and counted across watchers; rejects with the upstream's refusal.
   */
  subscribe(uri: string): Promise<void>;
  /** Drops one of this watch's subscriptions to `uri`; the upstream's is dropped with the last. */
  unsubscribe(uri: string): Promise<void>;
  /** Stops listening (and drops this watch's subscriptions). */
  close(): void;
}

export interface UpstreamPool {
  /**
   * Sends one JSON-RPC request upstream and resolves with its `result` object; rejects with
   * UpstreamError. Initializes (or re-initializes, once, invisibly) the upstream session as needed.
   */
  request(
    target: UpstreamTarget,
    method: string,
    params: Record<string, unknown> | undefined,
    options?: RequestOptions,
  ): Promise<Record<string, unknown>>;
  /**
   * Fire-and-forget notification to the upstream session (e.g. notifications/roots/list_changed).
   * Not for cancelling a call: upstream request ids are the pool's own, so abort the call's
   * `signal` instead and the pool sends notifications/cancelled with the right id.
   */
  notify(target: UpstreamTarget, method: string, params?: Record<string, unknown>): Promise<void>;
  /** The upstream's initialize result (capabilities, serverInfo, instructions), initializing if needed. */
  serverInfo(target: UpstreamTarget): Promise<Record<string, unknown>>;
  /**
   * Keeps the target's pooled session open and listening for notifications outside calls (list
   * changes, resource updates), which go to `listener`; reconnects it when it goes away, after
   * which listeners hear every list_changed once (changes made meanwhile were missed).
   */
  watch(target: UpstreamTarget, listener: (notification: JsonRpcNotification) => void): UpstreamWatch;
  /** Closes sessions and child processes of one key (credential changed, installation deleted). */
  evict(key: string): Promise<void>;
  stats(): UpstreamPoolStats;
  close(): Promise<void>;
}
