import { describe, expect, it } from 'vitest';
import { describeSandboxExit } from './sandbox-exit.ts';

const MiB = 2 ** 20;

describe('describeSandboxExit', () => {
  it('calls a SIGKILL after an OOM kill in the cgroup the memory limit', () => {
    expect(describeSandboxExit(137, null, '', true, 64 * MiB)).toEqual({
      reason: 'memory-limit',
      code: 137,
      signal: 'SIGKILL',
      detail: 'killed for exceeding its memory limit of 64 MiB',
    });
  });

  it('does not blame memory for a SIGKILL without an OOM kill', () => {
    expect(describeSandboxExit(137, null, '', false, 64 * MiB)).toMatchObject({
      reason: 'signal',
      signal: 'SIGKILL',
    });
  });

  it("reads bwrap's 128+n exit as the server's signal, by its usual name", () => {
    expect(describeSandboxExit(134, null, '', false, MiB)).toMatchObject({
      reason: 'signal',
      signal: 'SIGABRT',
    });
  });

  it("reports bwrap's own set-up error as a failed start", () => {
    const stderr = 'bwrap: execvp /opt/server: No such file or directory\n';
    expect(describeSandboxExit(1, null, stderr, false, MiB)).toEqual({
      reason: 'start-failed',
      code: 1,
      signal: null,
      detail: 'bwrap: execvp /opt/server: No such file or directory',
    });
  });

  it('reports a cgroup that could not be joined as a failed start', () => {
    const stderr = 'toolgate: cannot join cgroup /sys/fs/cgroup/pids/x/cgroup.procs\n';
    expect(describeSandboxExit(125, null, stderr, false, MiB)).toMatchObject({ reason: 'start-failed' });
  });

  it("takes a server's own exit code as it is", () => {
    expect(describeSandboxExit(1, null, 'Error: missing API key\n', false, MiB)).toMatchObject({
      reason: 'exited',
      code: 1,
    });
    expect(describeSandboxExit(0, null, '', false, MiB)).toMatchObject({ reason: 'exited', code: 0 });
  });

  it('reports the runner-side process killed by a signal', () => {
    expect(describeSandboxExit(null, 'SIGKILL', '', false, MiB)).toMatchObject({
      reason: 'signal',
      signal: 'SIGKILL',
    });
  });
});
