import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, type Harness, seedServerGateway } from '../testing/harness.ts';

/** The 2026-07-28 wire rules, request by request, as a client that gets them wrong sees them. */
let h: Harness;
let everything: RunningEverythingServer;
let url: string;
let auth: Record<string, string>;

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'wire-test', version: '1' },
};

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const seeded = await seedServerGateway(h, {
    server: 'everything',
    upstream: { url: everything.url },
    gateway: 'wire',
    tools: ['echo'],
    description: 'Tools for the wire test',
  });
  auth = { authorization: `Bearer ${seeded.token}` };
  const proxy = await h.startProxy();
  url = `${proxy.url}${seeded.path}`;
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
});

interface Reply {
  id?: unknown;
  result?: { capabilities?: Record<string, unknown>; content?: unknown };
  error?: { code: number; message: string; data?: unknown };
}

async function post(body: Record<string, unknown>, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      ...auth,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...body }),
  });
  return { status: res.status, body: (await res.json()) as Reply };
}

const echo = (meta: Record<string, unknown> = META) => ({
  method: 'tools/call',
  params: { name: 'everything__echo', arguments: { message: 'x' }, _meta: meta },
});
const modernHeaders = (method: string, name?: string): Record<string, string> => ({
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name === undefined ? {} : { 'mcp-name': name }),
});

describe('2026-07-28 requests', () => {
  it('server/discover describes the gateway with cache hints and server info in _meta', async () => {
    const { status, body } = await post(
      { method: 'server/discover', params: { _meta: META } },
      modernHeaders('server/discover'),
    );
    expect(status).toBe(200);
    expect(body.result).toMatchObject({
      resultType: 'complete',
      supportedVersions: expect.arrayContaining(['2026-07-28', '2025-11-25']) as unknown,
      capabilities: { tools: {} },
      instructions: 'Tools for the wire test',
      ttlMs: 60_000,
      cacheScope: 'private',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: expect.stringContaining('/wire') as unknown } },
    });
    expect(body.result!.capabilities).toMatchObject({ tools: { listChanged: true }, logging: {} });
    expect(body.result!.capabilities).not.toHaveProperty('resources');
  });

  it('a call with matching headers goes through; Mcp-Name may be Base64-encoded', async () => {
    const plain = await post(echo(), modernHeaders('tools/call', 'everything__echo'));
    expect(plain.body.result).toMatchObject({ resultType: 'complete', content: [{ text: 'Echo: x' }] });
    const encoded = `=?base64?${Buffer.from('everything__echo').toString('base64')}?=`;
    const viaSentinel = await post(echo(), modernHeaders('tools/call', encoded));
    expect(viaSentinel.status).toBe(200);
    expect(viaSentinel.body.result!.content).toEqual([{ type: 'text', text: 'Echo: x' }]);
  });

  it.each([
    [
      'Mcp-Method is absent',
      { 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'everything__echo' },
      /Mcp-Method header is absent/,
    ],
    [
      'Mcp-Method names another method',
      modernHeaders('tools/list', 'everything__echo'),
      /Mcp-Method header value 'tools\/list' does not match body value 'tools\/call'/,
    ],
    ['Mcp-Name is absent', modernHeaders('tools/call'), /Mcp-Name header is absent/],
    [
      'Mcp-Name names another tool',
      modernHeaders('tools/call', 'everything__get-env'),
      /Mcp-Name header value 'everything__get-env' does not match body value 'everything__echo'/,
    ],
    ['Mcp-Name is broken Base64', modernHeaders('tools/call', '=?base64?***?='), /invalid Base64/],
    [
      'MCP-Protocol-Version is absent',
      { 'mcp-method': 'tools/call', 'mcp-name': 'everything__echo' },
      /MCP-Protocol-Version header is absent/,
    ],
    [
      'MCP-Protocol-Version disagrees with _meta',
      { ...modernHeaders('tools/call', 'everything__echo'), 'mcp-protocol-version': '2025-11-25' },
      /MCP-Protocol-Version header value '2025-11-25' does not match body value '2026-07-28'/,
    ],
  ])('HTTP 400 with -32020 HeaderMismatch when %s', async (_case, headers, message) => {
    const { status, body } = await post(echo(), headers);
    expect(status).toBe(400);
    expect(body.error!.code).toBe(-32020);
    expect(body.error!.message).toMatch(message);
    expect(body.id).toBe(1);
  });

  it('HTTP 400 with -32602 naming the _meta field that is missing or malformed', async () => {
    const { 'io.modelcontextprotocol/clientCapabilities': _caps, ...noCaps } = META;
    const missing = await post(echo(noCaps), modernHeaders('tools/call', 'everything__echo'));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({
      code: -32602,
      message: expect.stringContaining('io.modelcontextprotocol/clientCapabilities: missing') as unknown,
      data: { envelope: { key: 'io.modelcontextprotocol/clientCapabilities', problem: 'missing' } },
    });
    const noMeta = await post(
      { method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'x' } } },
      modernHeaders('tools/call', 'everything__echo'),
    );
    expect(noMeta.status).toBe(400);
    expect(noMeta.body.error!.message).toContain('io.modelcontextprotocol/protocolVersion: missing');
    const badInfo = await post(
      echo({ ...META, 'io.modelcontextprotocol/clientInfo': 'me' }),
      modernHeaders('tools/call', 'everything__echo'),
    );
    expect(badInfo.status).toBe(400);
    expect(badInfo.body.error!.message).toContain('clientInfo: must be an object');
  });

  it('an unsupported version gets -32022 with the versions to choose from', async () => {
    const inBody = await post(
      echo({ ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }),
      modernHeaders('tools/call', 'everything__echo'),
    );
    expect(inBody.status).toBe(400);
    expect(inBody.body.error).toMatchObject({
      code: -32022,
      data: { requested: '2099-01-01', supported: expect.arrayContaining(['2026-07-28']) as unknown },
    });
    const inHeader = await post(echo(), {
      ...modernHeaders('tools/call', 'everything__echo'),
      'mcp-protocol-version': '2099-01-01',
    });
    expect(inHeader.status).toBe(400);
    expect(inHeader.body.error).toMatchObject({ code: -32022, data: { requested: '2099-01-01' } });
  });

  it.each(['ping', 'logging/setLevel', 'resources/subscribe'])(
    '%s, removed in 2026-07-28, is an unknown method (HTTP 404, -32601)',
    async (method) => {
      const { status, body } = await post({ method, params: { _meta: META } }, modernHeaders(method));
      expect(status).toBe(404);
      expect(body.error!.code).toBe(-32601);
    },
  );

  it('GET and DELETE are not part of 2026-07-28 (HTTP 405)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(url, {
        method,
        headers: { ...auth, accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28' },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });
});
