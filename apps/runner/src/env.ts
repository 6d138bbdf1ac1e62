import { zBool, zKeyRing, zLogLevel, zPort, zPostgresUrl, zRedisUrl } from '@toolgate/core/env';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** Comma-separated absolute host paths (empty entries dropped). */
const zPathList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((paths) => paths.every((p) => p.startsWith('/')), 'must be absolute paths separated by commas');

const ZRunnerEnvFields = z.object({
  DATABASE_URL: zPostgresUrl,
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  /** The key ring: opens installations' sealed credentials and derives the runner key proxies send. */
  TOOLGATE_SECRET_KEYS: zKeyRing,
  /**
   * Where the runner announces itself to proxies (the runners set in Redis). Without it, runs
   * alone: nothing routes to it unless given its bus (`toolgate start`).
   */
  REDIS_URL: zRedisUrl.optional(),
  RUNNER_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * The URL proxies reach this runner at (announced in Redis). Default: http://RUNNER_HOST:port,
   * with this machine's host name when RUNNER_HOST is a wildcard (0.0.0.0, ::). On Kubernetes:
   * the pod IP (http://$(POD_IP):4100).
   */
  RUNNER_ADVERTISE_URL: z.string().url().optional(),
  RUNNER_PORT: zPort.default(4100),
  LOG_LEVEL: zLogLevel.default('info'),
  /** `sandbox` (bubblewrap, the default) or `process` (no isolation; needs TOOLGATE_ALLOW_STDIO). */
  RUNNER_BACKEND: z.enum(['sandbox', 'process', 'kubernetes']).default('sandbox'),
  /** Guards only RUNNER_BACKEND=process: unisolated child processes on this host. */
  TOOLGATE_ALLOW_STDIO: zBool.default(false),
  /** Work dirs of the servers (`{dir}/servers/{installation}`); never visible to a server. */
  RUNNER_DATA_DIR: z.string().startsWith('/', 'must be an absolute path').default('/var/lib/toolgate-runner'),
  /** Host folders bound read-only into every sandbox (e.g. a node_modules the commands run from). */
  RUNNER_READONLY_PATHS: zPathList,
  /** A server with no session activity for this long is stopped (started again on next use). */
  RUNNER_IDLE_STOP_MS: z.coerce.number().int().min(100).default(600_000),
  /** A proxy session without requests for this long is closed (its proxy initializes again). */
  RUNNER_SESSION_IDLE_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /** Largest request body accepted from a proxy. */
  RUNNER_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * MiB),
  /** A server that has not answered initialize by then is stopped with that reason. */
  RUNNER_START_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Bound on one forwarded request. */
  RUNNER_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  /** MCP `ping` of a running server; a ping unanswered within the start timeout stops it. 0: off. */
  RUNNER_PING_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  /** One line (message) of stdout larger than this, or this much non-JSON-RPC output, stops the server. */
  RUNNER_MAX_STDOUT_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(16 * MiB),
  RUNNER_MEMORY_BYTES: z.coerce
    .number()
    .int()
    .min(16 * MiB)
    .default(512 * MiB),
  RUNNER_CPU_PERCENT: z.coerce.number().int().min(1).max(6_400).default(100),
  RUNNER_MAX_PROCESSES: z.coerce.number().int().min(8).max(32_768).default(128),
  /** Packaged servers: the npm registry packages are installed from (`npm install --ignore-scripts`). */
  RUNNER_NPM_REGISTRY: z.string().url().default('https://registry.npmjs.org/'),
  /** Bound on one package install; a slower one fails the server's start with that reason. */
  RUNNER_NPM_INSTALL_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(300_000),
  /** Bound on draining at SIGTERM. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  // RUNNER_BACKEND=kubernetes (src/kubernetes/): one Deployment, Service, NetworkPolicy and Secret
  // per installation. The API server is found as kubectl finds it (KUBECONFIG, ~/.kube/config, or
  // the pod's service account).
  /** Where the servers' objects are made (the chart sets it; its Role is there). Required. */
  RUNNER_KUBERNETES_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name')
    .optional(),
  /** The bridge image (docker/Dockerfile, target `bridge`): runs the stdio server, serves it over HTTP. Required. */
  RUNNER_KUBERNETES_BRIDGE_IMAGE: z.string().min(1).optional(),
  RUNNER_KUBERNETES_BRIDGE_PULL_POLICY: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  RUNNER_KUBERNETES_BRIDGE_PORT: zPort.default(8080),
  /** Labelled `toolgate.dev/owner` on everything: GC never touches another deployment's objects. */
  RUNNER_KUBERNETES_OWNER: z.string().min(1).max(63).default('toolgate'),
  /** Pods allowed to reach the servers (NetworkPolicy ingress), `k=v,k=v`: the runners. */
  RUNNER_KUBERNETES_INGRESS_FROM: z
    .string()
    .default('app.kubernetes.io/component=runner')
    .transform((v, ctx) => {
      const labels: Record<string, string> = {};
      for (const pair of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const [key, value, extra] = pair.split('=');
        if (!key || value === undefined || extra !== undefined)
          ctx.addIssue({ code: 'custom', message: `"${pair}" is not key=value` });
        else labels[key.trim()] = value.trim();
      }
      if (Object.keys(labels).length === 0)
        ctx.addIssue({ code: 'custom', message: 'name at least one label' });
      return labels;
    }),
  /** The runners' namespace, when it is not RUNNER_KUBERNETES_NAMESPACE (NetworkPolicy ingress). */
  RUNNER_KUBERNETES_INGRESS_NAMESPACE: z.string().min(1).optional(),
  /** CIDRs `network: egress` servers still may not reach, besides 169.254.169.254/32 (always). */
  RUNNER_KUBERNETES_EGRESS_EXCEPT: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine(
      (cidrs) => cidrs.every((c) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(c)),
      'must be CIDRs separated by commas',
    ),
  RUNNER_KUBERNETES_WORK_DIR_SIZE: z
    .string()
    .regex(/^\d+(Ki|Mi|Gi)$/, 'a quantity like 1Gi')
    .default('1Gi'),
  /** How long a scaled-up server may take to become ready (image pull, start, initialize). */
  RUNNER_KUBERNETES_READY_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(180_000),
  /** Objects of deleted installations (and ended canaries) are removed this often; 0: at start only. */
  RUNNER_KUBERNETES_GC_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
});

export const ZRunnerEnv = ZRunnerEnvFields.superRefine((env, ctx) => {
  if (env.RUNNER_BACKEND === 'kubernetes')
    for (const name of ['RUNNER_KUBERNETES_NAMESPACE', 'RUNNER_KUBERNETES_BRIDGE_IMAGE'] as const)
      if (!env[name])
        ctx.addIssue({ code: 'custom', path: [name], message: 'required with RUNNER_BACKEND=kubernetes' });
  if (env.RUNNER_BACKEND === 'process' && !env.TOOLGATE_ALLOW_STDIO)
    ctx.addIssue({
      code: 'custom',
      path: ['RUNNER_BACKEND'],
      message:
        'process runs servers with no isolation; it is refused unless TOOLGATE_ALLOW_STDIO=true (development only)',
    });
});
export type RunnerEnv = z.infer<typeof ZRunnerEnv>;

/** This process's environment, unparsed (the one place the runner reads it). */
export const rawRunnerEnv = (): Record<string, string | undefined> => process.env;
