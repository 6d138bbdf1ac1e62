import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, type Harness } from '../testing/harness.ts';
import type { Bounds } from './fuzz-checks.ts';
import type { FuzzRequest } from './fuzz-client.ts';
import { preview, seededRng } from './fuzz-kit.ts';
import { createRunner, describeViolation } from './mcp-fuzz-runner.ts';
import { schedule } from './mcp-fuzz-schedule.ts';
import { setUpFuzzWorld } from './mcp-fuzz-setup.ts';

/**
 * A bounded, seeded fuzzer of the MCP endpoint: several hundred mutated requests over Streamable
 * HTTP and the legacy HTTP+SSE transport against one in-process proxy in front of the real
 * everything server. Every answer is checked (no 5xx, JSON-RPC bodies, within a time bound), the
 * proxy must keep serving a normal call throughout, and the heap must not grow past a bound.
 * Violations are collected and listed together, each with its case number. FUZZ_SEED=<n> runs
 * another seed, FUZZ_ONLY=<i,j> replays single cases, FUZZ_VERBOSE=1 prints every answer.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0x70_01_6a_7e);
/** 30 rounds of the schedule: every variant of every header and method family comes up. */
const CASES = 780;
const BOUNDS: Bounds = { answerMs: 2_000 };
/** How long to wait for any answer before calling it hung. */
const ANSWER_TIMEOUT_MS = 5_000;
const LIVENESS_EVERY = 20;
/** A few seconds in practice; past this the run stops early (and says so) rather than time out unreported. */
const RUN_DEADLINE_MS = 40_000;
/**
 * Growth of the retained heap (with Buffers) over the run, measured after forced GC from the end
 * of the first round: about 5 MiB in practice while the run sends over 20 MiB, so a leak of
 * ~20 kB per request (checked: 100 kB per dispatched message) trips it. Without GC the same is
 * measured with garbage in it, so the bound is looser.
 */
const HEAP_GROWTH_BOUND_MIB = 16;
const HEAP_GROWTH_BOUND_NO_GC_MIB = 100;
/** RSS keeps freed pages, so this only catches gross growth (native buffers, sockets). */
const RSS_GROWTH_BOUND_MIB = 256;
/** FUZZ_ONLY=12,40 sends only those cases (all are still generated, so each is exactly as in a full run). */
const ONLY = process.env.FUZZ_ONLY ? new Set(process.env.FUZZ_ONLY.split(',').map(Number)) : undefined;

let h: Harness;
let everything: RunningEverythingServer;
let fuzzed: Awaited<ReturnType<typeof setUpFuzzWorld>>;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  fuzzed = await setUpFuzzWorld(h, everything);
});

afterAll(async () => {
  fuzzed?.close();
  await h?.close();
  await everything?.close();
});

/** `gc` of this process: the flag's, else exposed at run time; undefined if neither works. */
function collector(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/**
 * Memory once garbage is gone: collections a few turns of the event loop apart, so sockets and
 * streams closed just now are released (and their Buffers with them).
 */
async function settledMemory(gc: (() => void) | undefined): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage();
}

/** JS heap plus memory outside it that JS objects hold (Buffers): what a leak of requests would keep. */
const retained = (usage: NodeJS.MemoryUsage) => usage.heapUsed + usage.external;

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const bytesOf = (request: FuzzRequest) =>
  Buffer.byteLength(request.raw ?? request.body ?? '') +
  Object.entries(request.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);

describe('MCP endpoint fuzzer', () => {
  it(
    `answers ${CASES} mutated requests over both transports with 4xx or JSON-RPC, promptly, without dying or leaking (seed ${SEED})`,
    { timeout: RUN_DEADLINE_MS + 20_000 },
    async () => {
      const { world, proxy, legacy } = fuzzed;
      const runner = createRunner({
        origin: proxy.url,
        world,
        legacy,
        bounds: BOUNDS,
        answerTimeoutMs: ANSWER_TIMEOUT_MS,
      });
      const rng = seededRng(SEED);
      const turns = schedule();
      const gc = collector();
      const violations: string[] = [];
      const statuses = new Map<number, number>();
      let baseline: NodeJS.MemoryUsage | undefined;
      let bytesSent = 0;
      const started = performance.now();

      for (let index = 0; index < CASES; index++) {
        if (performance.now() - started > RUN_DEADLINE_MS) {
          violations.push(`the run passed its ${RUN_DEADLINE_MS / 1000} s deadline before case #${index}`);
          break;
        }
        // Generated even when skipped: every case is the same whatever else runs.
        const fuzzCase = await turns[index % turns.length]!.generate(rng, world, index);
        if (ONLY && !ONLY.has(index)) continue;
        const result = await runner.run(fuzzCase, index);
        bytesSent += bytesOf(result.sent);
        statuses.set(result.answer.status, (statuses.get(result.answer.status) ?? 0) + 1);
        if (process.env.FUZZ_VERBOSE)
          console.log(
            `#${index} [${fuzzCase.generator}] ${preview(fuzzCase.what, 100)} -> ` +
              `${result.answer.status || result.answer.failure} in ${Math.round(result.answer.ms)} ms: ${preview(result.answer.body, 120)}`,
          );
        if (result.problems.length > 0) violations.push(describeViolation(SEED, index, fuzzCase, result));
        if ((index + 1) % LIVENESS_EVERY === 0)
          violations.push(
            ...(await runner.stillServing(index)).map(
              (p) => `after #${index}: the proxy stopped serving: ${p}`,
            ),
          );
        // The first full round warms caches and code; growth is measured from there.
        if (index + 1 === turns.length) baseline = await settledMemory(gc);
      }
      violations.push(
        ...(await runner.stillServing(CASES)).map((p) => `at the end: the proxy stopped serving: ${p}`),
      );

      const end = await settledMemory(gc);
      const heapGrowth = baseline ? mib(retained(end) - retained(baseline)) : 0;
      const rssGrowth = baseline ? mib(end.rss - baseline.rss) : 0;
      const heapBound = gc ? HEAP_GROWTH_BOUND_MIB : HEAP_GROWTH_BOUND_NO_GC_MIB;
      if (heapGrowth > heapBound)
        violations.push(
          `the heap (with Buffers) grew ${heapGrowth} MiB over the run (bound ${heapBound} MiB${gc ? ', after GC' : ', GC not available'})`,
        );
      if (rssGrowth > RSS_GROWTH_BOUND_MIB)
        violations.push(`the RSS grew ${rssGrowth} MiB over the run (bound ${RSS_GROWTH_BOUND_MIB} MiB)`);
      const statusList = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s || 'none'}: ${n}`);
      console.log(
        `[mcp-fuzz] seed ${SEED}: ${ONLY ? ONLY.size : CASES} cases (${mib(bytesSent)} MiB sent) in ` +
          `${Math.round((performance.now() - started) / 100) / 10} s; statuses ${statusList.join(', ')}; ` +
          `heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth} MiB, RSS ${rssGrowth >= 0 ? '+' : ''}${rssGrowth} MiB ` +
          `(GC ${gc ? 'forced' : 'not available'}); ${violations.length} violation(s)`,
      );
      expect(
        violations.length,
        `seed ${SEED}: ${violations.length} violation(s)\n\n${violations.join('\n\n')}\n\n`,
      ).toBe(0);
    },
  );
});
