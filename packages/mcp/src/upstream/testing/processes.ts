import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { UpstreamTarget } from '../types.ts';

export interface ProcessInfo {
  pid: number;
  command: string;
}

/** Live (non-zombie) child processes of `parent`, from /proc. */
export function childProcesses(parent = process.pid): ProcessInfo[] {
  const children: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    let command: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      command = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    // Fields after the parenthesised command name: state, ppid, …
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === parent && state !== 'Z') children.push({ pid: Number(name), command });
  }
  return children;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `condition` until it holds or the deadline passes (then throws with `what`). */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const require = createRequire(import.meta.url);
const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
const stdioFixture = fileURLToPath(new URL('./stdio-fixture.ts', import.meta.url));

/** A stdio target running the fixture server under tsx, in one node process (no tsx wrapper). */
export function stdioFixtureTarget(key: string, env: Record<string, string> = {}): UpstreamTarget {
  return {
    key,
    label: `fixture-${key}`,
    transport: 'stdio',
    command: process.execPath,
    args: ['--import', tsxLoader, stdioFixture],
    env,
  };
}
