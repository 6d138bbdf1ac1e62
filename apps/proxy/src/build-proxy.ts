import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { issuerFrom } from '@toolgate/auth/constants';
import { JwksCache } from '@toolgate/auth/jwks-cache';
import type { Bus } from '@toolgate/bus';
import { plansFromEnv } from '@toolgate/core/plans-env';
import { clusterCallLimits } from './dispatch/cluster-call-limits.ts';
import { parseKeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { requestIdFrom } from '@toolgate/core/logger';
import { metricsHandler } from '@toolgate/core/metrics-endpoint';
import type { DbHandle } from '@toolgate/db/client';
import { reloadRevocationsIfEmptied } from '@toolgate/auth/config-delivery';
import { RevocationChecker } from '@toolgate/auth/revocation-check';
import { createSsrfGuard } from '@toolgate/net/ssrf-guard';
import { createUpstreamPool, type UpstreamPool } from '@toolgate/mcp/upstream';
import { ApiTokenAuthenticator } from './admission/auth/api-token-authenticator.ts';
import { IdpJwtAuthenticator } from './admission/auth/idp-jwt-authenticator.ts';
import { PassthroughAuthenticator } from './admission/auth/passthrough-authenticator.ts';
import { OAuthAuthenticator } from './admission/auth/oauth-authenticator.ts';
import { Admission } from './admission/admission.ts';
import { AuthenticatorChain } from './admission/auth/principal.ts';
import { forgetOnInvalidation } from './admission/auth/cached-credentials.ts';
import { Sessions } from './admission/sessions.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { PassthroughForwarder } from './dispatch/passthrough.ts';
import { PolicyGate } from './dispatch/policy-gate.ts';
import { GuardrailGate } from './dispatch/guardrail-gate.ts';
import { ApprovalHold } from './dispatch/approvals.ts';
import { controlPlaneApprovals } from './backend/approval-store.ts';
import { UserPrincipals } from './admission/auth/user-principals.ts';
import { BuiltinServers } from './backend/builtin-servers.ts';
import { Catalog } from './dispatch/catalog.ts';
import type { ProxyEnv } from './env.ts';
import { sendJson, sendProxyError } from './transport/http-util.ts';
import { protectedResourceMetadata } from './transport/resource-metadata.ts';
import { LegacySseTransport } from './transport/legacy-sse.ts';
import { InputBridge } from './dispatch/input-bridge.ts';
import { TaskRouter } from './dispatch/tasks.ts';
import { SessionLogLevels } from './dispatch/log-levels.ts';
import { LiveNotifications } from './dispatch/live-notifications.ts';
import { SessionSubscriptions } from './dispatch/session-subscriptions.ts';
import { StreamHub } from './transport/stream-hub.ts';
import { ResumableStreams } from './transport/resumable-streams.ts';
import { StreamableHttpTransport } from './transport/streamable-http.ts';
import { instrumentPool } from './observability/instrumented-pool.ts';
import { ProxyMetrics, resolveLabelPolicy } from './observability/metrics.ts';
import { ObservedUsageMeter } from './observability/observed-meter.ts';
import type { Observability } from './observability/observability.ts';
import { RefusalLog } from './observability/refusal-log.ts';
import { loadTracing, RequestTracer, tracingConfig } from './observability/tracing.ts';
import { hostAllowList, parseRoute, requestGuard } from './routes.ts';
import { ConfigSync } from './config/config-sync.ts';
import { SessionRevocations } from './admission/session-revocations.ts';
import { SnapshotStore } from './config/snapshot-store.ts';
import { routeUpstreams } from './backend/upstream-routing.ts';
import { ToolCaller } from './dispatch/tool-caller.ts';
import { ForwardedJwts } from './backend/forwarded-jwt.ts';
import { UpstreamTargets } from './backend/upstream-target.ts';
import { ConnectionRenewal } from './backend/connection-renewal.ts';
import { ExchangedTokens } from './backend/exchanged-tokens.ts';
import { UsageRecorder } from './usage/recorder.ts';
import { proxyReadiness } from './readiness.ts';

export const PROXY_VERSION = '0.1.0';
const TOKEN_USAGE_FLUSH_MS = 30_000;

export interface ProxyDeps {
  env: ProxyEnv;
  db: DbHandle;
  bus: Bus;
  log: Logger;
  /** Tests may share or inspect a pool; by default the proxy owns one. */
  pool?: UpstreamPool;
  /** The clock of rate limits and quotas (unix ms); tests move it across a month's end. */
  clock?: () => number;
}

export interface Proxy {
  server: Server;
  store: SnapshotStore;
  /** The Streamable HTTP transport (`/mcp/{tenant}/{gateway}`). */
  streamable: StreamableHttpTransport;
  /** The HTTP+SSE transport of 2024-11-05 (`…/sse`, `…/messages`). */
  legacy: LegacySseTransport;
  /** Routes admitted requests for both transports; holds the calls in flight. */
  dispatcher: Dispatcher;
  pool: UpstreamPool;
  tokens: ApiTokenAuthenticator;
  /** Toolgate's own OAuth access tokens and external identity providers' JWTs. */
  oauth: OAuthAuthenticator;
  idpJwts: IdpJwtAuthenticator;
  /** The usage event buffer (its counters are for metrics). */
  usage: UsageRecorder;
  /** Metrics (served at /metrics) and, once started with OTLP configured, the tracer. */
  observability: Observability;
  /** Subscribes to invalidations; call before listening. */
  start(): Promise<void>;
  /** Stop accepting, let in-flight requests finish (bounded by the grace period), then close. */
  drain(graceMs: number): Promise<void>;
}

/** Builds the MCP proxy's HTTP server without listening (tests listen on port 0). */
export function buildProxy({ env, db, bus, log, pool: givenPool, clock }: ProxyDeps): Proxy {
  let draining = false;
  let usageTimer: NodeJS.Timeout | undefined;
  const selfHosted = env.TOOLGATE_RUNNERS || env.TOOLGATE_ALLOW_STDIO;
  const plans = plansFromEnv(env);
  const store = new SnapshotStore({ db, bus, log, allowStdio: selfHosted, plans });
  const knownVersion = (tenantId: string) => store.knownVersion(tenantId);
  const tokens = new ApiTokenAuthenticator({ db, bus, log, knownVersion });
  const ssrf = createSsrfGuard({ allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS });
  const issuer = issuerFrom(env.PUBLIC_WEB_URL);
  const users = new UserPrincipals({ db, bus, log, knownVersion });
  const revocations = new RevocationChecker({ db: db.db, bus });
  const endedSessions = new SessionRevocations({ db, bus, revocations, log });
  const configSync = new ConfigSync({ bus, store, log });
  const oauth = new OAuthAuthenticator({
    db,
    revocations,
    log,
    issuer,
    users,
    minKeyRefreshMs: env.JWKS_MIN_REFRESH_MS,
  });
  const externalKeys = new JwksCache({
    allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
    guard: ssrf,
    minRefreshMs: env.JWKS_MIN_REFRESH_MS,
  });
  const idpJwts = new IdpJwtAuthenticator({ db, log, ownIssuer: issuer, jwks: externalKeys, plans });
  const passthroughAuth = new PassthroughAuthenticator({
    jwks: externalKeys,
    log,
    ownIssuer: issuer,
    allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
  });
  const pool =
    givenPool ??
    createUpstreamPool({
      clientInfo: { name: 'toolgate', version: PROXY_VERSION },
      connectTimeoutMs: env.UPSTREAM_CONNECT_TIMEOUT_MS,
      callTimeoutMs: env.UPSTREAM_CALL_TIMEOUT_MS,
      idleTimeoutMs: env.UPSTREAM_IDLE_TIMEOUT_MS,
      maxConcurrency: env.UPSTREAM_MAX_CONCURRENCY,
      checkUrl: ssrf,
      lookup: ssrf.lookup,
    });
  const metrics = new ProxyMetrics({
    labels: resolveLabelPolicy(env),
    maxLabelled: env.METRICS_MAX_LABELLED,
  });
  const refusals = new RefusalLog(log);
  const observability: Observability = { metrics, refusals, tracer: undefined };
  const limits = clusterCallLimits({ bus, log, metrics, refusals, ...(clock ? { clock } : {}) });
  const secretRing = parseKeyRing(env.TOOLGATE_SECRET_KEYS);
  const { routed, runners, runnerPool } = routeUpstreams({
    env,
    pool,
    bus,
    log,
    secretRing,
    clientInfo: { name: 'toolgate', version: PROXY_VERSION },
  });
  const upstreams = instrumentPool(routed, metrics);
  const forwardedJwts = new ForwardedJwts({ db: db.db, ring: secretRing, issuer, log });
  const targets = new UpstreamTargets(
    secretRing,
    forwardedJwts,
    new ExchangedTokens({ allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS }),
  );
  const catalog = new Catalog(upstreams, targets, log);
  const builtin = new BuiltinServers({ db, bus, env, log });
  const usage = new UsageRecorder({
    queue: bus.usage,
    log,
    batchSize: env.USAGE_BATCH_SIZE,
    flushIntervalMs: env.USAGE_FLUSH_INTERVAL_MS,
    maxBufferedEvents: env.USAGE_BUFFER_MAX_EVENTS,
  });
  metrics.watch({ store, usage, pool, revocations });
  const readiness = proxyReadiness(db, bus, store);
  metrics.watchReadiness(readiness);
  const serveMetrics = metricsHandler(metrics.registry, env.METRICS_TOKEN);
  const meter = new ObservedUsageMeter(usage, env.USAGE_AUDIT_FIELD_MAX_CHARS, observability);
  const sessionKeys = parseKeyRing(env.TOOLGATE_SESSION_KEYS);
  // listener → transport → admission → dispatch → backend: each built from the ones below it.
  const admission = new Admission({
    store,
    auth: new AuthenticatorChain([tokens, oauth, idpJwts]),
    passthrough: passthroughAuth,
    log,
    observability,
    limits,
  });
  const sessions = new Sessions(sessionKeys, endedSessions, refusals);
  const logLevels = new SessionLogLevels(bus);
  const subscriptions = new SessionSubscriptions(bus);
  const live = new LiveNotifications({
    pool: upstreams,
    catalog,
    log,
    async syncTools(server) {
      // The control plane's service, loaded the first time an upstream's tools change.
      const { syncInstallationTools } = await import('@toolgate/api/services/sync-installation-tools');
      await syncInstallationTools({
        db: db.db,
        bus,
        pool: upstreams,
        target: server.target,
        tenantId: server.ids.tenantId,
        installationId: server.ids.installationId,
      });
    },
  });
  const hub = new StreamHub({ store, log, live, subscriptions });
  const guardrails = new GuardrailGate({ ring: secretRing, guard: ssrf, log });
  const tasks = new TaskRouter({
    guardrails,
    pool: upstreams,
    targets,
    keys: sessionKeys,
    bus,
    log,
    clientRequestTimeoutMs: 120_000,
  });
  const policies = new PolicyGate(
    bus,
    log,
    new ApprovalHold({ bus, store: controlPlaneApprovals(db.db), log, holdMs: env.APPROVAL_HOLD_MS }),
  );
  const dispatcher = new Dispatcher({
    tools: new ToolCaller({
      pool: upstreams,
      targets,
      catalog,
      observability,
      builtin,
      log,
      inputs: new InputBridge({ bus, keys: sessionKeys, log, holdMs: env.MCP_INPUT_HOLD_MS }),
      logLevels,
      tasks,
      publicWebUrl: env.PUBLIC_WEB_URL,
      policies,
      guardrails,
      limits,
      renewal: new ConnectionRenewal({
        db: db.db,
        bus,
        keys: secretRing,
        allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
        log,
      }),
    }),
    logLevels,
    subscriptions,
    replicas: { channel: bus.sessions, log },
    tasks,
    catalog,
    passthrough: new PassthroughForwarder(upstreams, targets, log),
    policies,
    serverVersion: PROXY_VERSION,
    listPageSize: env.MCP_LIST_PAGE_SIZE,
    listTtlMs: env.MCP_LIST_TTL_MS,
  });
  const transport = { admission, sessions, dispatcher, usage: meter, log, maxBodyBytes: env.MAX_BODY_BYTES };
  const resumable = new ResumableStreams({
    bus,
    log,
    bufferSeconds: env.MCP_STREAM_BUFFER_SECONDS,
    bufferEvents: env.MCP_STREAM_BUFFER_EVENTS,
    retryMs: env.MCP_SSE_RETRY_MS,
    maxStreamMs: env.MCP_STREAM_MAX_MS,
    promoteAfterMs: env.MCP_SSE_AFTER_MS,
  });
  const streamable = new StreamableHttpTransport({ ...transport, store, resumable, streams: hub });
  const legacy = new LegacySseTransport({ ...transport, bus, hub });
  const guard = requestGuard({ isAllowedHost: hostAllowList(env), allowedOrigins: env.MCP_ALLOWED_ORIGINS });
  store.onInvalidation(forgetOnInvalidation({ tokens, oauth, users, idpJwts, forwardedJwts }));

  const server = createServer((req, res) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    route(req, res, requestId).catch((err: unknown) => {
      log.error({ requestId, err }, 'unhandled proxy error');
      if (!res.headersSent)
        sendJson(res, 500, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32603, message: 'Internal error', data: { requestId } },
        });
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/metrics') return serveMetrics(req, res);
    if (path === '/readyz') {
      if (draining) {
        sendJson(res, 503, { status: 'draining', ready: false, checks: {}, draining: true });
        return;
      }
      const report = await readiness.check();
      sendJson(res, report.ready ? 200 : 503, report, { 'cache-control': 'no-store' });
      return;
    }
    const parsed = parseRoute(path, req.headers.host, {
      publicMcpUrl: env.PUBLIC_MCP_URL,
      baseHost: env.MCP_BASE_HOST,
    });
    if (parsed.kind === 'mcp' || parsed.kind === 'legacy-sse' || parsed.kind === 'legacy-message') {
      // DNS rebinding and cross-origin browsers are turned away once, before any transport.
      const refused = guard(req.headers, parsed.route);
      if (refused) {
        refusals.note(refused.error === 'HOST_FORBIDDEN' ? 'host_forbidden' : 'origin_forbidden');
        return void sendProxyError(res, refused.error, { values: refused.values });
      }
      if (parsed.kind === 'mcp') return streamable.handle(req, res, parsed.route, requestId);
      return legacy.handle(req, res, parsed.kind, parsed.route, requestId);
    }
    if (parsed.kind === 'metadata')
      return void protectedResourceMetadata(res, parsed.route, { store, issuer });
    sendProxyError(res, 'NOT_FOUND_ROUTE');
  }

  return {
    server,
    store,
    streamable,
    legacy,
    dispatcher,
    pool,
    tokens,
    oauth,
    idpJwts,
    usage,
    observability,
    async start() {
      const tracing = await loadTracing(tracingConfig(env, PROXY_VERSION));
      if (tracing) observability.tracer = new RequestTracer(tracing);
      await store.start();
      await runners?.start();
      // A revocation cache emptied since (or never) filled is filled before the first request.
      await reloadRevocationsIfEmptied(db.db, bus).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'could not load revocations; checks ask Postgres');
      });
      configSync.start();
      // Not awaited: with Redis down the subscription waits for it, and the proxy serves meanwhile.
      dispatcher.start().catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'could not hear client messages relayed by other replicas');
      });
      usage.start();
      refusals.start();
      usageTimer = setInterval(() => void tokens.flushUsage(), TOKEN_USAGE_FLUSH_MS);
      usageTimer.unref();
    },
    async drain(graceMs) {
      draining = true;
      let drainDeadlinePassed = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets become idle as in-flight calls finish; close them as they do.
      const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      streamable.streams.closeAll();
      legacy.closeAll();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, graceMs);
      });
      // Calls whose client went away still run (a 2025-11-25 client resumes them on any replica).
      const callsDone = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (dispatcher.calls.size > 0 && !drainDeadlinePassed) return;
          clearInterval(check);
          resolve();
        }, 50);
      });
      await Promise.race([Promise.all([closed, legacy.settled(), callsDone]), deadline]);
      drainDeadlinePassed = true;
      clearTimeout(timer);
      clearInterval(idleSweep);
      clearInterval(usageTimer);
      refusals.stop();
      // Requests are done, so every usage event is recorded: hand them all to the queue.
      await Promise.all([tokens.flushUsage(), usage.drain(env.USAGE_DRAIN_TIMEOUT_MS)]);
      await Promise.all([store.stop(), configSync.stop(), dispatcher.close()]);
      runners?.stop();
      if (!givenPool) await pool.close();
      await runnerPool?.close();
      // Last: the spans of everything above are ended by now.
      await observability.tracer?.tracing.shutdown().catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'could not export the last spans');
      });
    },
  };
}
