/**
 * Rough cost of the pool per proxied tools/call against server-everything (echo), in the spirit of
 * /work/shared/BENCHMARKS.md: c1 = sequential calls on one session, c64 = 64 calls in flight over
 * 16 sessions. CPU is this process's user+system time divided by calls: the pool's own cost, the
 * upstream runs in its own process.
 *
 *   node --import tsx packages/mcp/src/upstream/testing/bench.ts [streamable_http|stdio] [calls]
 */
import { createUpstreamPool } from '../index.ts';
import type { UpstreamTarget } from '../types.ts';
import { startEverythingServer } from '@toolgate/fixtures/everything';
import { everythingStdioTarget } from './everything.ts';

const transport = process.argv[2] === 'stdio' ? 'stdio' : 'streamable_http';
const calls = Number(process.argv[3] ?? 2_000);
const server = transport === 'stdio' ? undefined : await startEverythingServer('streamableHttp');
const targetFor = (index: number): UpstreamTarget =>
  server === undefined
    ? everythingStdioTarget(`bench-${index}`)
    : { key: `bench-${index}`, label: 'everything', transport: 'streamable_http', url: server.url };
const pool = createUpstreamPool({ clientInfo: { name: 'toolgate-bench', version: '0' } });
const params = { name: 'echo', arguments: { message: 'hello' } };

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

try {
  const one = targetFor(0);
  for (let i = 0; i < 200; i++) await pool.request(one, 'tools/call', params);

  const latencies: number[] = [];
  let cpu = cpuMicros();
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await pool.request(one, 'tools/call', params);
    latencies.push(performance.now() - started);
  }
  const c1Cpu = (cpuMicros() - cpu) / calls;
  latencies.sort((a, b) => a - b);

  const sessions = Array.from({ length: 16 }, (_, index) => targetFor(index));
  await Promise.all(sessions.map((target) => pool.serverInfo(target)));
  let done = 0;
  cpu = cpuMicros();
  const started = performance.now();
  const deadline = started + 5_000;
  await Promise.all(
    Array.from({ length: 64 }, async (_, worker) => {
      while (performance.now() < deadline) {
        await pool.request(sessions[worker % 16]!, 'tools/call', params);
        done++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  const c64Cpu = (cpuMicros() - cpu) / done;
  const rss = process.memoryUsage().rss / 2 ** 20;
  process.stdout.write(
    `${transport}: c1 p50 ${latencies[Math.floor(calls / 2)]!.toFixed(3)} ms, p99 ${latencies[Math.floor(calls * 0.99)]!.toFixed(3)} ms, ` +
      `${c1Cpu.toFixed(0)} µs CPU/call | c64 ${(done / seconds).toFixed(0)} calls/s, ${c64Cpu.toFixed(0)} µs CPU/call | RSS ${rss.toFixed(0)} MiB\n`,
  );
} finally {
  await pool.close();
  await server?.close();
}
