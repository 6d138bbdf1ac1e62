import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerProblems } from './fuzz-checks.ts';
import { sendFuzz, type FuzzRequest } from './fuzz-client.ts';
import type { FuzzCase } from './mcp-fuzz-world.ts';

/**
 * The fuzzer is only worth something if it can fail: a stand-in server answers the ways a broken
 * proxy would, and every one of them must be reported, through fetch and through raw bytes.
 */
let server: Server;
let origin: string;

const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });
const internal = {
  jsonrpc: '2.0',
  id: 1,
  error: { code: -32603, message: 'Internal error', data: { requestId: 'r' } },
};
const ANSWERS: Record<string, { status: number; body: string; type?: string; delayMs?: number }> = {
  '/ok': json(200, { jsonrpc: '2.0', id: 1, result: {} }),
  '/refused': json(404, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Session not found' } }),
  '/500': json(500, internal),
  '/502': { status: 502, body: '' },
  '/internal-in-200': json(200, internal),
  '/upstream-timeout': json(200, { jsonrpc: '2.0', id: 1, error: { code: -32011, message: 'timed out' } }),
  '/html': { status: 400, body: '<h1>Bad</h1>', type: 'text/html' },
  '/not-rpc': json(400, { message: 'bad' }),
  '/empty-200': { status: 200, body: '' },
  '/slow': { ...json(200, { jsonrpc: '2.0', id: 1, result: {} }), delayMs: 150 },
  '/redirect': { status: 302, body: '' },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/hang') return;
    if (path === '/drop') return void req.socket.destroy();
    if (path === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
      return;
    }
    const answer = ANSWERS[path] ?? ANSWERS['/ok']!;
    setTimeout(() => {
      res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' });
      res.end(answer.body);
    }, answer.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The first fetch of a process loads and sets up its HTTP client (100 ms and more on a busy
  // machine): done here, so the answer-time bound below measures answers, not that start-up.
  const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
  for (const raw of [false, true])
    await sendFuzz(
      origin,
      { method: 'POST', path: '/ok', headers: raw ? { 'x-raw': 'padded ' } : {}, body: ping },
      1_000,
    );
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function problemsOf(
  path: string,
  options: { raw?: boolean; method?: string } & Partial<FuzzCase> = {},
) {
  const { raw, method = 'POST', ...extra } = options;
  const request: FuzzRequest = {
    method,
    path,
    // Whitespace around a value is what fetch would trim: the request goes out as raw bytes.
    headers: { 'content-type': 'application/json', ...(raw ? { 'x-raw': 'padded ' } : {}) },
    body: method === 'GET' ? undefined : '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  };
  const fuzzCase: FuzzCase = {
    transport: 'streamable',
    generator: 'self-check',
    what: path,
    request,
    ...extra,
  };
  const answer = await sendFuzz(origin, request, 300);
  return answerProblems(fuzzCase, answer, { answerMs: 100 }).join('; ');
}

describe('fuzz answer checks', () => {
  it.each([false, true])('pass good answers and catch every bad one (raw bytes: %s)', async (raw) => {
    expect(await problemsOf('/ok', { raw })).toBe('');
    expect(await problemsOf('/refused', { raw, mustRefuse: true })).toBe('');
    expect(await problemsOf('/500', { raw })).toMatch(/HTTP 500.*an internal error/);
    expect(await problemsOf('/502', { raw })).toMatch(/HTTP 502/);
    expect(await problemsOf('/internal-in-200', { raw })).toMatch(/an internal error/);
    expect(await problemsOf('/upstream-timeout', { raw })).toMatch(/an upstream failure/);
    expect(await problemsOf('/html', { raw })).toMatch(/not JSON/);
    expect(await problemsOf('/not-rpc', { raw })).toMatch(/"jsonrpc" is not "2.0".*without a JSON-RPC error/);
    expect(await problemsOf('/empty-200', { raw })).toMatch(/HTTP 200 with an empty body/);
    expect(await problemsOf('/slow', { raw })).toMatch(/slow: \d+ ms/);
    expect(await problemsOf('/redirect', { raw })).toMatch(/unexpected HTTP 302/);
    expect(await problemsOf('/hang', { raw })).toMatch(/no answer within 300 ms/);
    expect(await problemsOf('/drop', { raw })).toMatch(/no answer/);
    expect(await problemsOf('/ok', { raw, mustRefuse: true })).toMatch(/it must be refused/);
    expect(await problemsOf('/stream', { raw, method: 'GET' })).toMatch(/opened an event stream/);
    expect(await problemsOf('/stream', { raw, method: 'GET', mayStream: true })).toBe('');
  });
});
