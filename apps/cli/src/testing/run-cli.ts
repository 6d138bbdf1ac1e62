import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
export const WEB_BUILD_ID = fileURLToPath(new URL('../../../web/.next/BUILD_ID', import.meta.url));

/** Environment for a child toolgate: the test's env minus anything that would leak in. */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  for (const k of [
    'DATABASE_URL',
    'REDIS_URL',
    'TOOLGATE_SESSION_KEYS',
    'TOOLGATE_SECRET_KEYS',
    'NODE_OPTIONS',
  ])
    delete env[k];
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env, cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`toolgate ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface StartedToolgate {
  child: ChildProcess;
  urls: { web?: string; proxy?: string; worker?: string; runner?: string };
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `toolgate <command>` and waits (with a deadline) until it prints its URLs. */
export async function startToolgate(
  command: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
): Promise<StartedToolgate> {
  if (command === 'start' || command === 'web') {
    if (!existsSync(WEB_BUILD_ID)) throw new Error('apps/web is not built: run `npm run build` first');
  }
  const child = spawn(process.execPath, [CLI_BIN, command], { env, cwd: REPO_ROOT });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`toolgate ${command} not ready in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      if (out.includes('Toolgate is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`toolgate ${command} exited with ${code} before it was ready:\n${out}`));
    });
  });

  const find = (label: string) => out.match(new RegExp(`${label}\\s+(http://[^\\s/]+)`))?.[1];
  return {
    child,
    urls: { web: find('Admin UI'), proxy: find('MCP'), worker: find('Worker'), runner: find('Runner') },
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
