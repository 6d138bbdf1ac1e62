import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { AppError } from '@toolgate/core/errors';
import type { Logger } from '@toolgate/core/logger';
import {
  ARGS_FD,
  GROUP,
  GROUP_FD,
  PASSWD,
  PASSWD_FD,
  SANDBOX_PACKAGE,
  SANDBOX_PATH,
  buildBwrapOptions,
  bwrapCommandLine,
  detectHostLayout,
  encodeArgs,
} from './bwrap-args.ts';
import {
  type LimitMechanism,
  applyLimits,
  collectStaleLimits,
  describeLimits,
  detectLimitMechanism,
} from './resource-limits.ts';
import {
  checkPackageDir,
  checkReadOnlyPaths,
  checkWorkDir,
  resolveProtectedPaths,
  resolveSandboxCommand,
} from './sandbox-paths.ts';
import { describeSandboxExit } from './sandbox-exit.ts';
import { type SandboxBackend, type SandboxSpec, parseSandboxSpec } from './sandbox-spec.ts';
import { superviseChild } from './supervised-child.ts';

export const BWRAP = '/usr/bin/bwrap';

export interface SandboxBackendOptions {
  log: Logger;
  bwrap?: string;
  /** Host paths no server may see: the data directory, key files (checked against every spec). */
  protectedPaths?: string[];
  /**
   * The runner's package cache (inside its data directory): a spec's `packageDir` must be a folder
   * directly in it, and is bound read-only at SANDBOX_PACKAGE. Without it packages are refused.
   */
  packagesDir?: string;
  /** Chosen by detection when absent (tests force `rlimit`). */
  limits?: LimitMechanism;
}

/**
 * The default backend: every server under bubblewrap. Checks at creation that bwrap runs here
 * (user namespaces allowed) and which limit mechanism applies, and says which in the log.
 */
export async function createSandboxBackend(options: SandboxBackendOptions): Promise<SandboxBackend> {
  const bwrap = options.bwrap ?? BWRAP;
  await checkBwrap(bwrap);
  const mechanism = options.limits ?? (await detectLimitMechanism());
  const stale = await collectStaleLimits(mechanism);
  const layout = await detectHostLayout();
  const protectedPaths = await resolveProtectedPaths(options.protectedPaths ?? []);
  const log = options.log.child({ component: 'sandbox' });
  const limitsLine = describeLimits(mechanism);
  const level = mechanism.kind === 'cgroup-v1' || mechanism.kind === 'cgroup-v2' ? 'info' : 'warn';
  log[level](
    { backend: 'sandbox', limits: mechanism.kind, staleCgroupsRemoved: stale },
    `bubblewrap sandbox; ${limitsLine}`,
  );

  return {
    kind: 'sandbox',
    limits: mechanism.kind,
    packageMount: SANDBOX_PACKAGE,
    async start(input: SandboxSpec) {
      const parsed = parseSandboxSpec(input);
      const workDir = await checkWorkDir(parsed.workDir, protectedPaths);
      const readOnlyPaths = await checkReadOnlyPaths(parsed.readOnlyPaths ?? [], protectedPaths);
      const packageDir = parsed.packageDir
        ? await checkPackageDir(parsed.packageDir, options.packagesDir, protectedPaths)
        : undefined;
      const spec = { ...parsed, workDir, readOnlyPaths, ...(packageDir ? { packageDir } : {}) };
      await resolveSandboxCommand(
        spec.command,
        { PATH: spec.env.PATH ?? SANDBOX_PATH },
        layout,
        workDir,
        readOnlyPaths,
        packageDir,
      );

      const applied = await applyLimits(mechanism, spec.id, spec.limits);
      const [program, ...rest] = [...applied.wrapper, ...bwrapCommandLine(bwrap, spec)];
      let child: ChildProcess;
      try {
        child = spawn(program!, rest, {
          // Nothing of the runner's environment reaches even bwrap (it clears its own anyway).
          env: {},
          stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
        });
      } catch (err) {
        await applied.release();
        throw err;
      }
      const pipes = child.stdio as unknown as (Writable | null)[];
      feed(pipes[ARGS_FD], encodeArgs(buildBwrapOptions(spec, layout)));
      feed(pipes[PASSWD_FD], PASSWD);
      feed(pipes[GROUP_FD], GROUP);

      const server = superviseChild(child, {
        describeExit: async (code, signal, stderr) =>
          describeSandboxExit(code, signal, stderr, await applied.oomKilled(), spec.limits.memoryBytes),
        // bwrap's own child (pid 1 inside) dies with it, and takes the whole PID namespace along.
        killAll: () => child.kill('SIGKILL'),
        cleanup: () => applied.release(),
      });
      log.info(
        { server: spec.id, pid: child.pid, network: spec.network, limits: spec.limits },
        'server started in sandbox',
      );
      void server.exited.then((exit) => log.info({ server: spec.id, ...exit }, 'sandboxed server exited'));
      return server;
    },
  };
}

function feed(pipe: Writable | null | undefined, data: string | Buffer) {
  if (!pipe) return;
  pipe.on('error', () => {});
  pipe.end(data);
}

const run = promisify(execFile);

async function checkBwrap(bwrap: string): Promise<void> {
  const installed = await access(bwrap, constants.X_OK).then(
    () => true,
    () => false,
  );
  if (!installed)
    throw new AppError(
      'UNAVAILABLE',
      `bubblewrap is not installed at ${bwrap} (Debian/Ubuntu: apt-get install bubblewrap)`,
    );
  // The namespaces every server gets: fails here, with bwrap's reason, where user namespaces are off.
  const probe = [
    '--unshare-user',
    '--disable-userns',
    '--unshare-pid',
    '--unshare-net',
    '--ro-bind',
    '/',
    '/',
    'true',
  ];
  await run(bwrap, probe, { env: {}, timeout: 10_000 }).catch((err: { stderr?: string; message: string }) => {
    throw new AppError(
      'UNAVAILABLE',
      `bubblewrap cannot create a sandbox here: ${err.stderr?.trim() || err.message}`,
    );
  });
}
