import type { BenchEnv } from './env.ts';
import { MiB } from './proc-stats.ts';
import { PHASES, type ModeResults, type PhaseSample, type Phase, type TargetResults } from './rounds.ts';
import { limitsVerdicts, renderLimits } from './limits-report.ts';
import { renderRunner } from './runner-report.ts';
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
  figure: string;
}

const ms = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(2));
const rate = (v: number) => Math.round(v).toString();
const micros = (v: number) => (Number.isNaN(v) ? '—' : Math.round(v).toString());
const mib = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(1));
const times = (v: number) => `${v.toFixed(2)}×`;
const count = (v: number) => v.toLocaleString('en-US');
const signedMs = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)} ms`;

/** Paired per-round values: other/direct, other−direct. */
const paired = (direct: number[], other: number[], op: (d: number, o: number) => number) =>
  other.map((o, i) => op(direct[i]!, o));

const col = (t: TargetResults, phase: Phase, pick: Pick) => t.samples[phase].map(pick);

/**
 * The targets of the issue "The proxy in layers, lean at run time" (the same figures as
 * BENCHMARKS.md "where Toolgate should land"), for the gateway of one mode.
 */
const TARGETS = {
  cpuHttp: 120,
  cpuStdio: 80,
  c64TimesDirectHttp: 0.95,
  addedP50MsHttp: 0.3,
  rssMiB: 100,
  listP50Ms: 2,
  /** Issue "Speed": a realistic policy set costs ≤ 10% more gateway CPU per call than none. */
  governanceCpuRatio: 1.1,
} as const;

function verdicts(results: ModeResults, direct: TargetResults, gateway: TargetResults): Verdict[] {
  const stdio = results.mode === 'stdio';
  const addedMs = median(
    paired(
      col(direct, 'c1', (s) => s.p50Ms),
      col(gateway, 'c1', (s) => s.p50Ms),
      (d, g) => g - d,
    ),
  );
  const c64Times = median(
    paired(
      col(direct, 'c64', (s) => s.callsPerSecond),
      col(gateway, 'c64', (s) => s.callsPerSecond),
      (d, g) => g / d,
    ),
  );
  const cpu = median(col(gateway, 'c64', (s) => s.proxyCpuUs));
  const rss = median(gateway.proxyRss) / MiB;
  const cpuTarget = stdio ? TARGETS.cpuStdio : TARGETS.cpuHttp;
  const list: Verdict[] =
    gateway.list.length > 0
      ? [
          {
            pass: median(gateway.list.map((s) => s.p50Ms)) <= TARGETS.listP50Ms,
            target: `tools/list of ${count(results.listTools)} tools p50 ≤ ${TARGETS.listP50Ms} ms`,
            figure: `${ms(median(gateway.list.map((s) => s.p50Ms)))} ms`,
          },
        ]
      : [];
  return [
    {
      pass: cpu <= cpuTarget,
      target: `gateway CPU ≤ ${cpuTarget} µs per call (c64, ${stdio ? 'stdio' : 'HTTP'})`,
      figure: `${micros(cpu)} µs`,
    },
    ...(stdio
      ? []
      : [
          {
            pass: c64Times >= TARGETS.c64TimesDirectHttp,
            target: `c64 calls/s ≥ ${TARGETS.c64TimesDirectHttp.toFixed(2)}× direct`,
            figure: times(c64Times),
          },
          {
            pass: addedMs <= TARGETS.addedP50MsHttp,
            target: `added c1 p50 ≤ ${TARGETS.addedP50MsHttp} ms`,
            figure: signedMs(addedMs),
          },
        ]),
    {
      pass: rss <= TARGETS.rssMiB,
      target: `gateway RSS after c64 ≤ ${TARGETS.rssMiB} MiB`,
      figure: `${mib(rss)} MiB`,
    },
    ...list,
  ];
}

/** BENCH_GOVERNANCE: the plain gateway and the governed one, in the same rounds. */
function governancePair(results: ModeResults): { off: TargetResults; on: TargetResults } | undefined {
  const off = results.targets.find((t) => t.name === 'gateway');
  const on = results.targets.find((t) => t.name === 'governed');
  return off && on ? { off, on } : undefined;
}

const cpuRatio = (off: TargetResults, on: TargetResults, phase: Phase) =>
  paired(
    col(off, phase, (s) => s.proxyCpuUs),
    col(on, phase, (s) => s.proxyCpuUs),
    (o, g) => g / o,
  );

function governanceVerdicts(results: ModeResults): Verdict[] {
  const pair = governancePair(results);
  if (!pair) return [];
  const ratio = median(cpuRatio(pair.off, pair.on, 'c64'));
  return [
    {
      pass: ratio <= TARGETS.governanceCpuRatio,
      target: `governed CPU ≤ ${TARGETS.governanceCpuRatio.toFixed(2)}× ungoverned (c64)`,
      figure: times(ratio),
    },
  ];
}

/**
 * The gateway without governance (`gateway`) and with it (`governed`, its own process, same
 * upstream), measured side by side in every round: medians of the rounds, and the median of the
 * per-round paired ratios and differences.
 */
function renderGovernance(results: ModeResults): string[] {
  const pair = governancePair(results);
  if (!pair) return [];
  const { off, on } = pair;
  const rows: { label: string; phase: Phase; pick: Pick; format: (v: number) => string; target?: string }[] =
    [
      ...PHASES.map((phase) => ({
        label: `gateway CPU µs/call, ${phase}`,
        phase,
        pick: (s: PhaseSample) => s.proxyCpuUs,
        format: micros,
        target: phase === 'c64' ? `≤ ${TARGETS.governanceCpuRatio.toFixed(2)}×` : undefined,
      })),
      { label: 'c1 p50 latency (ms)', phase: 'c1', pick: (s) => s.p50Ms, format: ms },
      { label: 'c1 p99 latency (ms)', phase: 'c1', pick: (s) => s.p99Ms, format: ms },
      { label: 'c64 calls/s', phase: 'c64', pick: (s) => s.callsPerSecond, format: rate },
      { label: 'upstream CPU µs/call, c64', phase: 'c64', pick: (s) => s.upstreamCpuUs, format: micros },
    ];
  const table = [
    ['metric', 'off', 'on', 'on/off', 'per round on/off', 'target'],
    ...rows.map((row) => {
      const ratios = paired(col(off, row.phase, row.pick), col(on, row.phase, row.pick), (o, g) => g / o);
      return [
        row.label,
        row.format(median(col(off, row.phase, row.pick))),
        row.format(median(col(on, row.phase, row.pick))),
        times(median(ratios)),
        ratios.map((v) => v.toFixed(2)).join(' '),
        row.target ?? '',
      ];
    }),
    [
      'gateway RSS after c64 (MiB)',
      mib(median(off.proxyRss) / MiB),
      mib(median(on.proxyRss) / MiB),
      times(median(paired(off.proxyRss, on.proxyRss, (o, g) => g / o))),
      paired(off.proxyRss, on.proxyRss, (o, g) => g / o)
        .map((v) => v.toFixed(2))
        .join(' '),
      '',
    ],
  ];
  const cpu = (t: TargetResults) => col(t, 'c64', (s) => s.proxyCpuUs);
  const added = paired(cpu(off), cpu(on), (o, g) => g - o);
  return [
    `governance on the hot path — off: the gateway as above; on: ${on.label}`,
    '(its own gateway process, same upstream, measured in the same rounds):',
    '',
    ...formatTable(table),
    '',
    `added gateway CPU per call, c64 (on − off): ${added.length > 0 ? `${median(added) >= 0 ? '+' : ''}${micros(median(added))} µs` : '—'}` +
      `  [per round ${added.map(micros).join(' ')}; off ${cpu(off).map(micros).join(' ')}; on ${cpu(on).map(micros).join(' ')}]`,
    'off and on: medians of the rounds; on/off: median of the per-round paired ratios.',
    '',
  ];
}

const renderVerdicts = (list: Verdict[]) =>
  list.map((v) => `${v.pass ? 'PASS' : 'MISS'}  ${v.target.padEnd(48)} ${v.figure.padStart(12)}`);

function noiseLines(results: ModeResults): string[] {
  const samples = results.targets.flatMap((t) => [...PHASES.flatMap((p) => t.samples[p]), ...t.list]);
  const errors = results.targets
    .map((t) => {
      const all = [...PHASES.flatMap((p) => t.samples[p]), ...t.list];
      const count = all.reduce((sum, s) => sum + s.errors, 0);
      const first = all.find((s) => s.firstError !== undefined)?.firstError;
      return count > 0 ? `${t.name} ${count} (first: ${first})` : undefined;
    })
    .filter((line) => line !== undefined);
  const other = samples.map((s) => s.otherCores);
  const otherMax = Math.max(...other);
  return [
    `errors: ${errors.length === 0 ? 0 : errors.join('; ')}`,
    `other processes on the machine: median ${median(other).toFixed(2)}, max ${otherMax.toFixed(2)} cores` +
      (otherMax > 0.25 ? ' — the cores were shared during the run: compare only figures side by side' : ''),
  ];
}

/** Direct vs the gateway, one mode, metric by metric (the report without BENCH_PEERS). */
export function renderReport(results: ModeResults, auth: BenchEnv['BENCH_AUTH']): string {
  const [direct, gateway] = results.targets as [TargetResults, TargetResults];
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
      target: stdio ? undefined : `added ≤ ${TARGETS.addedP50MsHttp} ms`,
    },
    { label: 'c1 p99 latency (ms)', ...both('c1', (s) => s.p99Ms), format: ms, ratio: true },
    { label: 'c16 calls/s', ...both('c16', (s) => s.callsPerSecond), format: rate, ratio: true },
    {
      label: 'c64 calls/s',
      ...both('c64', (s) => s.callsPerSecond),
      format: rate,
      ratio: true,
      target: stdio ? undefined : `≥ ${TARGETS.c64TimesDirectHttp.toFixed(2)}×`,
    },
    ...PHASES.map((phase): Row => ({
      label: `gateway CPU µs/call, ${phase}`,
      gateway: col(gateway, phase, (s) => s.proxyCpuUs),
      format: micros,
      ratio: false,
      target: phase === 'c64' ? `≤ ${stdio ? TARGETS.cpuStdio : TARGETS.cpuHttp}` : undefined,
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
      gateway: [(gateway.proxyRssAtStart ?? Number.NaN) / MiB],
      format: mib,
      ratio: false,
    },
    {
      label: 'gateway RSS after c64 (MiB)',
      gateway: gateway.proxyRss.map((b) => b / MiB),
      format: mib,
      ratio: false,
      target: `≤ ${TARGETS.rssMiB}`,
    },
    ...(gateway.list.length > 0
      ? [
          {
            label: `tools/list ${count(results.listTools)} tools p50 (ms)`,
            direct: direct.list.map((s) => s.p50Ms),
            gateway: gateway.list.map((s) => s.p50Ms),
            format: ms,
            ratio: true,
            target: `≤ ${TARGETS.listP50Ms}`,
          },
          {
            label: `tools/list ${count(results.listTools)} tools p99 (ms)`,
            direct: direct.list.map((s) => s.p99Ms),
            gateway: gateway.list.map((s) => s.p99Ms),
            format: ms,
            ratio: true,
          },
        ]
      : []),
  ];

  const p50Added = paired(
    col(direct, 'c1', (s) => s.p50Ms),
    col(gateway, 'c1', (s) => s.p50Ms),
    (d, g) => g - d,
  );
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
  const added = `added c1 p50 (gateway − direct): ${signedMs(median(p50Added))}  [per round ${p50Added.map((v) => v.toFixed(2)).join(' ')}]`;
  const title = stdio ? 'upstream over stdio' : 'upstream over Streamable HTTP';
  const listNote =
    gateway.list.length > 0
      ? [
          `tools/list: one full walk (${gateway.listPages ?? '?'} page(s) from the gateway) of a gateway exposing ` +
            `${results.listTools} tools, ${results.listCalls} sequential walks per round.`,
        ]
      : [];

  return [
    '',
    `== ${title} — gateway auth ${auth} — medians of ${results.rounds} interleaved rounds ==`,
    '',
    ...formatTable(table),
    '',
    added,
    ...listNote,
    ...noiseLines(results),
    '',
    ...renderGovernance(results),
    ...renderLimits(results),
    ...renderRunner(results),
    ...renderVerdicts([
      ...verdicts(results, direct, gateway),
      ...governanceVerdicts(results),
      ...limitsVerdicts(results),
    ]),
    '',
  ].join('\n');
}

/**
 * BENCH_PEERS: one Markdown table, a row per target (direct, Toolgate, the peers), the medians
 * of the rounds; the ratios and the added latency are medians of per-round paired values.
 */
export function renderPeersReport(results: ModeResults, auth: BenchEnv['BENCH_AUTH']): string {
  const [direct, gateway] = results.targets as [TargetResults, TargetResults];
  const p50 = (t: TargetResults) => col(t, 'c1', (s) => s.p50Ms);
  const callsPerSecond = (t: TargetResults, phase: Phase) => col(t, phase, (s) => s.callsPerSecond);
  const ratioTo = (t: TargetResults, phase: Phase) =>
    paired(callsPerSecond(direct, phase), callsPerSecond(t, phase), (d, o) => o / d);
  const added = (t: TargetResults) => paired(p50(direct), p50(t), (d, o) => o - d);
  const withRatio = (t: TargetResults, phase: Phase) =>
    `${rate(median(callsPerSecond(t, phase)))} (${times(t === direct ? 1 : median(ratioTo(t, phase)))})`;
  const hasList = results.targets.some((t) => t.list.length > 0);
  const listCell = (t: TargetResults) =>
    t.list.length === 0
      ? '—'
      : `${ms(median(t.list.map((s) => s.p50Ms)))} / ${ms(median(t.list.map((s) => s.p99Ms)))}`;

  const header = [
    'target',
    'c1 p50 ms',
    'c1 p99 ms',
    'added p50 ms',
    'c16 calls/s (× direct)',
    'c64 calls/s (× direct)',
    'proxy CPU µs/call c64',
    'server CPU µs/call c64',
    'proxy RSS MiB',
    'server RSS MiB',
    ...(hasList ? [`tools/list ${count(results.listTools)} p50 / p99 ms`] : []),
  ];
  const rows = results.targets.map((t) => [
    t.name === 'gateway' ? `**${t.label}**` : t.label,
    ms(median(p50(t))),
    ms(median(col(t, 'c1', (s) => s.p99Ms))),
    t === direct ? '—' : signedMs(median(added(t))).replace(' ms', ''),
    withRatio(t, 'c16'),
    withRatio(t, 'c64'),
    micros(median(col(t, 'c64', (s) => s.proxyCpuUs))),
    micros(median(col(t, 'c64', (s) => s.upstreamCpuUs))),
    t.hasProxy ? mib(median(t.proxyRss) / MiB) : '—',
    mib(median(t.upstreamRss) / MiB),
    ...(hasList ? [listCell(t)] : []),
  ]);
  const perRound = results.targets
    .filter((t) => t !== direct)
    .map((t) => {
      const fmt = (values: number[], f: (v: number) => string) => values.map(f).join(' ');
      const parts = [
        `added p50 ${fmt(added(t), (v) => v.toFixed(2))}`,
        `c64 × direct ${fmt(ratioTo(t, 'c64'), (v) => v.toFixed(2))}`,
        `proxy CPU c64 ${fmt(
          col(t, 'c64', (s) => s.proxyCpuUs),
          micros,
        )}`,
        `RSS ${fmt(
          t.proxyRss.map((b) => b / MiB),
          (v) => v.toFixed(0),
        )}`,
        ...(t.list.length > 0
          ? [
              `list p50 ${fmt(
                t.list.map((s) => s.p50Ms),
                ms,
              )}`,
            ]
          : []),
      ];
      return `  ${t.name.padEnd(9)} ${parts.join(' · ')}`;
    });
  const listPages = results.targets
    .filter((t) => t.listPages !== undefined)
    .map((t) => `${t.name} ${t.listPages}`)
    .join(', ');

  return [
    '',
    `== upstream over stdio, side by side — Toolgate auth ${auth} — medians of ${results.rounds} interleaved rounds ==`,
    '',
    ...formatMarkdown([header, ...rows]),
    '',
    'added p50 and × direct: medians of the per-round paired values. proxy = the process between',
    'the client and the server; server = the server-everything process behind it.',
    ...(hasList
      ? [
          `tools/list: one full walk of ${count(results.listTools)} tools per call (pages: ${listPages}), ` +
            `${results.listCalls} sequential walks per target and round, each proxy in front of the fixture over stdio.`,
        ]
      : []),
    'per round:',
    ...perRound,
    ...noiseLines(results),
    '',
    ...renderGovernance(results),
    ...renderLimits(results),
    ...renderRunner(results),
    `Toolgate (${results.mode}):`,
    ...renderVerdicts([
      ...verdicts(results, direct, gateway),
      ...governanceVerdicts(results),
      ...limitsVerdicts(results),
    ]),
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

/** A Markdown table, aligned for the terminal too (first column left, figures right). */
function formatMarkdown(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)];
}
