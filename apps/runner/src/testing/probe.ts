import { readFile, readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { SandboxedProcess, SandboxSpec } from '../sandbox/sandbox-spec.ts';

/** The probe server and the folder it lives in (bound read-only into sandboxes that run it). */
export const PROBE_SERVER = new URL('./probe-server.mjs', import.meta.url).pathname;
export const TESTING_DIR = new URL('.', import.meta.url).pathname.replace(/\/$/, '');

export const MiB = 1024 * 1024;

/**
 * A spec running the probe server with small limits (256 MiB leaves room for Node.js under rlimits,
 * which count virtual memory); `overrides` replace fields whole.
 */
export function probeSpec(workDir: string, overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    id: `probe-${Math.random().toString(36).slice(2, 10)}`,
    command: process.execPath,
    args: [PROBE_SERVER],
    env: { PROBE_GREETING: 'hello' },
    workDir,
    network: 'none',
    limits: { memoryBytes: 256 * MiB, cpuPercent: 100, maxProcesses: 64 },
    readOnlyPaths: [TESTING_DIR],
    ...overrides,
  };
}

export interface ProbeAnswer {
  ok: boolean;
  error?: string;
  [field: string]: unknown;
}

/** Sends one request at a time to a probe server and reads its answer line. */
export function probeClient(
  server: SandboxedProcess,
): (request: Record<string, unknown>) => Promise<ProbeAnswer> {
  const lines = createInterface({ input: server.stdout });
  const waiting: { resolve: (answer: ProbeAnswer) => void; reject: (err: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line) as ProbeAnswer));
  lines.on('close', () => {
    for (const pending of waiting.splice(0)) pending.reject(new Error('the probe server closed its stdout'));
  });
  return (request) =>
    new Promise<ProbeAnswer>((resolve, reject) => {
      waiting.push({ resolve, reject });
      server.stdin.write(`${JSON.stringify(request)}\n`);
    });
}

/** Host pids whose command line contains `marker` (how a test finds what a sandbox left behind). */
export async function pidsWithMarker(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(marker)) pids.push(Number(entry));
  }
  return pids;
}
