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
      transport: 'streamable_http',
      requiresAuth: false,
      suggestedAuthKind: 'none',
    });
    expect(found.serverInfo?.name).toBeTruthy();
    expect(found.suggestedSlug).toMatch(/^[a-z0-9-]+$/);
  });

  it('recognises a legacy HTTP+SSE server', async () => {
    const found = await probeServer({ url: sse.url, allowPrivate: true });
    expect(found).toMatchObject({ reachable: true, transport: 'sse' });
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

  it('reports an unreachable server, and refuses private addresses unless allowed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await probeServer({ url: `http://127.0.0.1:${port}/mcp`, allowPrivate: true });
    expect(down.reachable).toBe(false);
    expect(down.detail).toBeTruthy();

    const refused = await probeServer({ url: http.url, allowPrivate: false }).catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe('INVALID');
    const notHttp = await probeServer({ url: 'ftp://example.test/x', allowPrivate: true }).catch(
      (e: unknown) => e,
    );
    expect(isAppError(notHttp) && notHttp.code).toBe('INVALID');
  });
});
