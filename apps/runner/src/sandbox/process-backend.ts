import { spawn } from 'node:child_process';
import type { Logger } from '@toolgate/core/logger';
import { checkWorkDir, resolveHostCommand } from './sandbox-paths.ts';
import { type SandboxBackend, type SandboxSpec, parseSandboxSpec } from './sandbox-spec.ts';
import { plainExit, superviseChild } from './supervised-child.ts';

const HOST_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * `RUNNER_BACKEND=process`: today's behaviour, for development. A plain child process with the
 * runner's user, file system, network and no limits; only the environment is still clean (the
 * spec's, with PATH and HOME). `network` and `limits` are ignored.
 */
export function createProcessBackend(options: { log: Logger }): SandboxBackend {
  const log = options.log.child({ component: 'sandbox' });
  log.warn(
    { backend: 'process', limits: 'none' },
    'RUNNER_BACKEND=process: servers run as plain child processes with NO isolation and NO resource limits ' +
      '(they can read every file the runner can, reach any network, and use any amount of memory). ' +
      'Use it for development only.',
  );
  return {
    kind: 'process',
    limits: 'none',
    async start(input: SandboxSpec) {
      const spec = parseSandboxSpec(input);
      const workDir = await checkWorkDir(spec.workDir, []);
      const env = { PATH: HOST_PATH, ...spec.env, HOME: workDir };
      await resolveHostCommand(spec.command, env, workDir);
      // In the runner's process group, as before: Ctrl-C in a terminal still reaches it. What it
      // starts itself is not tracked (no PID namespace here).
      const child = spawn(spec.command, spec.args, { cwd: workDir, env, stdio: 'pipe' });
      const server = superviseChild(child, {
        describeExit: async (code, signal) => plainExit(code, signal),
        killAll: () => child.kill('SIGKILL'),
        cleanup: async () => {},
      });
      log.info({ server: spec.id, pid: child.pid }, 'server started WITHOUT isolation');
      void server.exited.then((exit) => log.info({ server: spec.id, ...exit }, 'unisolated server exited'));
      return server;
    },
  };
}
