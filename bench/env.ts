import { loadEnvOrExit, zBool, zPostgresUrl, zRedisUrl } from '@toolgate/core/env';
import { ZProxyEnv, type ProxyEnv } from '@toolgate/proxy/env';
import { ZRunnerEnv, type RunnerEnv } from '@toolgate/runner/env';
import { ZWorkerEnv, type WorkerEnv } from '@toolgate/worker/env';
import { z } from 'zod';

/** The benchmark's knobs. Durations are modest by default so a full run fits in a few minutes. */
const ZBenchEnv = z.object({
  /** `http`, `stdio`, `both` (HTTP first); unset: both, or only stdio with BENCH_PEERS. */
  BENCH_UPSTREAM: z.enum(['http', 'stdio', 'both']).optional(),
  /**
   * Also run the open-source peers (mcp-proxy, mcp-hub) in front of the same stdio server, side
   * by side with direct and Toolgate, and print one table of the four.
   */
  BENCH_PEERS: zBool.default(false),
  /** Where the peers are installed (npm install --prefix); default under node_modules/.cache. */
  BENCH_PEERS_DIR: z.string().min(1).optional(),
  /** Full `tools/list` walks of the 1,000-tool fixture per target and round (stdio mode); 0 skips. */
  BENCH_LIST_CALLS: z.coerce.number().int().min(0).default(200),
  /** Tools in the listing fixture. */
  BENCH_LIST_TOOLS: z.coerce.number().int().min(1).max(20_000).default(1_000),
  /** Idle sessions (initialized, GET stream open) for the gateway's RSS after the rounds; 0 skips. */
  BENCH_IDLE_SESSIONS: z.coerce.number().int().min(0).max(20_000).default(1_000),
  /** Sequential calls on one session in the c1 phase. */
  BENCH_CALLS: z.coerce.number().int().min(100).default(2_000),
  /** Duration of each concurrent phase (c16, c64), per target and round. */
  BENCH_SECONDS: z.coerce.number().min(1).default(10),
  BENCH_ROUNDS: z.coerce.number().int().min(1).default(3),
  /** Unmeasured load per target before the first round (JIT, pools, sockets). */
  BENCH_WARMUP_SECONDS: z.coerce.number().min(0).default(2),
  /** A Postgres server to create a throwaway database on; unset = embedded PGlite in memory. */
  BENCH_DATABASE_URL: zPostgresUrl.optional(),
  /** Redis for the gateway's bus; unset = the in-process bus. */
  BENCH_REDIS_URL: zRedisUrl.optional(),
  /** How the load authenticates to the gateway: an org API token, or a Toolgate OAuth access token. */
  BENCH_AUTH: z.enum(['api_token', 'oauth']).default('api_token'),
  /**
   * Governance on the hot path: `off` (default) measures the gateway as before; `policies` adds a
   * second gateway process, side by side, whose workspace has a tenant's set of 20 policies;
   * `full` adds two guardrails to that set (policy-sets.ts). The report compares the two.
   */
  BENCH_GOVERNANCE: z.enum(['off', 'policies', 'full']).default('off'),
  /**
   * Self-hosted servers on a runner (stdio mode): `off` (default); `sandbox` adds a gateway process
   * started with TOOLGATE_RUNNERS=true whose server-everything installation runs on a runner
   * process (`toolgate runner`'s code, bubblewrap sandbox, as deployed), measured side by side with
   * the gateway that spawns server-everything itself; `process` runs it on a runner without the
   * sandbox (RUNNER_BACKEND=process), to tell the hop's cost from the sandbox's; `both` adds the two,
   * each with its own gateway and runner process, in the same rounds. Needs
   * BENCH_REDIS_URL: runners are found through Redis (runner-target.ts says why not in-process).
   */
  BENCH_RUNNER: z.enum(['off', 'sandbox', 'process', 'both']).default('off'),
  /**
   * Call limits on the hot path (issue 18): `on` adds a gateway process, side by side with the
   * plain one, whose tenant has every traffic limit set (never reached), so each call pays the
   * limiter's Redis round trip. Needs BENCH_REDIS_URL (limits-target.ts says why).
   */
  BENCH_LIMITS: z.enum(['off', 'on']).default('off'),
  /** Extra node flags for the gateway process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
  BENCH_GATEWAY_NODE_ARGS: z.string().default(''),
  /** Extra node flags for the runner process (BENCH_RUNNER), e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
  BENCH_RUNNER_NODE_ARGS: z.string().default(''),
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
  HOME: z.string().default('/tmp'),
});
export type BenchEnv = z.infer<typeof ZBenchEnv>;

export function benchEnv(): BenchEnv {
  return loadEnvOrExit(ZBenchEnv, process.env, 'bench');
}

/**
 * TOOLGATE_FROM_SOURCES=1: run the bench's children from the TypeScript sources through tsx, not
 * from the bundle (child-process.ts), to compare the two.
 */
export function fromSources(): boolean {
  return loadEnvOrExit(z.object({ TOOLGATE_FROM_SOURCES: zBool.default(false) }), process.env, 'bench')
    .TOOLGATE_FROM_SOURCES;
}

/** The gateway child: the proxy's own env schema, plus the bus namespace the parent chose. */
export function gatewayProcessEnv(): ProxyEnv & { busPrefix: string } {
  const proxy = loadEnvOrExit(ZProxyEnv, process.env, 'bench-gateway');
  const { BENCH_BUS_PREFIX } = loadEnvOrExit(
    z.object({ BENCH_BUS_PREFIX: z.string().min(1) }),
    process.env,
    'bench-gateway',
  );
  return { ...proxy, busPrefix: BENCH_BUS_PREFIX };
}

/** The runner child (BENCH_RUNNER): the runner's own env schema, plus the bus namespace the parent chose. */
export function runnerProcessEnv(): RunnerEnv & { busPrefix: string; redisUrl: string } {
  const runner = loadEnvOrExit(ZRunnerEnv, process.env, 'bench-runner');
  const { BENCH_BUS_PREFIX, REDIS_URL } = loadEnvOrExit(
    z.object({ BENCH_BUS_PREFIX: z.string().min(1), REDIS_URL: zRedisUrl }),
    process.env,
    'bench-runner',
  );
  return { ...runner, busPrefix: BENCH_BUS_PREFIX, redisUrl: REDIS_URL };
}

/** `npm run bench:usage`: the usage pipeline (recorder → BullMQ → one worker → Postgres). */
const ZUsageBenchEnv = z.object({
  /** A Postgres server to create a throwaway database on. */
  BENCH_DATABASE_URL: zPostgresUrl.default('postgres://postgres@127.0.0.1:5432/test'),
  BENCH_REDIS_URL: zRedisUrl.default('redis://127.0.0.1:6379'),
  /** Events in the backlog the worker drains to measure its capacity. */
  BENCH_USAGE_EVENTS: z.coerce.number().int().min(1_000).default(60_000),
  BENCH_USAGE_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** The worker's USAGE_CONCURRENCY. */
  BENCH_USAGE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Steady rates, as fractions of the measured capacity, at which lag is measured. */
  BENCH_USAGE_RATES: z
    .string()
    .default('0.5,0.8,1')
    .transform((v) => v.split(',').map(Number))
    .pipe(z.array(z.number().positive().max(2)).min(1)),
  /** Length of each steady-rate phase. */
  BENCH_USAGE_SECONDS: z.coerce.number().min(2).default(15),
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
  HOME: z.string().default('/tmp'),
});
export type UsageBenchEnv = z.infer<typeof ZUsageBenchEnv>;

export function usageBenchEnv(): UsageBenchEnv {
  return loadEnvOrExit(ZUsageBenchEnv, process.env, 'bench:usage');
}

/** The worker child: the worker's own env schema, plus the bus namespace the parent chose. */
export function usageWorkerProcessEnv(): WorkerEnv & { busPrefix: string } {
  const worker = loadEnvOrExit(ZWorkerEnv, process.env, 'bench-worker');
  const { BENCH_BUS_PREFIX } = loadEnvOrExit(
    z.object({ BENCH_BUS_PREFIX: z.string().min(1) }),
    process.env,
    'bench-worker',
  );
  return { ...worker, busPrefix: BENCH_BUS_PREFIX };
}

/** `npm run bench:http-client`: the upstream HTTP client, node:http against undici. */
export function httpClientBenchEnv(): { rounds: number; requests: number } {
  const env = loadEnvOrExit(
    z.object({
      BENCH_ROUNDS: z.coerce.number().int().min(1).default(3),
      BENCH_REQUESTS: z.coerce.number().int().min(1_000).default(20_000),
    }),
    process.env,
    'bench',
  );
  return { rounds: env.BENCH_ROUNDS, requests: env.BENCH_REQUESTS };
}

/** `npm run bench:policy`: decisions per round and rounds. */
export function policyBenchEnv() {
  return loadEnvOrExit(
    z.object({
      BENCH_POLICY_CALLS: z.coerce.number().int().min(1_000).default(200_000),
      BENCH_POLICY_ROUNDS: z.coerce.number().int().min(1).default(5),
    }),
    process.env,
    'bench:policy',
  );
}
