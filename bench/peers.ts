import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { childPids } from './proc-stats.ts';

/**
 * The open-source MCP proxies Toolgate is compared with (BENCH_PEERS=1), pinned. They are not
 * dependencies of the repository: the bench installs them into a cache folder with npm.
 */
export const PEERS = { 'mcp-proxy': '6.7.19', 'mcp-hub': '4.2.1' } as const;
export type PeerName = keyof typeof PEERS;

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_PEERS_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'toolgate-bench-peers');
const BIN: Record<PeerName, string> = { 'mcp-proxy': 'dist/bin/mcp-proxy.mjs', 'mcp-hub': 'dist/cli.js' };
const START_TIMEOUT_MS = 60_000;
const OUTPUT_TAIL_CHARS = 4_000;

export interface StdioCommand {
  command: string;
  args: string[];
}

export interface PeerProcess {
  /** The peer's MCP endpoint. */
  url: string;
  pid: number;
  /** The stdio server the peer spawned (found by a word of its command line). */
  upstreamPid(): number;
  stop(): Promise<void>;
}

function installedVersion(dir: string, name: PeerName): string | undefined {
  const file = join(dir, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
}

/**
 * Makes sure the pinned peers are installed in `dir` (npm install --prefix, nothing saved in the
 * repository's package.json or lock file) and returns the entry point of each one's CLI.
 */
export async function ensurePeers(dir: string): Promise<Record<PeerName, string>> {
  const names = Object.keys(PEERS) as PeerName[];
  if (names.some((name) => installedVersion(dir, name) !== PEERS[name])) {
    const specs = names.map((name) => `${name}@${PEERS[name]}`);
    process.stderr.write(`installing ${specs.join(' ')} into ${dir}\n`);
    await promisify(execFile)(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        ...specs,
      ],
      { cwd: tmpdir(), maxBuffer: 16 * 1024 * 1024 },
    );
    for (const name of names) {
      const version = installedVersion(dir, name);
      if (version !== PEERS[name])
        throw new Error(`${name}: npm installed ${version ?? 'nothing'}, not ${PEERS[name]}`);
    }
  }
  return Object.fromEntries(
    names.map((name) => [name, join(dir, 'node_modules', name, BIN[name])]),
  ) as Record<PeerName, string>;
}

// Peers still running when the bench exits (a crash included) are killed.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function getText(url: string): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
  });
}

/** The first descendant of `pid` whose command line contains `needle`. */
export function descendantWith(pid: number, needle: string): number | undefined {
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of childPids(queue.shift()!)) {
      try {
        if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(needle)) return child;
      } catch {
        continue; // gone meanwhile
      }
      queue.push(child);
    }
  }
  return undefined;
}

interface Launch {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Resolves once the peer serves MCP; `output` is the tail of what it printed. */
  ready(output: () => string): Promise<void>;
  url: string;
  upstreamNeedle: string;
  cleanup?(): void;
}

async function launch(spec: Launch): Promise<PeerProcess> {
  const child = spawn(process.execPath, spec.args, {
    cwd: REPO_ROOT,
    env: spec.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    spec.cleanup?.();
  };
  try {
    await Promise.race([
      spec.ready(() => output),
      exited.then(() => {
        throw new Error(`${spec.name} exited during start-up:\n${output}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: spec.url,
    pid: child.pid!,
    upstreamPid() {
      const pid = descendantWith(child.pid!, spec.upstreamNeedle);
      if (pid === undefined) throw new Error(`${spec.name} has no child running ${spec.upstreamNeedle}`);
      return pid;
    },
    stop,
  };
}

async function until(what: string, output: () => string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`${what} was not ready within ${START_TIMEOUT_MS} ms:\n${output()}`);
    await delay(100);
  }
}

const baseEnv = (env: { PATH: string; HOME: string }) => ({
  PATH: env.PATH,
  HOME: env.HOME,
  LANG: 'C.UTF-8',
});

/**
 * mcp-proxy as its README runs it: `mcp-proxy --port <port> -- <command> <args…>`, defaults
 * otherwise (Streamable HTTP on `/mcp` and SSE on `/sse`, sessions, event store). It spawns the
 * server over stdio and multiplexes every client session onto that one connection.
 */
export async function startMcpProxy(
  bin: string,
  upstream: StdioCommand,
  upstreamNeedle: string,
  env: { PATH: string; HOME: string },
): Promise<PeerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  return launch({
    name: 'mcp-proxy',
    args: [bin, '--host', '127.0.0.1', '--port', String(port), '--', upstream.command, ...upstream.args],
    env: baseEnv(env),
    url,
    upstreamNeedle,
    ready: (output) =>
      until('mcp-proxy', output, async () => {
        // Any HTTP answer means it listens; the upstream connection is made at start-up.
        const reply = await getText(`http://127.0.0.1:${port}/ping`);
        return reply !== undefined;
      }),
  });
}

/**
 * mcp-hub as its README runs it: `mcp-hub --port <port> --config <file>` with the server in
 * `mcpServers`. Its MCP endpoint is `/mcp`, served over the 2024-11-05 HTTP+SSE transport (GET
 * `/mcp` streams, POST `/messages?sessionId=…`); tools are listed as `<server>__<tool>`. Its logs
 * and workspace cache go to a throwaway XDG_STATE_HOME.
 */
export async function startMcpHub(
  bin: string,
  upstream: StdioCommand,
  serverName: string,
  upstreamNeedle: string,
  env: { PATH: string; HOME: string },
): Promise<PeerProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-mcp-hub-'));
  const config = join(dir, 'mcp-servers.json');
  writeFileSync(
    config,
    JSON.stringify({ mcpServers: { [serverName]: { command: upstream.command, args: upstream.args } } }),
  );
  return launch({
    name: 'mcp-hub',
    args: [bin, '--port', String(port), '--config', config],
    env: { ...baseEnv(env), XDG_STATE_HOME: join(dir, 'state'), XDG_CONFIG_HOME: join(dir, 'config') },
    url: `http://127.0.0.1:${port}/mcp`,
    upstreamNeedle,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    ready: (output) =>
      until('mcp-hub', output, async () => {
        const reply = await getText(`http://127.0.0.1:${port}/api/health`);
        if (reply?.status !== 200) return false;
        const health = JSON.parse(reply.text) as {
          state?: string;
          servers?: { name?: string; status?: string }[];
        };
        return (
          health.state === 'ready' &&
          (health.servers ?? []).some((s) => s.name === serverName && s.status === 'connected')
        );
      }),
  });
}
