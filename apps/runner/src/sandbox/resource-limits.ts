import { access, constants } from 'node:fs/promises';
import { type CgroupHost, collectStaleCgroups, createSandboxCgroup, detectCgroups } from './cgroups.ts';
import type { SandboxLimits } from './sandbox-spec.ts';

/**
 * How a sandboxed server's memory, CPU and task count are bounded, chosen once per runner:
 * cgroups where the host lets the runner make them (all three limits, and the kernel reports an
 * OOM kill), else rlimits through prlimit (memory only, see `prlimitArgs`), else nothing.
 */
export type LimitMechanism =
  | { kind: 'cgroup-v1' | 'cgroup-v2'; cgroups: CgroupHost }
  | { kind: 'rlimit'; prlimit: string; why: string }
  | { kind: 'none'; why: string };

export const PRLIMIT = '/usr/bin/prlimit';
const SH = '/bin/sh';

export async function detectLimitMechanism(prlimit = PRLIMIT): Promise<LimitMechanism> {
  const cgroups = await detectCgroups();
  if (typeof cgroups !== 'string')
    return { kind: cgroups.version === 1 ? 'cgroup-v1' : 'cgroup-v2', cgroups };
  const hasPrlimit = await access(prlimit, constants.X_OK).then(
    () => true,
    () => false,
  );
  if (hasPrlimit) return { kind: 'rlimit', prlimit, why: cgroups };
  return { kind: 'none', why: `${cgroups}; and ${prlimit} (util-linux) is missing` };
}

/** A sentence for the start-up log: what is enforced, and what is not. */
export function describeLimits(mechanism: LimitMechanism): string {
  switch (mechanism.kind) {
    case 'cgroup-v1':
    case 'cgroup-v2':
      return `resource limits through ${mechanism.kind.replace('-', ' ')}: memory, CPU quota and task count per server`;
    case 'rlimit':
      return (
        `resource limits through rlimits (${mechanism.why}): memory only (RLIMIT_DATA, which counts private ` +
        'virtual memory, well above resident memory for Node.js; and a bounded /tmp); CPU and task count are not limited'
      );
    case 'none':
      return `NO resource limits (${mechanism.why})`;
  }
}

/**
 * The prlimit wrapper. RLIMIT_DATA bounds a process's heap and private mappings (RLIMIT_AS would
 * stop Node.js at start-up: V8 reserves far more address space than it uses). RLIMIT_NPROC is
 * not used: it counts every process of the runner's user, and is not enforced for root at all.
 */
export function prlimitArgs(prlimit: string, limits: SandboxLimits): string[] {
  return [prlimit, `--data=${limits.memoryBytes}`, '--core=0', '--'];
}

/**
 * Joins the cgroups before exec'ing the real command, so bwrap and everything it starts are
 * inside from their first instruction (writing the pid after spawning would race the first fork).
 * Exits 125 when a cgroup cannot be joined.
 */
export const JOIN_SCRIPT =
  'p=$$; while [ "$1" != -- ]; do echo "$p" > "$1" || { echo "toolgate: cannot join cgroup $1" >&2; exit 125; }; shift; done; shift; exec "$@"';
export const JOIN_FAILED = 125;

export interface AppliedLimits {
  /** Goes in front of the bwrap command line. */
  wrapper: string[];
  /** Whether the kernel killed a process of this server for memory. */
  oomKilled(): Promise<boolean>;
  release(): Promise<void>;
}

export async function applyLimits(
  mechanism: LimitMechanism,
  id: string,
  limits: SandboxLimits,
): Promise<AppliedLimits> {
  switch (mechanism.kind) {
    case 'cgroup-v1':
    case 'cgroup-v2': {
      const cgroup = await createSandboxCgroup(mechanism.cgroups, id, limits);
      return {
        wrapper: [SH, '-c', JOIN_SCRIPT, 'toolgate-cgroup-join', ...cgroup.procsFiles, '--'],
        oomKilled: async () => (await cgroup.oomKills()) > 0,
        release: () => cgroup.release(),
      };
    }
    case 'rlimit':
      return {
        wrapper: prlimitArgs(mechanism.prlimit, limits),
        oomKilled: async () => false,
        release: async () => {},
      };
    case 'none':
      return { wrapper: [], oomKilled: async () => false, release: async () => {} };
  }
}

/** Removes what runners killed before they could clean up left behind; the count removed. */
export async function collectStaleLimits(mechanism: LimitMechanism): Promise<number> {
  return mechanism.kind === 'cgroup-v1' || mechanism.kind === 'cgroup-v2'
    ? collectStaleCgroups(mechanism.cgroups)
    : 0;
}

/** The folders under which this runner makes its servers' cgroups (none without cgroups). */
export function cgroupParents(mechanism: LimitMechanism): string[] {
  if (mechanism.kind !== 'cgroup-v1' && mechanism.kind !== 'cgroup-v2') return [];
  const { cgroups } = mechanism;
  return cgroups.version === 1 ? Object.values(cgroups.parents) : [cgroups.parent];
}
