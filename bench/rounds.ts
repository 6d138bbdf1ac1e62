import { listAllTools, listToolNames, type Listing } from './echo-session.ts';
import type { BenchEnv } from './env.ts';
import { closedLoop, sequential, type PhaseResult } from './load.ts';
import { cpuMicros, machineBusyMicros, rssBytes } from './proc-stats.ts';
import { percentile } from './stats.ts';
import type { ListEndpoint, Mode, ModeSetup, Target, TargetName } from './targets.ts';

export const PHASES = ['c1', 'c16', 'c64'] as const;
export type Phase = (typeof PHASES)[number];
const IN_FLIGHT: Record<Phase, number> = { c1: 1, c16: 16, c64: 64 };
const WARMUP_SEQUENTIAL_CALLS = 300;
const WARMUP_LISTINGS = 20;

export interface PhaseSample {
  calls: number;
  errors: number;
  firstError: string | undefined;
  callsPerSecond: number;
  /** Sequential phases only (c1, listing). */
  p50Ms: number;
  p99Ms: number;
  /** CPU time of each process over the phase divided by calls completed (µs); NaN: no such process. */
  proxyCpuUs: number;
  /** BENCH_RUNNER: the runner process and its sandbox wrappers (NaN: no runner). */
  runnerCpuUs: number;
  upstreamCpuUs: number;
  clientCpuUs: number;
  /** Cores' worth of CPU used by other processes on the machine during the phase (noise). */
  otherCores: number;
}

export type Samples = Record<Phase, PhaseSample[]>;

export interface TargetResults {
  name: TargetName;
  label: string;
  hasProxy: boolean;
  samples: Samples;
  /** BENCH_RUNNER: RSS of the runner process right after each round's c64 phase (empty: no runner). */
  runnerRss: number[];
  /** RSS in bytes of the proxy (if any) and of the server right after each round's c64 phase. */
  proxyRss: number[];
  upstreamRss: number[];
  /** Proxy RSS once started with its sessions open, before any load. */
  proxyRssAtStart: number | undefined;
  /** One full `tools/list` walk of the listing fixture per call, one sample per round. */
  list: PhaseSample[];
  /** Pages of one walk (Toolgate pages at MCP_LIST_PAGE_SIZE). */
  listPages: number | undefined;
}

export interface ModeResults {
  mode: Mode;
  rounds: number;
  /** In the setup's order: direct first, then the gateway, then `governed`, then any peers. */
  targets: TargetResults[];
  /** BENCH_GOVERNANCE: what the `governed` target's workspace has (undefined: off). */
  governance: string | undefined;
  /** BENCH_RUNNER: the runner backend(s) of the `runner-*` targets (undefined: off). */
  runner: string | undefined;
  listTools: number;
  listCalls: number;
}

const progress = (line: string) => process.stderr.write(`  ${line}\n`);

interface Processes {
  proxyPid: number | undefined;
  upstreamPid: number | undefined;
  /** The runner and its sandbox wrappers, read before and after the phase (undefined: none). */
  runnerPids?: number[];
}

/** Runs `load` and charges each process's CPU over it to the calls it completed. */
async function measure(pids: Processes, load: () => Promise<PhaseResult>): Promise<PhaseSample> {
  const cpu = (pid: number | undefined) => (pid === undefined ? 0 : cpuMicros(pid));
  const proxy0 = cpu(pids.proxyPid);
  const upstream0 = cpu(pids.upstreamPid);
  const runnerCpu = () => (pids.runnerPids ?? []).reduce((sum, pid) => sum + cpuMicros(pid), 0);
  const runner0 = runnerCpu();
  const client0 = process.cpuUsage();
  const machine0 = machineBusyMicros();
  const result = await load();
  const client = process.cpuUsage(client0);
  const proxy = cpu(pids.proxyPid) - proxy0;
  const upstream = cpu(pids.upstreamPid) - upstream0;
  const runner = runnerCpu() - runner0;
  const ours = client.user + client.system + proxy + upstream + runner;
  const other = Math.max(0, machineBusyMicros() - machine0 - ours);
  const per = (micros: number, pid: number | undefined) =>
    pid === undefined ? Number.NaN : micros / Math.max(1, result.calls);
  return {
    calls: result.calls,
    errors: result.errors,
    firstError: result.firstError,
    callsPerSecond: (result.calls * 1000) / result.elapsedMs,
    p50Ms: result.latencies ? percentile(result.latencies, 50) : Number.NaN,
    p99Ms: result.latencies ? percentile(result.latencies, 99) : Number.NaN,
    proxyCpuUs: per(proxy, pids.proxyPid),
    runnerCpuUs: pids.runnerPids ? per(runner, 0) : Number.NaN,
    upstreamCpuUs: per(upstream, pids.upstreamPid),
    clientCpuUs: per(client.user + client.system, 0),
    otherCores: other / (result.elapsedMs * 1000),
  };
}

function describe(name: string, phase: string, s: PhaseSample): string {
  const head = `${phase.padEnd(4)} ${name.padEnd(9)}`;
  const body =
    phase === 'c16' || phase === 'c64'
      ? `${Math.round(s.callsPerSecond)} calls/s`
      : `p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms`;
  const cpu =
    (Number.isNaN(s.proxyCpuUs) ? '' : `  proxy ${Math.round(s.proxyCpuUs)} µs/call`) +
    (Number.isNaN(s.runnerCpuUs) ? '' : ` + runner ${Math.round(s.runnerCpuUs)}`);
  const noise = s.otherCores >= 0.1 ? `  (other processes: ${s.otherCores.toFixed(2)} cores)` : '';
  const errors = s.errors > 0 ? `  ${s.errors} ERRORS (${s.firstError})` : '';
  return `${head} ${body}${cpu}${noise}${errors}`;
}

/** Round r starts with target r mod n: every target goes first as often as the others. */
const rotated = <T>(items: readonly T[], round: number): T[] =>
  items.map((_, i) => items[(i + round) % items.length]!);

/**
 * Warms every target up, then runs the rounds. Within a round every phase runs on each target
 * back to back; the order rotates by round so drift and ordering cancel out. Then, if the setup
 * has a listing fixture, the listing stage (see runListStage).
 */
export async function runRounds(setup: ModeSetup, env: BenchEnv): Promise<ModeResults> {
  const results: ModeResults = {
    mode: setup.mode,
    rounds: env.BENCH_ROUNDS,
    targets: setup.targets.map((t) => ({
      name: t.name,
      label: t.label,
      hasProxy: t.proxyPid !== undefined,
      samples: { c1: [], c16: [], c64: [] },
      runnerRss: [],
      proxyRss: [],
      upstreamRss: [],
      proxyRssAtStart: t.proxyPid === undefined ? undefined : rssBytes(t.proxyPid),
      list: [],
      listPages: undefined,
    })),
    governance: setup.governance,
    runner: setup.runner,
    listTools: setup.listTools,
    listCalls: env.BENCH_LIST_CALLS,
  };
  const resultsOf = new Map(setup.targets.map((t, i) => [t, results.targets[i]!]));
  for (const target of setup.targets) {
    progress(`warm-up ${target.name}`);
    await sequential(target.sessions[0]!, WARMUP_SEQUENTIAL_CALLS);
    if (env.BENCH_WARMUP_SECONDS > 0) await closedLoop(target.sessions, 64, env.BENCH_WARMUP_SECONDS);
  }
  for (let round = 0; round < env.BENCH_ROUNDS; round++) {
    progress(`round ${round + 1}/${env.BENCH_ROUNDS}`);
    const order = rotated(setup.targets, round);
    for (const phase of PHASES) {
      for (const target of order) {
        const runnerPids = target.runnerPids?.();
        const pids = { proxyPid: target.proxyPid, upstreamPid: target.upstreamPid(), runnerPids };
        const sample = await measure(pids, () =>
          phase === 'c1'
            ? sequential(target.sessions[0]!, env.BENCH_CALLS)
            : closedLoop(target.sessions, IN_FLIGHT[phase], env.BENCH_SECONDS),
        );
        const out = resultsOf.get(target)!;
        out.samples[phase].push(sample);
        if (phase === 'c64') {
          if (target.proxyPid !== undefined) out.proxyRss.push(rssBytes(target.proxyPid));
          out.upstreamRss.push(rssBytes(pids.upstreamPid));
          if (runnerPids) out.runnerRss.push(rssBytes(runnerPids[0]!));
        }
        progress(`  ${describe(target.name, phase, sample)}`);
      }
    }
  }
  if (setup.listTools > 0 && env.BENCH_LIST_CALLS > 0) await runListStage(setup, env, resultsOf);
  return results;
}

/**
 * The listing stage: each target's listing endpoint (in front of the many-tools fixture) is
 * opened, its full listing parsed once and checked (every tool, no duplicates), then each round
 * times BENCH_LIST_CALLS full walks per target, in rotating order. A walk follows nextCursor
 * without parsing the pages; each is checked by its page count and length against that one.
 */
async function runListStage(
  setup: ModeSetup,
  env: BenchEnv,
  resultsOf: Map<Target, TargetResults>,
): Promise<void> {
  const listed = setup.targets.filter((t) => t.openList !== undefined);
  const endpoints = new Map<Target, { endpoint: ListEndpoint; expected: Listing }>();
  try {
    for (const target of listed) {
      progress(`listing: opening ${target.name}`);
      const endpoint = await target.openList!();
      endpoints.set(target, { endpoint, expected: { pages: 0, chars: 0 } });
      const names = await listToolNames(endpoint.session);
      if (names.length !== setup.listTools || new Set(names).size !== names.length)
        throw new Error(
          `${target.name} lists ${names.length} tools, ${new Set(names).size} distinct, not ${setup.listTools}`,
        );
      const expected = await listAllTools(endpoint.session);
      endpoints.set(target, { endpoint, expected });
      resultsOf.get(target)!.listPages = expected.pages;
      for (let i = 0; i < WARMUP_LISTINGS; i++) await checkedListing(endpoint, expected);
    }
    for (let round = 0; round < env.BENCH_ROUNDS; round++) {
      progress(`listing round ${round + 1}/${env.BENCH_ROUNDS}`);
      for (const target of rotated(listed, round)) {
        const { endpoint, expected } = endpoints.get(target)!;
        const sample = await measure(
          { proxyPid: endpoint.proxyPid, upstreamPid: endpoint.upstreamPid() },
          () => sequential(endpoint.session, env.BENCH_LIST_CALLS, () => checkedListing(endpoint, expected)),
        );
        resultsOf.get(target)!.list.push(sample);
        progress(`  ${describe(target.name, 'list', sample)}`);
      }
    }
  } finally {
    for (const { endpoint } of endpoints.values()) await endpoint.close();
  }
}

async function checkedListing(endpoint: ListEndpoint, expected: Listing): Promise<void> {
  const listing = await listAllTools(endpoint.session);
  // Pages differ only by the width of their JSON-RPC ids.
  if (listing.pages !== expected.pages || Math.abs(listing.chars - expected.chars) > 8 * expected.pages)
    throw new Error(
      `listing changed: ${listing.pages} pages / ${listing.chars} chars, expected ${expected.pages} / ${expected.chars}`,
    );
}
