/**
 * `npm run bench:http-client`: the proxy's upstream HTTP client, node:http (a keep-alive Agent,
 * what packages/mcp/src/upstream uses) against undici's Pool, side by side. Each does the same
 * JSON-RPC POST (a `tools/call` body out, a small JSON result back) to one local server process
 * at c64; the figure is this process's CPU per request (the client's whole cost: request
 * framing, parsing, streams, GC), medians of interleaved rounds. The server runs in its own
 * process so its work is not counted.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { httpClientBenchEnv } from './env.ts';

const { rounds: ROUNDS, requests: REQUESTS } = httpClientBenchEnv();
const CONCURRENCY = 64;

type Client = { name: string; post: (body: string) => Promise<string>; close: () => Promise<void> };

const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
  'mcp-session-id': 'bench-session-0123456789abcdef',
};

function nodeHttp(port: number): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  return {
    name: 'node:http Agent',
    post: (body) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, path: '/mcp', method: 'POST', agent, headers },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => resolve(text));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: async () => agent.destroy(),
  };
}

function undiciPool(port: number): Client {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
  return {
    name: 'undici Pool',
    post: async (body) => {
      const res = await pool.request({ path: '/mcp', method: 'POST', headers, body });
      return res.body.text();
    },
    close: () => pool.close(),
  };
}

async function drive(client: Client): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const id = next++;
      const body = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}`;
      const text = await client.post(body);
      if (!text.includes(`"id":${id}`)) throw new Error(`${client.name}: wrong answer ${text}`);
    }
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / REQUESTS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const server = fork(new URL(import.meta.url).pathname, ['server'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => server.once('message', (p) => resolve(p as number)));
  const makers = [nodeHttp, undiciPool];
  const figures = new Map<string, number[]>();
  try {
    for (const make of makers) {
      const warm = make(port);
      await drive(warm); // JIT and connections warm before the measured rounds
      await warm.close();
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const make of round % 2 === 0 ? makers : [...makers].reverse()) {
        const client = make(port);
        const micros = await drive(client);
        await client.close();
        figures.set(client.name, [...(figures.get(client.name) ?? []), micros]);
      }
    }
  } finally {
    server.kill();
  }
  const baseline = median(figures.get('node:http Agent')!);
  process.stdout.write(
    `client CPU per request at c${CONCURRENCY}, ${REQUESTS} requests, median of ${ROUNDS} interleaved rounds\n`,
  );
  for (const [name, runs] of figures) {
    const m = median(runs);
    process.stdout.write(
      `  ${name.padEnd(16)} ${m.toFixed(1).padStart(6)} µs  (${(m / baseline).toFixed(2)}×)  rounds: ${runs.map((r) => r.toFixed(1)).join(', ')}\n`,
    );
  }
}

if (process.argv[2] === 'server') {
  const result = JSON.stringify({ content: [{ type: 'text', text: 'Echo: hello' }] });
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const { id } = JSON.parse(body) as { id: number };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"jsonrpc":"2.0","id":${id},"result":${result}}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
} else {
  await main();
}
