import { constants as osConstants } from 'node:os';
import { JOIN_FAILED } from './resource-limits.ts';
import type { SandboxExit } from './sandbox-spec.ts';
import { plainExit } from './supervised-child.ts';

const SIGNAL_NAMES = new Map<number, string>();
// The first name wins where two share a number (SIGABRT, not SIGIOT).
for (const [name, number] of Object.entries(osConstants.signals))
  if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name);

/**
 * bwrap exits with 128+n when the server died of signal n, 1 with a `bwrap: ...` line when it
 * could not set the sandbox up, and 125 comes from the cgroup join before it.
 */
export function describeSandboxExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
  oomKilled: boolean,
  memoryBytes: number,
): SandboxExit {
  const killedBySignal = signal ?? (code !== null && code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined);
  if (oomKilled && killedBySignal === 'SIGKILL')
    return {
      reason: 'memory-limit',
      code,
      signal: 'SIGKILL',
      detail: `killed for exceeding its memory limit of ${Math.round(memoryBytes / 2 ** 20)} MiB`,
    };
  const setupError = stderr
    .split('\n')
    .find((line) => line.startsWith('bwrap: ') || line.startsWith('toolgate: '));
  if (setupError && (code === 1 || code === JOIN_FAILED))
    return { reason: 'start-failed', code, signal: null, detail: setupError };
  if (killedBySignal && !signal)
    return {
      reason: 'signal',
      code,
      signal: killedBySignal as NodeJS.Signals,
      detail: `killed by ${killedBySignal}`,
    };
  return plainExit(code, signal);
}
