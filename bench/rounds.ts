import type { BenchEnv } from './env.ts';
import { closedLoop, sequential, type PhaseResult } from './load.ts';
import { cpuMicros, machineBusyMicros, rssBytes } from './proc-stats.ts';
import { percentile } from './stats.ts';
import type { Mode, ModeSetup, Target, TargetName } from './targets.ts';

export const PHASES = ['c1', 'c16', 'c64'] as const;
export type Phase = (typeof PHASES)[number];
const IN_FLIGHT: Record<Phase, number> = { c1: 1, c16: 16, c64: 64 };
const WARMUP_SEQUENTIAL_CALLS = 300;

export interface PhaseSample {
  calls: number;
  errors: number;
  firstError: string | undefined;
  callsPerSecond: number;
  /** c1 only. */
  p50Ms: number;
  p99Ms: number;
  /** CPU time of each process over the phase divided by calls completed (µs). */
  gatewayCpuUs: number;
  upstreamCpuUs: number;
  clientCpuUs: number;
  /** Cores' worth of CPU used by other processes on the machine during the phase (noise). */
  otherCores: number;
}

export type Samples = Record<Phase, PhaseSample[]>;

export interface ModeResults {
  mode: Mode;
  rounds: number;
  samples: Record<TargetName, Samples>;
  /** Gateway RSS in bytes right after each round's c64 phase. */
  gatewayRss: number[];
  /** Gateway RSS in bytes once started with its sessions open, before any load. */
  gatewayRssAtStart: number;
}

const progress = (line: string) => process.stderr.write(`  ${line}\n`);

async function measure(target: Target, phase: Phase, env: BenchEnv): Promise<PhaseSample> {
  const upstreamPid = target.upstreamPid();
  const gateway0 = target.gatewayPid === undefined ? 0 : cpuMicros(target.gatewayPid);
  const upstream0 = cpuMicros(upstreamPid);
  const client0 = process.cpuUsage();
  const machine0 = machineBusyMicros();
  const result: PhaseResult =
    phase === 'c1'
      ? await sequential(target.sessions[0]!, env.BENCH_CALLS)
      : await closedLoop(target.sessions, IN_FLIGHT[phase], env.BENCH_SECONDS);
  const client = process.cpuUsage(client0);
  const gateway = target.gatewayPid === undefined ? 0 : cpuMicros(target.gatewayPid) - gateway0;
  const upstream = cpuMicros(upstreamPid) - upstream0;
  const ours = client.user + client.system + gateway + upstream;
  const other = Math.max(0, machineBusyMicros() - machine0 - ours);
  const per = (micros: number) => micros / Math.max(1, result.calls);
  return {
    calls: result.calls,
    errors: result.errors,
    firstError: result.firstError,
    callsPerSecond: (result.calls * 1000) / result.elapsedMs,
    p50Ms: result.latencies ? percentile(result.latencies, 50) : Number.NaN,
    p99Ms: result.latencies ? percentile(result.latencies, 99) : Number.NaN,
    gatewayCpuUs: target.gatewayPid === undefined ? Number.NaN : per(gateway),
    upstreamCpuUs: per(upstream),
    clientCpuUs: per(client.user + client.system),
    otherCores: other / (result.elapsedMs * 1000),
  };
}

function describe(target: Target, phase: Phase, s: PhaseSample): string {
  const head = `${phase.padEnd(3)} ${target.name.padEnd(7)}`;
  const body =
    phase === 'c1'
      ? `p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms`
      : `${Math.round(s.callsPerSecond)} calls/s`;
  const cpu = target.gatewayPid === undefined ? '' : `  gateway ${Math.round(s.gatewayCpuUs)} µs/call`;
  const noise = s.otherCores >= 0.1 ? `  (other processes: ${s.otherCores.toFixed(2)} cores)` : '';
  const errors = s.errors > 0 ? `  ${s.errors} ERRORS (${s.firstError})` : '';
  return `${head} ${body}${cpu}${noise}${errors}`;
}

/**
 * Warms both targets up, then runs the rounds. Within a round every phase runs on both targets
 * back to back; which target goes first alternates by round so drift and ordering cancel out.
 */
export async function runRounds(setup: ModeSetup, env: BenchEnv): Promise<ModeResults> {
  const { direct, gateway } = setup;
  const gatewayRssAtStart = rssBytes(gateway.gatewayPid!);
  for (const target of [direct, gateway]) {
    progress(`warm-up ${target.name}`);
    await sequential(target.sessions[0]!, WARMUP_SEQUENTIAL_CALLS);
    if (env.BENCH_WARMUP_SECONDS > 0) await closedLoop(target.sessions, 64, env.BENCH_WARMUP_SECONDS);
  }
  const empty = (): Samples => ({ c1: [], c16: [], c64: [] });
  const results: ModeResults = {
    mode: setup.mode,
    rounds: env.BENCH_ROUNDS,
    samples: { direct: empty(), gateway: empty() },
    gatewayRss: [],
    gatewayRssAtStart,
  };
  for (let round = 0; round < env.BENCH_ROUNDS; round++) {
    progress(`round ${round + 1}/${env.BENCH_ROUNDS}`);
    const order = round % 2 === 0 ? [direct, gateway] : [gateway, direct];
    for (const phase of PHASES) {
      for (const target of order) {
        const sample = await measure(target, phase, env);
        results.samples[target.name][phase].push(sample);
        if (target.gatewayPid !== undefined && phase === 'c64')
          results.gatewayRss.push(rssBytes(target.gatewayPid));
        progress(`  ${describe(target, phase, sample)}`);
      }
    }
  }
  return results;
}
