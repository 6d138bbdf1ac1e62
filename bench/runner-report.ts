import { MiB } from './proc-stats.ts';
import { PHASES, type ModeResults, type PhaseSample, type Phase, type TargetResults } from './rounds.ts';
import { median } from './stats.ts';

type Pick = (s: PhaseSample) => number;

const ms = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(2));
const micros = (v: number) => (Number.isNaN(v) ? '—' : Math.round(v).toString());
const rate = (v: number) => Math.round(v).toString();
const times = (v: number) => (Number.isNaN(v) ? '—' : `${v.toFixed(2)}×`);
const signed = (v: number, unit: string) =>
  `${v >= 0 ? '+' : ''}${unit === 'ms' ? v.toFixed(2) : Math.round(v)} ${unit}`;

const col = (t: TargetResults, phase: Phase, pick: Pick) => t.samples[phase].map(pick);
const paired = (a: number[], b: number[], op: (x: number, y: number) => number) =>
  b.map((y, i) => op(a[i]!, y));

/** CPU of the path the hop adds to: the proxy, plus the runner (and its sandbox wrappers) if any. */
const hopCpu: Pick = (s) => s.proxyCpuUs + (Number.isNaN(s.runnerCpuUs) ? 0 : s.runnerCpuUs);
const pathCpu: Pick = (s) => hopCpu(s) + s.upstreamCpuUs;

function formatTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 || c >= 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
}

/**
 * BENCH_RUNNER: the gateway that spawns server-everything itself (`local`) against the gateway
 * whose installation runs on a runner (`runner`), measured in the same rounds. CPU per call of the
 * runner side is the gateway's plus the runner's (with its bwrap wrappers); ratios are medians of
 * per-round paired ratios.
 */
export function renderRunner(results: ModeResults): string[] {
  const local = results.targets.find((t) => t.name === 'gateway');
  const sandbox = results.targets.find((t) => t.name === 'runner-sandbox');
  const plain = results.targets.find((t) => t.name === 'runner-process');
  if (!local) return [];
  return [
    ...(sandbox ? renderHop(local, sandbox) : []),
    ...(plain ? renderHop(local, plain) : []),
    ...(sandbox && plain ? renderSandboxCost(sandbox, plain) : []),
  ];
}

/** BENCH_RUNNER=both: the sandbox's own cost, the two runner targets paired round by round. */
function renderSandboxCost(sandbox: TargetResults, plain: TargetResults): string[] {
  const line = (label: string, phase: Phase, pick: Pick) => {
    const ratios = paired(col(plain, phase, pick), col(sandbox, phase, pick), (x, y) => y / x);
    return `  ${label.padEnd(34)} ${times(median(ratios))}  [per round ${ratios.map((v) => v.toFixed(2)).join(' ')}]`;
  };
  return [
    'the sandbox alone — runner with the bubblewrap sandbox ÷ runner with plain processes (same rounds):',
    line('proxy + runner CPU per call, c64', 'c64', hopCpu),
    line('  of which runner, c64', 'c64', (s) => s.runnerCpuUs),
    line('server CPU per call, c64', 'c64', (s) => s.upstreamCpuUs),
    line('proxy + runner + server, c64', 'c64', pathCpu),
    line('c1 p50 latency', 'c1', (s) => s.p50Ms),
    line('c64 calls/s', 'c64', (s) => s.callsPerSecond),
    '',
  ];
}

function renderHop(local: TargetResults, hop: TargetResults): string[] {
  const rows: { label: string; phase: Phase; pick: Pick; hopPick?: Pick; format: (v: number) => string }[] = [
    ...PHASES.map((phase) => ({
      label: `proxy + runner CPU µs/call, ${phase}`,
      phase,
      pick: hopCpu,
      format: micros,
    })),
    { label: '  of which gateway, c64', phase: 'c64', pick: (s) => s.proxyCpuUs, format: micros },
    { label: '  of which runner, c64', phase: 'c64', pick: (s) => s.runnerCpuUs, format: micros },
    { label: 'server CPU µs/call, c64', phase: 'c64', pick: (s) => s.upstreamCpuUs, format: micros },
    { label: 'proxy + runner + server, c64', phase: 'c64', pick: pathCpu, format: micros },
    { label: 'c1 p50 latency (ms)', phase: 'c1', pick: (s) => s.p50Ms, format: ms },
    { label: 'c1 p99 latency (ms)', phase: 'c1', pick: (s) => s.p99Ms, format: ms },
    { label: 'c16 calls/s', phase: 'c16', pick: (s) => s.callsPerSecond, format: rate },
    { label: 'c64 calls/s', phase: 'c64', pick: (s) => s.callsPerSecond, format: rate },
  ];
  const table = [
    ['metric', 'local', 'runner', 'runner/local', 'per round runner/local'],
    ...rows.map((row) => {
      const a = col(local, row.phase, row.pick);
      const b = col(hop, row.phase, row.pick);
      const ratios = paired(a, b, (x, y) => y / x);
      const comparable = a.every((v) => !Number.isNaN(v));
      return [
        row.label,
        row.format(median(a)),
        row.format(median(b)),
        comparable ? times(median(ratios)) : '',
        comparable ? ratios.map((v) => v.toFixed(2)).join(' ') : b.map(row.format).join(' '),
      ];
    }),
    [
      'RSS after c64 (MiB): gateway',
      (median(local.proxyRss) / MiB).toFixed(1),
      (median(hop.proxyRss) / MiB).toFixed(1),
      '',
      '',
    ],
    ['RSS after c64 (MiB): runner', '—', (median(hop.runnerRss) / MiB).toFixed(1), '', ''],
  ];
  const added = (phase: Phase, pick: Pick) =>
    paired(col(local, phase, pick), col(hop, phase, pick), (x, y) => y - x);
  const addedLine = (what: string, phase: Phase, pick: Pick, unit: string) => {
    const values = added(phase, pick);
    return `${what}: ${signed(median(values), unit)}  [per round ${values.map((v) => signed(v, unit).replace(` ${unit}`, '')).join(' ')}]`;
  };
  return [
    `self-hosted server on a runner — local: ${local.label}, spawning server-everything itself;`,
    `runner: ${hop.label}, its own gateway process (TOOLGATE_RUNNERS=true) and a runner process, same rounds:`,
    '',
    ...formatTable(table),
    '',
    ...PHASES.map((phase) => addedLine(`added proxy + runner CPU per call, ${phase}`, phase, hopCpu, 'µs')),
    addedLine('added c1 p50 latency', 'c1', (s) => s.p50Ms, 'ms'),
    addedLine('added c1 p99 latency', 'c1', (s) => s.p99Ms, 'ms'),
    'local and runner: medians of the rounds; runner/local: median of the per-round paired ratios.',
    '',
  ];
}
