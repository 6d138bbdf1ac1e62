import { loadEnvOrExit, zPostgresUrl, zRedisUrl } from '@toolgate/core/env';
import { ZProxyEnv, type ProxyEnv } from '@toolgate/proxy/env';
import { z } from 'zod';

/** The benchmark's knobs. Durations are modest by default so a full run fits in a few minutes. */
const ZBenchEnv = z.object({
  /** `http`, `stdio`, or unset for both (HTTP first). */
  BENCH_UPSTREAM: z.enum(['http', 'stdio', 'both']).default('both'),
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
  /** Extra node flags for the gateway process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
  BENCH_GATEWAY_NODE_ARGS: z.string().default(''),
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
  HOME: z.string().default('/tmp'),
});
export type BenchEnv = z.infer<typeof ZBenchEnv>;

export function benchEnv(): BenchEnv {
  return loadEnvOrExit(ZBenchEnv, process.env, 'bench');
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
