import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeySpec } from '@toolgate/core/crypto';
import type { EchoSession } from './echo-session.ts';
import { startBenchChild } from './child-process.ts';
import { startGateway } from './gateway-handle.ts';
import { HttpEchoSession } from './http-echo-session.ts';
import type { StdioCommand } from './peers.ts';
import { childPids } from './proc-stats.ts';
import { removeBusKeys } from './redis-keys.ts';
import { seedEchoGateway, type DiscoveredTool } from './seed-gateway.ts';
import {
  benchAuth,
  firstCall,
  openSessions,
  SESSIONS,
  type SetupContext,
  type Target,
  type Teardown,
} from './targets.ts';

/**
 * BENCH_RUNNER: self-hosted servers on a runner (issue 17). A second gateway process, started with
 * TOOLGATE_RUNNERS=true, routes the stdio installation of server-everything to a runner process
 * (runner-process.ts, `toolgate runner`'s code) over Streamable HTTP with the runner key; the
 * runner hosts server-everything in its sandbox (`sandbox`, bubblewrap, as deployed) or as a plain
 * child (`process`), or both (`both`: two such pairs). Measured side by side with the gateway that spawns server-everything itself.
 *
 * Redis is required (run.ts says so before anything starts): the runner and the gateway are two
 * processes, and the in-process bus cannot be shared between them. Starting the runner inside the
 * gateway process would hide its CPU in the proxy's and drop the very hop measured; inside the
 * bench process it would charge it to the load generator. So both gateways of the run use the
 * same Redis bus (the plain gateway too), and only the hop differs between them.
 */
export async function runnerTargets(
  ctx: SetupContext,
  teardown: Teardown,
  command: StdioCommand,
  tools: DiscoveredTool[],
): Promise<Target[]> {
  const wanted = ctx.env.BENCH_RUNNER;
  if (wanted === 'off') return [];
  const targets: Target[] = [];
  for (const backend of wanted === 'both' ? (['sandbox', 'process'] as const) : [wanted])
    targets.push(await runnerTarget(ctx, teardown, command, tools, backend));
  return targets;
}

/** One gateway process routing to one runner process with `backend`. */
async function runnerTarget(
  { env, db, secretKeys }: SetupContext,
  teardown: Teardown,
  command: StdioCommand,
  tools: DiscoveredTool[],
  backend: 'sandbox' | 'process',
): Promise<Target> {
  const redisUrl = env.BENCH_REDIS_URL;
  if (!redisUrl) throw new Error('BENCH_RUNNER needs BENCH_REDIS_URL (runners are found through Redis)');
  const busPrefix = `tgbench-${randomBytes(4).toString('hex')}`;
  teardown.add(() => removeBusKeys(redisUrl, busPrefix));
  const dataDir = await mkdtemp(path.join(tmpdir(), 'toolgate-bench-runner-'));
  teardown.add(() => rm(dataDir, { recursive: true, force: true }));

  const runner = await startBenchChild<{ url: string }>(
    'runner',
    RUNNER_ENTRY,
    {
      PATH: env.PATH,
      HOME: env.HOME,
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      BENCH_BUS_PREFIX: busPrefix,
      TOOLGATE_SECRET_KEYS: secretKeys,
      RUNNER_HOST: '127.0.0.1',
      RUNNER_PORT: '0',
      RUNNER_BACKEND: backend,
      ...(backend === 'process' ? { TOOLGATE_ALLOW_STDIO: 'true' } : {}),
      RUNNER_DATA_DIR: dataDir,
      // The sandbox sees /usr (node) and, read-only, the node_modules server-everything runs from.
      RUNNER_READONLY_PATHS: nodeModulesOf(command),
      LOG_LEVEL: 'warn',
    },
    env.BENCH_RUNNER_NODE_ARGS.split(' ').filter(Boolean),
  );
  teardown.add(() => runner.stop());

  const auth = benchAuth(env, secretKeys);
  const seeded = await seedEchoGateway(db, command, tools, auth);
  const gateway = await startGateway({
    databaseUrl: db.url,
    redisUrl,
    busPrefix,
    sessionKeys: generateKeySpec('s1'),
    secretKeys,
    path: env.PATH,
    home: env.HOME,
    nodeArgs: env.BENCH_GATEWAY_NODE_ARGS.split(' ').filter(Boolean),
    runners: true,
  });
  teardown.add(() => gateway.stop());
  const agent = new http.Agent({ keepAlive: true });
  teardown.add(() => agent.destroy());
  const sessions = await openSessions(SESSIONS, () =>
    HttpEchoSession.open(gateway.url + seeded.path, {
      agent,
      tool: seeded.tool,
      authorization: `Bearer ${seeded.token}`,
    }),
  );
  await firstCallOnRunner(sessions, seeded.tool);

  // The call went through the runner: server-everything runs under it, and not under the gateway.
  const server = () => serverUnder(runner.pid);
  if (server() === undefined)
    throw new Error(`the runner (${runner.ready.url}) has no server-everything process after the first call`);
  if (descendants(gateway.pid).some((p) => p.cmdline.includes(EVERYTHING_NEEDLE)))
    throw new Error('the runner-routed gateway spawned server-everything itself');
  return {
    name: backend === 'sandbox' ? 'runner-sandbox' : 'runner-process',
    label: `Toolgate → runner (${backend === 'sandbox' ? 'bubblewrap sandbox' : 'plain process'})`,
    sessions,
    proxyPid: gateway.pid,
    upstreamPid: () => {
      const pid = server();
      if (pid === undefined) throw new Error('server-everything is no longer running on the runner');
      return pid;
    },
    runnerPids: () => [
      runner.pid,
      ...descendants(runner.pid)
        .filter((p) => p.comm === 'bwrap')
        .map((p) => p.pid),
    ],
  };
}

const RUNNER_ENTRY = fileURLToPath(new URL('./runner-process.ts', import.meta.url));
const EVERYTHING_NEEDLE = 'server-everything';
/** The proxy reads the live runners every 2 s; the runner announces itself once it listens. */
const ROUTED_WITHIN_MS = 20_000;

/** The first call, retried until the gateway has read the runner's announcement (or the deadline). */
async function firstCallOnRunner(sessions: EchoSession[], tool: string): Promise<void> {
  const deadline = Date.now() + ROUTED_WITHIN_MS;
  for (;;) {
    try {
      await firstCall('the runner-routed gateway', sessions, tool);
      return;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (Date.now() > deadline || !/no runner is available/.test(message)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The `node_modules` folder the stdio command's script lives in (bound read-only in the sandbox). */
function nodeModulesOf(command: StdioCommand): string {
  const script = command.args.find((a) => a.includes(`${path.sep}node_modules${path.sep}`));
  if (!script) throw new Error(`cannot tell where ${command.args.join(' ')} runs from`);
  const at = script.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  return script.slice(0, at + `${path.sep}node_modules`.length);
}

interface Proc {
  pid: number;
  comm: string;
  cmdline: string;
}

/** Every process under `pid` (breadth first), with its name and command line. */
function descendants(pid: number): Proc[] {
  const found: Proc[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of childPids(queue.shift()!)) {
      try {
        const comm = readFileSync(`/proc/${child}/comm`, 'utf8').trim();
        const cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8');
        found.push({ pid: child, comm, cmdline });
        queue.push(child);
      } catch {
        continue; // gone meanwhile
      }
    }
  }
  return found;
}

/**
 * The server-everything process on the runner: the deepest descendant running it that is not a
 * bwrap wrapper (bwrap's own command line names the command it runs).
 */
function serverUnder(runnerPid: number): number | undefined {
  return descendants(runnerPid)
    .filter((p) => p.comm !== 'bwrap' && p.cmdline.includes(EVERYTHING_NEEDLE))
    .at(-1)?.pid;
}
