import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAppError } from '@toolgate/core/errors';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeServer } from './probe-server.ts';

let http: RunningEverythingServer;
let sse: RunningEverythingServer;
let oauth: Server;
let oauthUrl: string;

beforeAll(async () => {
  [http, sse] = await Promise.all([startEverythingServer('streamableHttp'), startEverythingServer('sse')]);
  // An MCP server behind OAuth: 401 with RFC 9728 metadata naming its authorization server.
  oauth = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(oauth.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/oauth-protected-resource/mcp') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ resource: `${origin}/mcp`, authorization_servers: ['https://auth.example.test'] }),
      );
      return;
    }
    res.writeHead(401, {
      'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
    });
    res.end();
  });
  await new Promise<void>((resolve) => oauth.listen(0, '127.0.0.1', resolve));
  oauthUrl = `http://127.0.0.1:${(oauth.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  await Promise.all([http?.close(), sse?.close()]);
  await new Promise<void>((resolve) => (oauth ? oauth.close(() => resolve()) : resolve()));
});

describe('probeServer', () => {
  it('recognises a Streamable HTTP server and reads its name', async () => {
    const found = await probeServer({ url: http.url, allowPrivate: true });
    expect(found).toMatchObject({
      reachable: true,
      speaksMcp: true,
      transport: 'streamable_http',
      requiresAuth: false,
      suggestedAuthKind: 'none',
    });
    expect(found.serverInfo?.name).toBeTruthy();
    expect(found.suggestedSlug).toMatch(/^[a-z0-9-]+$/);
  });

  it('recognises a legacy HTTP+SSE server', async () => {
    const found = await probeServer({ url: sse.url, allowPrivate: true });
    expect(found).toMatchObject({ reachable: true, speaksMcp: true, transport: 'sse' });
  });

  it('sees that a server demands OAuth and names its authorization server', async () => {
    const found = await probeServer({ url: oauthUrl, allowPrivate: true });
    expect(found).toMatchObject({
      reachable: true,
      transport: 'streamable_http',
      requiresAuth: true,
      suggestedAuthKind: 'oauth',
      authorizationServers: ['https://auth.example.test'],
    });
  });

  it('fails with the reason when the address answers HTTP but not as an MCP server', async () => {
    // A plain web server: 404 for the MCP path, an HTML page at the root.
    const web = createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><title>Welcome</title><p>Hello</p>');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    try {
      const missing = await probeServer({ url: `${origin}/mcp`, allowPrivate: true });
      expect(missing).toMatchObject({ reachable: true, speaksMcp: false, transport: null });
      expect(missing.detail).toMatch(/answered HTTP 404 but did not answer as an MCP server/);

      const page = await probeServer({ url: `${origin}/`, allowPrivate: true });
      expect(page).toMatchObject({ reachable: true, speaksMcp: false, transport: null });
      expect(page.detail).toMatch(/answered HTTP 200 with text\/html but did not answer as an MCP server/);
    } finally {
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });

  it('reports an unreachable server, and refuses private addresses unless allowed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await probeServer({ url: `http://127.0.0.1:${port}/mcp`, allowPrivate: true });
    expect(down).toMatchObject({ reachable: false, speaksMcp: false });
    expect(down.detail).toBeTruthy();

    const refused = await probeServer({ url: http.url, allowPrivate: false }).catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe('INVALID');
    expect(isAppError(refused) && refused.details?.fields).toEqual([
      { path: 'url', message: expect.stringMatching(/private address/) as string },
    ]);
    const notHttp = await probeServer({ url: 'ftp://example.test/x', allowPrivate: true }).catch(
      (e: unknown) => e,
    );
    expect(isAppError(notHttp) && notHttp.code).toBe('INVALID');
  });
});
