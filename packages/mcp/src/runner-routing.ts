import { createHash } from 'node:crypto';
import { UpstreamError, type RunnerRoute, type UpstreamPool, type UpstreamTarget } from './upstream/types.ts';

/**
 * Self-hosted (stdio) servers on runners (`toolgate runner`, apps/runner): which runner hosts an
 * installation, and a pool that sends stdio targets there over the runner's internal Streamable
 * HTTP endpoint instead of starting a child process. Used by the proxy and by discovery in the
 * control plane, so both reach the same server instance.
 */

/** Where the live runners are read from: the bus's RunnerRegistry. */
export interface RunnerList {
  live(): Promise<string[]>;
}

/** How long a runner's announcement lives; runners announce every third of it. */
export const RUNNER_ANNOUNCE_TTL_SECONDS = 15;

/**
 * Rendezvous (highest random weight) hashing: the runner that hosts `routeKey`. Every replica with
 * the same list picks the same runner; a runner joining or leaving moves only the keys it wins or
 * held. Undefined when the list is empty.
 */
export function pickRunner(runners: readonly string[], routeKey: string): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const runner of runners) {
    const weight = createHash('sha256')
      .update(runner)
      .update('\u0000')
      .update(routeKey)
      .digest()
      .readBigUInt64BE(0);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && runner < best)) {
      best = runner;
      bestWeight = weight;
    }
  }
  return best;
}

/** The key a route is placed by: the installation, its canary apart (so it may run elsewhere). */
export const routeKeyOf = (route: RunnerRoute): string =>
  route.variant === 'canary' ? `${route.installationId}/canary` : route.installationId;

/** The runner's MCP endpoint for a route. */
export function runnerEndpoint(runnerUrl: string, route: RunnerRoute): string {
  const base = `${runnerUrl.replace(/\/+$/, '')}/tenants/${route.tenantId}/servers/${route.installationId}`;
  return `${base}/mcp${route.variant === 'canary' ? '?variant=canary' : ''}`;
}

/** The runner's log endpoint for an installation (or its canary). */
export function runnerLogEndpoint(runnerUrl: string, route: RunnerRoute): string {
  const base = `${runnerUrl.replace(/\/+$/, '')}/tenants/${route.tenantId}/servers/${route.installationId}`;
  return `${base}/log${route.variant === 'canary' ? '?variant=canary' : ''}`;
}

/**
 * The live runners as this process last read them (refreshed every `refreshMs`, and at once when
 * asked for a runner while it knows none), and which one owns a route.
 */
export class RunnerDirectory {
  private list: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private loaded = false;

  constructor(
    private readonly registry: RunnerList,
    private readonly options: { refreshMs?: number; onError?: (error: unknown) => void } = {},
  ) {}

  /** Loads the list and keeps it fresh; never throws (a failed read keeps the last list). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), this.options.refreshMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the live runners now (concurrent callers share one read). */
  refresh(): Promise<void> {
    this.loading ??= this.registry
      .live()
      .then(
        (list) => {
          this.list = list;
          this.loaded = true;
        },
        (error: unknown) => this.options.onError?.(error),
      )
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  runners(): readonly string[] {
    return this.list;
  }

  /** The runner hosting `route`; reads the registry first if none is known yet. */
  async ownerOf(route: RunnerRoute): Promise<string | undefined> {
    if (this.list.length === 0 || !this.loaded) await this.refresh();
    return pickRunner(this.list, routeKeyOf(route));
  }
}

/** What a process needs to reach runners: the live list and the key they accept. */
export interface RunnerAccess {
  directory: RunnerDirectory;
  /** runnerKey(ring) from @toolgate/core/runner-auth. */
  key: string;
}

export interface RunnerRoutingOptions {
  /** The pool for every other target (SSRF-guarded). */
  pool: UpstreamPool;
  /** The pool runner endpoints are reached with: internal addresses, so not SSRF-guarded. */
  runnerPool: UpstreamPool;
  directory: RunnerDirectory;
  /** `Authorization: Bearer …` runners accept: runnerKey(ring) from @toolgate/core/runner-auth. */
  runnerKey: string;
}

/**
 * A pool that sends stdio targets carrying a `runner` route to the runner owning them, as Streamable
 * HTTP targets keyed by (target key, runner), and everything else to `pool`. Credentials never
 * travel: the runner reads the installation's itself. With no live runner, such calls fail with a
 * `connect` error saying so; stdio targets without a route are refused (`blocked`).
 */
export function routeToRunners({
  pool,
  runnerPool,
  directory,
  runnerKey,
}: RunnerRoutingOptions): UpstreamPool {
  /** Base key → the runner-pool keys used for it, so `evict` reaches them all. */
  const routedKeys = new Map<string, Set<string>>();

  async function resolve(target: UpstreamTarget): Promise<UpstreamTarget> {
    const route = target.runner;
    if (!route)
      throw new UpstreamError(
        'blocked',
        `${target.label} is a local (stdio) server and can only run on a runner`,
      );
    const runner = await directory.ownerOf(route);
    if (!runner)
      throw new UpstreamError(
        'connect',
        `no runner is available to run ${target.label} (self-hosted servers run on \`toolgate runner\`)`,
      );
    const key = `${target.key}@${runner}${route.variant === 'canary' ? '#canary' : ''}`;
    let keys = routedKeys.get(target.key);
    if (!keys) routedKeys.set(target.key, (keys = new Set()));
    keys.add(key);
    return {
      key,
      label: target.label,
      transport: 'streamable_http',
      url: runnerEndpoint(runner, route),
      headers: { authorization: `Bearer ${runnerKey}` },
    };
  }

  /** A runner that cannot be reached may have gone: read the list again for the next call. */
  function noticeFailure(error: unknown): never {
    if (error instanceof UpstreamError && (error.kind === 'connect' || error.kind === 'closed'))
      void directory.refresh();
    throw error;
  }

  const routed = (target: UpstreamTarget) => target.transport === 'stdio';

  return {
    async request(target, method, params, options) {
      if (!routed(target)) return pool.request(target, method, params, options);
      return runnerPool.request(await resolve(target), method, params, options).catch(noticeFailure);
    },
    async notify(target, method, params) {
      if (!routed(target)) return pool.notify(target, method, params);
      return runnerPool.notify(await resolve(target), method, params);
    },
    async serverInfo(target) {
      if (!routed(target)) return pool.serverInfo(target);
      return runnerPool.serverInfo(await resolve(target)).catch(noticeFailure);
    },
    watch(target, listener) {
      if (!routed(target)) return pool.watch(target, listener);
      // The runner is known once resolved: until then, subscriptions wait for the watch.
      const watching = resolve(target).then((t) => runnerPool.watch(t, listener));
      watching.catch(() => undefined);
      return {
        subscribe: async (uri) => (await watching).subscribe(uri),
        unsubscribe: async (uri) => (await watching).unsubscribe(uri),
        close() {
          watching.then(
            (w) => w.close(),
            () => undefined,
          );
        },
      };
    },
    async evict(key) {
      const keys = routedKeys.get(key);
      routedKeys.delete(key);
      await Promise.all([pool.evict(key), ...[...(keys ?? [])].map((k) => runnerPool.evict(k))]);
    },
    stats() {
      const a = pool.stats();
      const b = runnerPool.stats();
      return {
        sessions: a.sessions + b.sessions,
        processes: a.processes,
        inFlight: a.inFlight + b.inFlight,
        queued: a.queued + b.queued,
        watched: a.watched + b.watched,
      };
    },
    // The directory is its owner's to stop: one-off pools share it.
    async close() {
      await Promise.all([pool.close(), runnerPool.close()]);
    },
  };
}
