export interface CheckResult {
  ok: boolean;
  error?: string;
  ms: number;
}

/**
 * `ok`: every dependency answered. `degraded`: some did not, but the process can still serve
 * (it stays in the load balancer's rotation). `unavailable`: it cannot serve; route elsewhere.
 */
export type ReadinessStatus = 'ok' | 'degraded' | 'unavailable';

export interface ReadinessReport {
  status: ReadinessStatus;
  /** Whether to route traffic here: false only when `unavailable`. */
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export type DependencyChecks = Record<string, () => Promise<unknown>>;

/** Decides from the check results whether the process can serve traffic. */
export type ServePolicy = (checks: Readonly<Record<string, CheckResult>>) => boolean;

/** The process cannot serve without any of `names`; the other checks only degrade it. */
export const essential =
  (...names: string[]): ServePolicy =>
  (checks) =>
    names.every((name) => checks[name]?.ok !== false);

export interface ReadinessOptions {
  /** Bound on each check; a check still running then counts as failed. */
  timeoutMs?: number;
  /** Default: every check is essential. */
  canServe?: ServePolicy;
}

export const READINESS_TIMEOUT_MS = 2_000;

/** Runs dependency checks in parallel, each bounded, and reports every one by name. */
export async function runChecks(
  checks: DependencyChecks,
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<Record<string, CheckResult>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { ok: true, ms: Math.round(performance.now() - started) }];
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        return [name, { ok: false, error, ms: Math.round(performance.now() - started) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** The report for these results: ready per `canServe`, degraded when ready with a failed check. */
export function readinessReport(
  checks: Record<string, CheckResult>,
  canServe: ServePolicy = essential(...Object.keys(checks)),
): ReadinessReport {
  const ready = canServe(checks);
  const allOk = Object.values(checks).every((c) => c.ok);
  return { status: !ready ? 'unavailable' : allOk ? 'ok' : 'degraded', ready, checks };
}

export async function checkReadiness(
  checks: DependencyChecks,
  { timeoutMs, canServe }: ReadinessOptions = {},
): Promise<ReadinessReport> {
  return readinessReport(await runChecks(checks, timeoutMs), canServe);
}

export interface ReadinessProbeOptions extends ReadinessOptions {
  checks: DependencyChecks;
  /** A report this recent is answered again instead of checking anew. */
  maxAgeMs?: number;
}

/**
 * Readiness for a long-running process, shared by `/readyz` and metrics: concurrent callers
 * share one run, and a fresh report is reused, so several load balancers and scrapers polling
 * cost one round trip per dependency, not one each.
 */
export class ReadinessProbe {
  private running?: Promise<ReadinessReport>;
  private last?: { at: number; report: ReadinessReport };

  constructor(private readonly options: ReadinessProbeOptions) {}

  check(): Promise<ReadinessReport> {
    const { maxAgeMs = 1_000 } = this.options;
    if (this.last && performance.now() - this.last.at < maxAgeMs) return Promise.resolve(this.last.report);
    this.running ??= checkReadiness(this.options.checks, this.options)
      .then((report) => {
        this.last = { at: performance.now(), report };
        return report;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
