import type { Readable, Writable } from 'node:stream';
import { AppError } from '@toolgate/core/errors';
import { z } from 'zod';

/**
 * What the runner asks a backend to run: one self-hosted server, its command, the environment its
 * registry entry and credentials give it (never the runner's own), and the box it runs in.
 */

// bwrap reads its arguments NUL-separated (`--args FD`), so a NUL anywhere would split one.
const text = (what: string) =>
  z.string().refine((value) => !value.includes('\0'), `${what} must not contain NUL`);
const absolutePath = (what: string) =>
  text(what).refine((value) => value.startsWith('/'), `${what} must be an absolute path`);

export const ZSandboxLimits = z.object({
  /** Hard memory limit (resident memory, and the private /tmp, which is memory too). */
  memoryBytes: z
    .number()
    .int()
    .min(16 * 1024 * 1024),
  /** CPU time as a share of one CPU: 50 = half a CPU, 200 = two CPUs. */
  cpuPercent: z.number().int().min(1).max(6_400),
  /** Tasks (processes and threads: a Node.js server alone uses about a dozen). */
  maxProcesses: z.number().int().min(8).max(32_768),
});
export type SandboxLimits = z.infer<typeof ZSandboxLimits>;

export const ZSandboxSpec = z.object({
  /** Names the server in cgroups and logs: letters, digits, `-` and `_`. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'id must be 1-64 letters, digits, - or _'),
  /** A name looked up on the sandbox PATH, or an absolute path visible inside the sandbox. */
  command: text('command').min(1),
  args: z.array(text('an argument')),
  /** The whole environment of the server besides PATH and HOME: nothing is inherited. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an env name'), text('an env value')),
  /** The server's private writable directory on the host (its HOME and working directory). */
  workDir: absolutePath('workDir'),
  network: z.enum(['none', 'egress']),
  limits: ZSandboxLimits,
  /** Host directories the server may read, bound read-only at the same path (e.g. a package cache). */
  readOnlyPaths: z.array(absolutePath('a read-only path')).optional(),
  /**
   * An installed npm package (a folder of the runner's package cache), shown read-only at the
   * backend's `packageMount`. The sandbox accepts only folders directly inside its package cache.
   */
  packageDir: absolutePath('packageDir').optional(),
  /**
   * Whose server this is: the Kubernetes backend labels its objects with it (tenant, installation,
   * variant, version) and refuses a spec without it; the other backends ignore it.
   */
  owner: z
    .object({
      tenantId: z.string().min(1),
      installationId: z.string().min(1),
      variant: z.enum(['stable', 'canary']),
      version: z.string().optional(),
      label: z.string().min(1),
    })
    .optional(),
});
export type SandboxSpec = z.infer<typeof ZSandboxSpec>;

/**
 * Why a server stopped. `memory-limit` only when the kernel says it killed the server for memory
 * (cgroup OOM events); under rlimits an allocation past the limit fails inside the server, which
 * then usually aborts (`signal`).
 */
export type SandboxExitReason = 'exited' | 'signal' | 'memory-limit' | 'start-failed';

export interface SandboxExit {
  reason: SandboxExitReason;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** One line for the installation page: what happened, in words. */
  detail: string;
}

export interface SandboxedProcess {
  /** The host pid of the process the runner spawned (bwrap or its wrapper, or the server itself). */
  readonly pid: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  /**
   * Always drained (a server must never block on a full stderr pipe): listen for 'data' to see it.
   * The last few KiB are kept for `exited`'s detail.
   */
  readonly stderr: Readable;
  /** Resolves once the server has exited and its cgroup (if any) is gone. Never rejects. */
  readonly exited: Promise<SandboxExit>;
  /** Closes stdin (stdio servers exit on EOF), then kills everything after `graceMs`. */
  stop(graceMs?: number): Promise<SandboxExit>;
  /** Kills the server and everything it started, now. */
  kill(): void;
}

export interface SandboxBackend {
  readonly kind: 'sandbox' | 'process' | 'kubernetes';
  /** How resource limits are enforced: `cgroup-v1`, `cgroup-v2`, `rlimit` or `none`. */
  readonly limits: string;
  /** Where a server sees its spec's `packageDir`; absent: at its host path (nothing is mounted). */
  readonly packageMount?: string;
  /**
   * The version of what runs when the backend decides it (Kubernetes: the bridge image's tag),
   * recorded as the installation's running version for servers that are not packages.
   */
  readonly runsVersion?: string;
  /** Validates the spec and starts the server; throws AppError('INVALID') for a bad spec or command. */
  start(spec: SandboxSpec): Promise<SandboxedProcess>;
}

/** The spec checked, or AppError('INVALID') naming each problem (a registry entry can be wrong). */
export function parseSandboxSpec(input: unknown): SandboxSpec {
  const parsed = ZSandboxSpec.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'spec'}: ${issue.message}`);
  throw new AppError('INVALID', `invalid sandbox spec: ${problems.join('; ')}`);
}
