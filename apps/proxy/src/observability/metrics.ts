import { METHOD_CLIENT_RESPONSE, METHOD_UNREAD, rollupMethod, type UsageStatus } from '@toolgate/core/usage';
import type { ReadinessReport } from '@toolgate/core/readiness';
import type { UpstreamPool, UpstreamTransport } from '@toolgate/mcp/upstream';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { AuthFailure } from '../admission/auth/principal.ts';
import type { ProxyEnv } from '../env.ts';
import type { SnapshotStore } from '../config/snapshot-store.ts';
import type { UsageRecorder } from '../usage/recorder.ts';
import { type CounterSeries, type HistogramSeries, HotCounter, HotHistogram } from './hot-metrics.ts';

/**
 * Which tenant and gateway labels the per-message metrics carry. Tenants create gateways, so
 * their number is unbounded in a SaaS deployment: `none` (label value "all") keeps the series
 * count fixed; `tenant` and `gateway` add ids up to a cap, beyond which values are "other".
 */
export type TenantLabelPolicy = 'none' | 'tenant' | 'gateway';

/** Why a caller was refused: the authenticator's reasons plus the gateway's own checks. */
export type AuthFailureReason = AuthFailure | 'unknown_tenant' | 'not_visible';

const ALL = 'all';
const OTHER = 'other';
const UNKNOWN = 'unknown';
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** One tenant/gateway label pair with its pre-bound children, built once per pair. */
interface Scope {
  tenant: string;
  gateway: string;
  /** Method label → status → requests series. */
  requests: Map<string, Map<UsageStatus, CounterSeries>>;
  toolCalls: Map<UsageStatus, CounterSeries>;
  toolCallDuration: HistogramSeries;
}

/** What a finished client message tells the metrics (a usage event has exactly these fields). */
export interface MessageOutcome {
  tenantId: string;
  gatewayId: string | null;
  method: string;
  status: UsageStatus;
  latencyMs: number;
}

export interface ProxyMetricsOptions {
  labels: TenantLabelPolicy;
  /** Distinct tenants (policy `tenant`) or gateways (policy `gateway`) given their own label value. */
  maxLabelled: number;
  /** Node.js process metrics (CPU, memory, event loop, GC). */
  processMetrics?: boolean;
}

/** The label policy `auto` resolves to: one machine (no Redis) has few gateways; a fleet may not. */
export function resolveLabelPolicy(
  env: Pick<ProxyEnv, 'METRICS_TENANT_LABELS' | 'REDIS_URL'>,
): TenantLabelPolicy {
  if (env.METRICS_TENANT_LABELS !== 'auto') return env.METRICS_TENANT_LABELS;
  return env.REDIS_URL ? 'none' : 'gateway';
}

/** Bounded method label: the MCP methods the gateway knows, else "other". */
export function methodLabel(method: string): string {
  const m = rollupMethod(method);
  return m === METHOD_UNREAD ? 'unread' : m === METHOD_CLIENT_RESPONSE ? 'response' : m;
}

/**
 * The proxy's Prometheus metrics, in a registry of its own (tests run several proxies in one
 * process). Request-path updates go to series bound once per label set and kept in maps (see
 * hot-metrics.ts); gauges and counters owned by other components (snapshot cache, usage
 * buffer, upstream pool) are read from their plain counters at scrape time, so those
 * components pay nothing per request.
 */
export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly requests: HotCounter;
  private readonly toolCalls: HotCounter;
  private readonly toolCallDuration: HotHistogram;
  private readonly upstreamDuration: HotHistogram;
  private readonly authFailures: HotCounter;
  private readonly limitRefusals: Counter<'reason' | 'limit'>;
  private readonly upstreamSeries = new Map<string, HistogramSeries>();
  private readonly authSeries = new Map<string, CounterSeries>();
  private readonly scopes = new Map<string, Scope>();
  /** Made on first use, so that a policy's output shows only the label values it uses. */
  private allScope?: Scope;
  private otherScope?: Scope;
  private readonly unknownScopes = new Map<string, Scope>();

  constructor(private readonly options: ProxyMetricsOptions) {
    const registry = this.registry;
    this.requests = new HotCounter({
      name: 'toolgate_mcp_requests_total',
      help: 'MCP client messages (one per POST) by gateway, method and outcome',
      registry,
    });
    this.toolCalls = new HotCounter({
      name: 'toolgate_tool_calls_total',
      help: 'tools/call messages by gateway and outcome (ok, tool_error, error, denied)',
      registry,
    });
    this.toolCallDuration = new HotHistogram({
      name: 'toolgate_tool_call_duration_seconds',
      help: 'tools/call latency as the client sees it, from request to final response',
      buckets: SECONDS_BUCKETS,
      registry,
    });
    this.upstreamDuration = new HotHistogram({
      name: 'toolgate_upstream_request_duration_seconds',
      help: 'Requests to upstream MCP servers (queueing and connecting included) by transport and outcome',
      buckets: SECONDS_BUCKETS,
      registry,
    });
    this.authFailures = new HotCounter({
      name: 'toolgate_auth_failures_total',
      help: 'Callers refused by authentication or gateway visibility, by reason',
      registry,
    });
    this.limitRefusals = new Counter({
      name: 'toolgate_limit_refusals_total',
      help: 'Requests refused by a rate limit (reason rate_limited) or the monthly quota (quota_exceeded), by limit',
      labelNames: ['reason', 'limit'],
      registers: [registry],
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A request refused by a call limit or the quota (admission/call-limits.ts). */
  limitRefused(reason: string, limit: string): void {
    this.limitRefusals.inc({ reason, limit });
  }

  /** A client message is done (its usage event was just finished). */
  message(outcome: MessageOutcome): void {
    const scope = this.scopeOf(outcome.tenantId, outcome.gatewayId);
    const method = outcome.method === 'tools/call' ? 'tools/call' : methodLabel(outcome.method);
    let byStatus = scope.requests.get(method);
    if (!byStatus) {
      byStatus = new Map();
      scope.requests.set(method, byStatus);
    }
    let requests = byStatus.get(outcome.status);
    if (!requests) {
      const { tenant, gateway } = scope;
      requests = this.requests.bind({ tenant, gateway, method, status: outcome.status });
      byStatus.set(outcome.status, requests);
    }
    requests.inc();
    if (method !== 'tools/call') return;
    let calls = scope.toolCalls.get(outcome.status);
    if (!calls) {
      calls = this.toolCalls.bind({ tenant: scope.tenant, gateway: scope.gateway, status: outcome.status });
      scope.toolCalls.set(outcome.status, calls);
    }
    calls.inc();
    scope.toolCallDuration.observe(outcome.latencyMs / 1000);
  }

  authFailure(reason: AuthFailureReason): void {
    let series = this.authSeries.get(reason);
    if (!series) {
      series = this.authFailures.bind({ reason });
      this.authSeries.set(reason, series);
    }
    series.inc();
  }

  /** `status`: "ok", or the UpstreamError kind (rpc, timeout, connect, http, …). */
  upstreamRequest(transport: UpstreamTransport, status: string, seconds: number): void {
    const key = `${transport}\u0000${status}`;
    let series = this.upstreamSeries.get(key);
    if (!series) {
      series = this.upstreamDuration.bind({ transport, status });
      this.upstreamSeries.set(key, series);
    }
    series.observe(seconds);
  }

  /** Exposes the counters other components keep, read at scrape time. */
  watch({
    store,
    usage,
    pool,
    revocations,
  }: {
    store: SnapshotStore;
    usage: UsageRecorder;
    pool: UpstreamPool;
    revocations?: { fallbacks: number };
  }): void {
    const registers = [this.registry];
    new Counter({
      name: 'toolgate_snapshot_cache_total',
      help: 'Gateway snapshot lookups by layer (lru, redis, compiled) and result (hit, miss, stale, error; outdated: a shared copy older than a change heard of)',
      labelNames: ['layer', 'result'],
      registers,
      collect() {
        const s = store.stats;
        this.reset();
        this.inc({ layer: 'lru', result: 'hit' }, s.hits);
        this.inc({ layer: 'lru', result: 'miss' }, s.misses);
        this.inc({ layer: 'redis', result: 'hit' }, s.sharedHits);
        this.inc({ layer: 'redis', result: 'miss' }, s.sharedMisses);
        this.inc({ layer: 'redis', result: 'error' }, s.sharedErrors);
        this.inc({ layer: 'redis', result: 'outdated' }, s.sharedStale);
        this.inc({ layer: 'compiled', result: 'hit' }, s.compiles);
        this.inc({ layer: 'compiled', result: 'stale' }, s.staleServed);
        this.inc({ layer: 'compiled', result: 'error' }, s.compileErrors);
      },
    });
    new Gauge({
      name: 'toolgate_usage_events_buffered',
      help: 'Usage events held in this proxy, not yet accepted by the usage queue',
      registers,
      collect() {
        this.set(usage.buffered);
      },
    });
    const monotonic = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    monotonic(
      'toolgate_usage_events_dropped_total',
      'Usage events dropped because the buffer was full while the usage queue was unreachable',
      () => usage.counters.dropped,
    );
    monotonic('toolgate_usage_events_recorded_total', 'Usage events recorded', () => usage.counters.recorded);
    monotonic(
      'toolgate_config_resyncs_total',
      'Tenants whose cached state was dropped because a change was delivered without this proxy hearing of it',
      () => store.stats.resyncs,
    );
    if (revocations) {
      monotonic(
        'toolgate_revocation_checks_fallback_total',
        'Revocation checks answered from Postgres because Redis could not answer (unreachable or emptied)',
        () => revocations.fallbacks,
      );
    }
    monotonic(
      'toolgate_usage_enqueue_failures_total',
      'Failed attempts to hand a usage batch to the queue (retried)',
      () => usage.counters.enqueueFailures,
    );
    new Gauge({
      name: 'toolgate_upstream_pool',
      help: 'Upstream pool: connected HTTP/SSE sessions, stdio processes, requests in flight and queued, sessions watched for notifications',
      labelNames: ['state'],
      registers,
      collect() {
        const s = pool.stats();
        this.set({ state: 'sessions' }, s.sessions);
        this.set({ state: 'processes' }, s.processes);
        this.set({ state: 'in_flight' }, s.inFlight);
        this.set({ state: 'queued' }, s.queued);
        this.set({ state: 'watched' }, s.watched);
      },
    });
  }

  /**
   * The call limiter: `toolgate_rate_limiter_degraded` is 1 while Redis cannot count and each
   * replica enforces the limits on its own (so N replicas admit up to N × a limit);
   * `toolgate_rate_limiter_local_checks_total` counts the checks answered that way.
   */
  watchLimiter(limiter: { readonly degraded: boolean; readonly localChecks: number }): void {
    const registers = [this.registry];
    new Gauge({
      name: 'toolgate_rate_limiter_degraded',
      help: 'Whether call limits and quotas are counted per replica (1: the shared counters in Redis are unreachable) or cluster-wide (0)',
      registers,
      collect() {
        this.set(limiter.degraded ? 1 : 0);
      },
    });
    new Counter({
      name: 'toolgate_rate_limiter_local_checks_total',
      help: 'Limit checks answered by this replica alone while the shared counters were unreachable',
      registers,
      collect() {
        this.reset();
        this.inc(limiter.localChecks);
      },
    });
  }

  /**
   * `toolgate_proxy_degraded{dependency}`: 1 while a dependency (postgres, redis) fails its
   * readiness check and the proxy serves without it. Checked at scrape time (the probe reuses a
   * report under a second old, so scrapes and `/readyz` share one round trip).
   */
  watchReadiness(probe: { check(): Promise<ReadinessReport> }): void {
    new Gauge({
      name: 'toolgate_proxy_degraded',
      help: 'Dependencies failing their check that the proxy serves without (1) or reachable (0), by dependency',
      labelNames: ['dependency'],
      registers: [this.registry],
      async collect() {
        const { checks } = await probe.check();
        for (const [dependency, result] of Object.entries(checks))
          this.set({ dependency }, result.ok ? 0 : 1);
      },
    });
  }

  private scopeOf(tenantId: string, gatewayId: string | null): Scope {
    const policy = this.options.labels;
    if (policy === 'none') return (this.allScope ??= this.newScope(ALL, ALL));
    if (!tenantId) return this.unknownScope(UNKNOWN, UNKNOWN);
    if (policy === 'tenant') return this.bounded(tenantId, () => this.newScope(tenantId, ALL));
    if (!gatewayId) return this.unknownScope(tenantId, UNKNOWN);
    return this.bounded(gatewayId, () => this.newScope(tenantId, gatewayId));
  }

  private bounded(key: string, create: () => Scope): Scope {
    let scope = this.scopes.get(key);
    if (scope) return scope;
    if (this.scopes.size >= this.options.maxLabelled) return this.other();
    scope = create();
    this.scopes.set(key, scope);
    return scope;
  }

  /** Messages of unknown tenants or gateways: one scope per known tenant (bounded like the rest). */
  private unknownScope(tenant: string, gateway: string): Scope {
    let scope = this.unknownScopes.get(tenant);
    if (scope) return scope;
    if (this.unknownScopes.size >= this.options.maxLabelled) return this.other();
    scope = this.newScope(tenant, gateway);
    this.unknownScopes.set(tenant, scope);
    return scope;
  }

  private other(): Scope {
    return (this.otherScope ??= this.newScope(OTHER, OTHER));
  }

  private newScope(tenant: string, gateway: string): Scope {
    return {
      tenant,
      gateway,
      requests: new Map(),
      toolCalls: new Map(),
      toolCallDuration: this.toolCallDuration.bind({ tenant, gateway }),
    };
  }
}
