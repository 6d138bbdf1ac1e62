import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { type AddressInfo, connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { UpstreamTarget } from '../types.ts';
import { waitUntil } from './processes.ts';

const require = createRequire(import.meta.url);
/** The package exports no main entry, so resolve its package.json and walk to dist/index.js. */
export const everythingEntry = join(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist/index.js',
);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export interface EverythingServer {
  port: number;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs @modelcontextprotocol/server-everything over HTTP (`PORT` picks its port). */
export async function startEverything(
  mode: 'sse' | 'streamableHttp',
  port?: number,
): Promise<EverythingServer> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, [everythingEntry, mode], {
    env: { PATH: process.env.PATH ?? '', PORT: String(chosen) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntil(
      async () => child.exitCode === null && (await accepts(chosen)),
      `server-everything (${mode}) listens on ${chosen}`,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; stderr: ${stderr}`);
  }
  return {
    port: chosen,
    url: `http://127.0.0.1:${chosen}/${mode === 'sse' ? 'sse' : 'mcp'}`,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export function everythingStdioTarget(key: string, env: Record<string, string> = {}): UpstreamTarget {
  return {
    key,
    label: `everything-${key}`,
    transport: 'stdio',
    command: process.execPath,
    args: [everythingEntry, 'stdio'],
    env,
  };
}
