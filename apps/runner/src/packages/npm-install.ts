import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import type { PackageRef } from './package-spec.ts';

export interface NpmInstallOptions {
  /** The folder to install into (it has a package.json of its own, so npm looks no further up). */
  cwd: string;
  /** HOME of npm (its cache and config live there): the runner's, never the user's. */
  home: string;
  registry: string;
  timeoutMs: number;
}

/** Kept of npm's output, for the reason of a failure. */
const MAX_OUTPUT = 64 * 1024;

/**
 * `npm install --ignore-scripts <name>@<version>` into `cwd`, with an environment of its own: PATH
 * (the runner's Node.js first, then the system's), HOME, the registry and nothing else, so no
 * Toolgate secret, proxy token or npm credential of the host reaches npm. Install scripts never
 * run (the package's code runs only inside the sandbox). Resolves on success; rejects with
 * `npm could not install <pkg>@<ver>: <why>`.
 */
export async function npmInstall(ref: PackageRef, options: NpmInstallOptions): Promise<void> {
  const spec = `${ref.name}@${ref.version}`;
  const args = [
    'install',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--omit=dev',
    // Not --prefix: it also moves npm's global config (the host's CA file, for one) to the prefix.
    spec,
  ];
  const env = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: options.home,
    npm_config_cache: `${options.home}/cache`,
    npm_config_userconfig: `${options.home}/npmrc`,
    npm_config_registry: options.registry,
    npm_config_update_notifier: 'false',
  };
  const output: string[] = [];
  let size = 0;
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    size += chunk.length;
    while (size > MAX_OUTPUT && output.length > 1) size -= output.shift()!.length;
  };
  const result = await new Promise<{ code: number | null; error?: string; timedOut: boolean }>((resolve) => {
    // Its own process group, so a timeout kills whatever npm started too.
    const child = spawn('npm', args, {
      cwd: options.cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        code: null,
        error: err.code === 'ENOENT' ? 'npm was not found on PATH' : err.message,
        timedOut,
      });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut });
    });
  });
  if (result.code === 0) return;
  const why = result.timedOut
    ? `npm did not finish within ${options.timeoutMs} ms`
    : (result.error ?? npmFailure(ref, output.join(''), options.registry, result.code));
  throw new Error(`npm could not install ${spec}: ${why}`);
}

const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENETUNREACH',
]);

/** Why npm failed, in words an admin can act on, from its `npm error code …` lines. */
export function npmFailure(
  ref: PackageRef,
  output: string,
  registry: string,
  exitCode: number | null,
): string {
  const lines = output.split('\n').map((line) => line.replace(/^npm (?:error|ERR!) ?/, '').trim());
  const code = lines.map((line) => /^code (E[A-Z0-9_]+)$/.exec(line)?.[1]).find(Boolean);
  const spec = `${ref.name}@${ref.version}`;
  if (code === 'ETARGET') {
    const missing = lines
      .map((line) => /No matching version found for (\S+?)\.?$/.exec(line)?.[1])
      .find(Boolean);
    return !missing || missing === spec
      ? 'no such version'
      : `a dependency has no matching version (${missing})`;
  }
  if (code === 'E404') {
    const missing = lines.map((line) => /'(.+)' could not be found/.exec(line)?.[1]).find(Boolean);
    return !missing || missing === spec || missing.startsWith(`${ref.name}@`)
      ? 'no such package'
      : `a dependency was not found in the registry (${missing})`;
  }
  if (code === 'E401' || code === 'E403') return `the registry ${registry} refused access (${code})`;
  if (code && NETWORK_CODES.has(code)) return `the registry ${registry} could not be reached (${code})`;
  const last = lines.filter((line) => line && !line.startsWith('A complete log of this run')).pop();
  if (code) return `${code}${last ? `: ${last}` : ''}`;
  return `npm exited with code ${String(exitCode)}${last ? `: ${last}` : ''}`;
}
