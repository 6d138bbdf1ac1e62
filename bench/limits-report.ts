import { MiB } from './proc-stats.ts';
import { PHASES, type ModeResults, type Phase, type PhaseSample, type TargetResults } from './rounds.ts';
import { median } from './stats.ts';

type Pick = (s: PhaseSample) => number;

/** Issue 18: "the limiter adds ≤ 10 µs CPU per call", the gateway's CPU at c64, limits on − off. */
export const LIMITER_MAX_ADDED_CPU_US = 10;

const col = (t: TargetResults, phase: Phase, pick: Pick) => t.samples[phase].map(pick);
const differences = (off: number[], on: number[]) => on.map((v, i) => v - off[i]!);
const gatewayCpu: Pick = (s) => s.proxyCpuUs;
const signed = (v: number, digits: number) =>
  Number.isNaN(v) ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

/** BENCH_LIMITS: the plain gateway (`off`) and the limited one (`on`), in the same rounds. */
function limitsPair(results: ModeResults): { off: TargetResults; on: TargetResults } | undefined {
  const off = results.targets.find((t) => t.name === 'gateway');
  const on = results.targets.find((t) => t.name === 'limited');
  return off && on ? { off, on } : undefined;
}

/** The median of the per-round differences of the gateway's CPU per call at c64 (µs). */
const addedCpuC64 = (off: TargetResults, on: TargetResults) =>
  median(differences(col(off, 'c64', gatewayCpu), col(on, 'c64', gatewayCpu)));

export function limitsVerdicts(results: ModeResults): { pass: boolean; target: string; figure: string }[] {
  const pair = limitsPair(results);
  if (!pair) return [];
  const added = addedCpuC64(pair.off, pair.on);
  return [
    {
      pass: added <= LIMITER_MAX_ADDED_CPU_US,
      target: `limiter ≤ ${LIMITER_MAX_ADDED_CPU_US} µs CPU/call (c64)`,
      figure: `${signed(added, 1)} µs`,
    },
  ];
}

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
 * The gateway without limits (`gateway`) and with them (`limited`, its own process, same upstream
 * and the same Redis bus), measured side by side in every round: medians of the rounds, and the
 * median of the per-round paired differences (on − off), which cancel most of the machine's drift.
 */
export function renderLimits(results: ModeResults): string[] {
  const pair = limitsPair(results);
  if (!pair) return [];
  const { off, on } = pair;
  const rows: { label: string; phase: Phase; pick: Pick; digits: number }[] = [
    ...PHASES.map((phase) => ({
      label: `gateway CPU µs/call, ${phase}`,
      phase,
      pick: gatewayCpu,
      digits: 1,
    })),
    { label: 'c1 p50 latency (ms)', phase: 'c1', pick: (s) => s.p50Ms, digits: 3 },
    { label: 'c1 p99 latency (ms)', phase: 'c1', pick: (s) => s.p99Ms, digits: 3 },
    { label: 'c16 calls/s', phase: 'c16', pick: (s) => s.callsPerSecond, digits: 0 },
    { label: 'c64 calls/s', phase: 'c64', pick: (s) => s.callsPerSecond, digits: 0 },
  ];
  const table = [
    ['metric', 'off', 'on', 'on − off', 'per round on − off'],
    ...rows.map((row) => {
      const a = col(off, row.phase, row.pick);
      const b = col(on, row.phase, row.pick);
      const diff = differences(a, b);
      return [
        row.label,
        median(a).toFixed(row.digits),
        median(b).toFixed(row.digits),
        signed(median(diff), row.digits),
        diff.map((v) => signed(v, row.digits)).join(' '),
      ];
    }),
    [
      'gateway RSS after c64 (MiB)',
      (median(off.proxyRss) / MiB).toFixed(1),
      (median(on.proxyRss) / MiB).toFixed(1),
      signed(median(differences(off.proxyRss, on.proxyRss)) / MiB, 1),
      '',
    ],
  ];
  const added = addedCpuC64(off, on);
  return [
    `call limits on the hot path — off: the gateway as above (no limits); on: ${on.label}`,
    '(its own gateway process, same upstream, same Redis bus, measured in the same rounds):',
    '',
    ...formatTable(table),
    '',
    `limiter's CPU per call, c64 (median of per-round on − off): ${signed(added, 1)} µs` +
      ` (target ≤ ${LIMITER_MAX_ADDED_CPU_US} µs)`,
    `added c1 p50 latency: ${signed(
      median(
        differences(
          col(off, 'c1', (s) => s.p50Ms),
          col(on, 'c1', (s) => s.p50Ms),
        ),
      ) * 1000,
      0,
    )} µs`,
    'off and on: medians of the rounds; on − off: median of the per-round paired differences.',
    '',
  ];
}
