import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

/** What the upstream accepted: the verified claims and the `kid` that signed them. */
export interface SeenToken {
  token: string;
  kid: string;
  claims: JWTPayload & { tid?: string; teams?: string[] };
}

/**
 * A real MCP server (SDK, Streamable HTTP) that accepts only Forwarded JWTs, checked as the
 * documentation tells an upstream to: the signature against Toolgate's JWKS (fetched over HTTP
 * with `createRemoteJWKSet`), `iss`, `aud` = its own URL, ES256, at most 5 minutes of lifetime and
 * a `jti`. Every request is checked (initialize, calls, the GET stream, DELETE); a session belongs
 * to the `sub` that opened it and a request with another `sub` in it is refused (403). `whoami`
 * answers with the claims of the request that called it.
 */
export async function startJwtUpstream({ jwksUrl, issuer }: { jwksUrl: string; issuer: string }) {
  // No cool-down: a rotated key is fetched at once (production keeps jose's 30 s default).
  const jwks = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 0 });
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; sub: string }>();
  const accepted: SeenToken[] = [];
  const refused: { status: number; reason: string }[] = [];
  let url = '';

  const newServer = () => {
    const server = new McpServer({ name: 'jwt-upstream', version: '1.0.0' });
    server.registerTool('whoami', { description: 'The claims of the token this call carried' }, (extra) => {
      const header = extra.requestInfo?.headers.authorization;
      const token = typeof header === 'string' ? header.replace(/^Bearer /, '') : '';
      const seen = { kid: decodeProtectedHeader(token).kid, claims: decodeJwt(token) };
      return { content: [{ type: 'text', text: JSON.stringify(seen) }] };
    });
    return server;
  };

  async function verify(authorization: string | undefined): Promise<SeenToken> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    if (!token) throw new Error('no bearer token');
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer,
      audience: url,
      algorithms: ['ES256'],
      typ: 'JWT',
    });
    if (payload.exp === undefined || payload.iat === undefined || payload.exp - payload.iat > 300)
      throw new Error('lifetime over 5 minutes');
    if (typeof payload.jti !== 'string' || typeof payload.sub !== 'string') throw new Error('no jti or sub');
    return { token, kid: protectedHeader.kid ?? '', claims: payload };
  }

  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let seen: SeenToken;
        try {
          seen = await verify(req.headers.authorization);
        } catch (err) {
          refused.push({ status: 401, reason: (err as Error).message });
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
          return;
        }
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as unknown) : undefined;
        const sessionId = req.headers['mcp-session-id'] as string | undefined;
        let session = sessionId ? sessions.get(sessionId) : undefined;
        if (sessionId && !session) return void res.writeHead(404).end();
        if (session && session.sub !== seen.claims.sub) {
          refused.push({ status: 403, reason: `session of ${session.sub} used by ${seen.claims.sub}` });
          return void res.writeHead(403).end();
        }
        accepted.push(seen);
        if (!session) {
          const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id) => void sessions.set(id, { transport, sub: seen.claims.sub! }),
          });
          session = { transport, sub: seen.claims.sub! };
          await newServer().connect(transport);
        }
        await session.transport.handleRequest(req, res, body);
      })();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  return {
    url,
    accepted,
    refused,
    /** Sends an initialize with `token` straight to the server: its HTTP status. */
    async initializeWith(token: string): Promise<number> {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'probe', version: '1' },
          },
        }),
      });
      await res.body?.cancel();
      return res.status;
    },
    async close() {
      await Promise.all([...sessions.values()].map((s) => s.transport.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
