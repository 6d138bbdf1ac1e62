import type { BenchEnv } from './env.ts';
import { MiB } from './proc-stats.ts';
import { PHASES, type ModeResults, type PhaseSample, type Phase } from './rounds.ts';
import { median } from './stats.ts';

type Pick = (s: PhaseSample) => number;

interface Row {
  label: string;
  direct?: number[];
  gateway: number[];
  format: (v: number) => string;
  /** Ratios make sense (both sides measured the same thing). */
  ratio: boolean;
  target?: string;
}

interface Verdict {
  pass: boolean;
  target: string;
  source: 'issue' | 'BENCHMARKS.md';
  figure: string;
}

const ms = (v: number) => v.toFixed(2);
const rate = (v: number) => Math.round(v).toString();
const micros = (v: number) => (Number.isNaN(v) ? '—' : Math.round(v).toString());
const mib = (v: number) => v.toFixed(1);
const times = (v: number) => `${v.toFixed(2)}×`;
const signedMs = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)} ms`;

/** Paired per-round values: gateway/direct, gateway−direct. */
const paired = (direct: number[], gateway: number[], op: (d: number, g: number) => number) =>
  gateway.map((g, i) => op(direct[i]!, g));

export function renderReport(results: ModeResults, auth: BenchEnv['BENCH_AUTH']): string {
  const { direct, gateway } = results.samples;
  const col = (samples: Record<Phase, PhaseSample[]>, phase: Phase, pick: Pick) => samples[phase].map(pick);
  const both = (phase: Phase, pick: Pick) => ({
    direct: col(direct, phase, pick),
    gateway: col(gateway, phase, pick),
  });
  const stdio = results.mode === 'stdio';

  const rows: Row[] = [
    {
      label: 'c1 p50 latency (ms)',
      ...both('c1', (s) => s.p50Ms),
      format: ms,
      ratio: true,
      target: stdio ? 'added ≤ 1 ms; ≤ 0.6 ms' : 'added ≤ 1 ms; added ≤ 0.2 ms',
    },
    { label: 'c1 p99 latency (ms)', ...both('c1', (s) => s.p99Ms), format: ms, ratio: true },
    { label: 'c16 calls/s', ...both('c16', (s) => s.callsPerSecond), format: rate, ratio: true },
    {
      label: 'c64 calls/s',
      ...both('c64', (s) => s.callsPerSecond),
      format: rate,
      ratio: true,
      target: stdio ? '≥ 0.60×; ≥ 3000/s' : '≥ 0.60×; ≥ 0.95×',
    },
    ...PHASES.map((phase): Row => ({
      label: `gateway CPU µs/call, ${phase}`,
      gateway: col(gateway, phase, (s) => s.gatewayCpuUs),
      format: micros,
      ratio: false,
      target: phase === 'c64' ? '≤ 150' : undefined,
    })),
    {
      label: 'upstream CPU µs/call, c64',
      ...both('c64', (s) => s.upstreamCpuUs),
      format: micros,
      ratio: true,
    },
    {
      label: 'bench client CPU µs/call, c64',
      ...both('c64', (s) => s.clientCpuUs),
      format: micros,
      ratio: true,
    },
    {
      label: 'gateway RSS at start (MiB)',
      gateway: [results.gatewayRssAtStart / MiB],
      format: mib,
      ratio: false,
    },
    {
      label: 'gateway RSS after c64 (MiB)',
      gateway: results.gatewayRss.map((b) => b / MiB),
      format: mib,
      ratio: false,
      target: '≤ 100',
    },
  ];

  const p50Added = paired(
    col(direct, 'c1', (s) => s.p50Ms),
    col(gateway, 'c1', (s) => s.p50Ms),
    (d, g) => g - d,
  );
  const c64Ratio = paired(
    col(direct, 'c64', (s) => s.callsPerSecond),
    col(gateway, 'c64', (s) => s.callsPerSecond),
    (d, g) => g / d,
  );
  const addedMs = median(p50Added);
  const c64Times = median(c64Ratio);
  const cpu = median(col(gateway, 'c64', (s) => s.gatewayCpuUs));
  const rss = median(results.gatewayRss) / MiB;
  const gatewayP50 = median(col(gateway, 'c1', (s) => s.p50Ms));
  const gatewayC64 = median(col(gateway, 'c64', (s) => s.callsPerSecond));

  const verdicts: Verdict[] = [
    { pass: addedMs <= 1, target: 'added c1 p50 ≤ 1 ms', source: 'issue', figure: signedMs(addedMs) },
    {
      pass: c64Times >= 0.6,
      target: 'c64 throughput ≥ 60% of direct',
      source: 'issue',
      figure: times(c64Times),
    },
    {
      pass: cpu <= 150,
      target: 'gateway CPU ≤ 150 µs per call (c64)',
      source: 'BENCHMARKS.md',
      figure: `${micros(cpu)} µs`,
    },
    ...(stdio
      ? [
          {
            pass: gatewayP50 <= 0.6,
            target: 'stdio upstream: c1 p50 ≤ 0.6 ms',
            source: 'BENCHMARKS.md' as const,
            figure: `${ms(gatewayP50)} ms`,
          },
          {
            pass: gatewayC64 >= 3000,
            target: 'stdio upstream: ≥ 3000 calls/s at c64',
            source: 'BENCHMARKS.md' as const,
            figure: `${rate(gatewayC64)} calls/s`,
          },
        ]
      : [
          {
            pass: c64Times >= 0.95,
            target: 'HTTP upstream: c64 ≥ 0.95× direct calls/s',
            source: 'BENCHMARKS.md' as const,
            figure: times(c64Times),
          },
          {
            pass: addedMs <= 0.2,
            target: 'HTTP upstream: added c1 p50 ≤ 0.2 ms',
            source: 'BENCHMARKS.md' as const,
            figure: signedMs(addedMs),
          },
        ]),
    {
      pass: rss <= 100,
      target: 'gateway RSS after c64 ≤ 100 MiB',
      source: 'BENCHMARKS.md',
      figure: `${mib(rss)} MiB`,
    },
  ];

  const table = [
    ['metric', 'direct', 'gateway', 'gw/direct', 'per round', 'target'],
    ...rows.map((row) => {
      const perRound =
        row.ratio && row.direct
          ? paired(row.direct, row.gateway, (d, g) => g / d).map((v) => v.toFixed(2))
          : row.gateway.map(row.format);
      const ratio =
        row.ratio && row.direct ? times(median(paired(row.direct, row.gateway, (d, g) => g / d))) : '';
      return [
        row.label,
        row.direct ? row.format(median(row.direct)) : '—',
        row.format(median(row.gateway)),
        ratio,
        perRound.join(' '),
        row.target ?? '',
      ];
    }),
  ];
  const added = `added c1 p50 (gateway − direct): ${signedMs(addedMs)}  [per round ${p50Added.map((v) => v.toFixed(2)).join(' ')}]`;
  const errorCount = (['direct', 'gateway'] as const).flatMap((t) =>
    PHASES.flatMap((p) => results.samples[t][p].map((s) => s.errors)),
  );
  const totalErrors = errorCount.reduce((a, b) => a + b, 0);
  const other = (['direct', 'gateway'] as const).flatMap((t) =>
    PHASES.flatMap((p) => results.samples[t][p].map((s) => s.otherCores)),
  );
  const otherMax = Math.max(...other);
  const noise =
    `other processes on the machine: median ${median(other).toFixed(2)}, max ${otherMax.toFixed(2)} cores` +
    (otherMax > 0.25 ? ' — the cores were shared during the run: compare only figures side by side' : '');
  const title = stdio ? 'upstream over stdio' : 'upstream over Streamable HTTP';

  return [
    '',
    `== ${title} — gateway auth ${auth} — medians of ${results.rounds} interleaved rounds ==`,
    '',
    ...formatTable(table),
    '',
    added,
    `errors: ${totalErrors}`,
    noise,
    '',
    ...verdicts.map(
      (v) => `${v.pass ? 'PASS' : 'MISS'}  ${v.target.padEnd(44)} ${v.figure.padStart(16)}   (${v.source})`,
    ),
    '',
  ].join('\n');
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
