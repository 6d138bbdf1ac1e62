import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oauthClients } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAuthorizationRequest } from './authorize.ts';
import { CimdCache, cacheSeconds } from './cimd.ts';
import { findClient } from './clients.ts';
import type { AuthServerDeps } from './deps.ts';
import { OAuthError, RateLimitedError } from './errors.ts';
import {
  authorizeParams,
  codeToTokens,
  createAuthTestEnv,
  pkce,
  REDIRECT,
  seedOAuthTenant,
  verifyOurToken,
  type AuthTestEnv,
  type OAuthTenant,
} from './testing/auth-test-env.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let env: AuthTestEnv;
let a: OAuthTenant;
let server: Server;
let origin: string;
let ca: string;
let dir: string;
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-cimd-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days',
      '1',
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  env = await createAuthTestEnv({ cimdCa: ca });
  a = await seedOAuthTenant(env);
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A fresh document URL served with `doc` (a function of the URL) and optional headers. */
function serve(doc: (url: string) => unknown, headers: Record<string, string> = {}, status = 200) {
  const path = `/clients/${++n}/metadata.json`;
  const url = `${origin}${path}`;
  routes.set(path, (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof doc(url) === 'string' ? (doc(url) as string) : JSON.stringify(doc(url)));
  });
  return { url, path };
}

const goodDoc = (url: string) => ({
  client_id: url,
  client_name: 'Inspector',
  client_uri: 'https://inspector.example',
  redirect_uris: [REDIRECT],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
});

async function refusal(clientId: string, deps: AuthServerDeps = env.deps): Promise<string> {
  try {
    await findClient(deps, clientId);
  } catch (err) {
    if (err instanceof OAuthError && err.error === 'invalid_client') return err.description;
    throw err;
  }
  throw new Error(`expected ${clientId} to be refused`);
}

describe('client ID metadata documents', () => {
  it('fetches, validates and stores the client, then serves it from the cache', async () => {
    const { url, path } = serve(goodDoc, { 'cache-control': 'max-age=600' });
    const client = await findClient(env.deps, url);
    expect(client).toMatchObject({
      clientId: url,
      kind: 'cimd',
      name: 'Inspector',
      redirectUris: [REDIRECT],
      tokenEndpointAuthMethod: 'none',
      clientUri: 'https://inspector.example',
    });
    await findClient(env.deps, url);
    expect(hits.get(path)).toBe(1);

    // The whole flow works with the URL as client_id.
    const tokens = await codeToTokens(env, { clientId: url, resource: a.resource, userId: a.member.id });
    expect(await verifyOurToken(env, tokens.access_token, a.resource)).toMatchObject({ client_id: url });
    expect(hits.get(path)).toBe(1);
  });

  it('fetches documents for one requester only so often; cached documents and other requesters are unaffected', async () => {
    const deps = { ...env.deps, limits: { metadataFetchesPer10Min: 2 } };
    const requester = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const cached = serve(goodDoc, { 'cache-control': 'max-age=600' });
    const [first, second, third] = [serve(goodDoc), serve(goodDoc), serve(goodDoc)];
    await findClient(deps, cached.url, { requester });
    // Served from the cache: not a fetch, not counted.
    await findClient(deps, cached.url, { requester });
    await findClient(deps, first.url, { requester });
    await expect(findClient(deps, second.url, { requester })).rejects.toBeInstanceOf(RateLimitedError);
    expect(hits.get(second.path)).toBeUndefined();
    // The authorization endpoint says so rather than calling the client unknown.
    await expect(
      validateAuthorizationRequest(
        deps,
        authorizeParams({ client_id: third.url, resource: a.resource, code_challenge: pkce().challenge }),
        { requester },
      ),
    ).rejects.toBeInstanceOf(RateLimitedError);
    expect((await findClient(deps, second.url, { requester: `${requester}1` }))!.clientId).toBe(second.url);
  });

  it('does not cache a no-store document, and names a client without client_name by its host', async () => {
    const { url, path } = serve((u) => ({ ...goodDoc(u), client_name: undefined }), {
      'cache-control': 'no-store',
    });
    expect((await findClient(env.deps, url))!.name).toBe(new URL(origin).host);
    await findClient(env.deps, url);
    expect(hits.get(path)).toBe(2);
  });

  it('refuses http client ids, ids without a path, and private addresses when those are not allowed', async () => {
    expect(await refusal(`http://127.0.0.1:1/client.json`)).toMatch(/https/);
    expect(await refusal(`${origin}/`)).toMatch(/path/);
    const { url, path } = serve(goodDoc);
    const strict = { ...env.deps, allowPrivate: false, cimdCache: new CimdCache() };
    expect(await refusal(url, strict)).toMatch(/private address/);
    expect(hits.get(path)).toBeUndefined();
  });

  it('verifies TLS: without the test CA the self-signed server is refused', async () => {
    const { url } = serve(goodDoc);
    const { cimdCa: _omitted, ...withoutCa } = env.deps;
    expect(await refusal(url, { ...withoutCa, cimdCache: new CimdCache() })).toMatch(/certificate/);
  });

  it('refuses a document whose client_id differs from its URL', async () => {
    const { url } = serve((u) => ({ ...goodDoc(u), client_id: `${u}?x=1` }));
    expect(await refusal(url)).toMatch(/client_id does not equal/);
  });

  it('does not follow redirects', async () => {
    const target = serve(goodDoc);
    const { url } = serve(() => '', { location: target.url }, 302);
    expect(await refusal(url)).toMatch(/redirects are not followed/);
    expect(hits.get(target.path)).toBeUndefined();
  });

  it('refuses an oversize document', async () => {
    const { url } = serve((u) => ({ ...goodDoc(u), padding: 'x'.repeat(6 * 1024) }));
    expect(await refusal(url)).toMatch(/more than 5120 bytes/);
  });

  it('refuses secrets, private_key_jwt and unsafe redirect URIs', async () => {
    expect(
      await refusal(serve((u) => ({ ...goodDoc(u), token_endpoint_auth_method: 'private_key_jwt' })).url),
    ).toMatch(/private_key_jwt/);
    expect(
      await refusal(serve((u) => ({ ...goodDoc(u), token_endpoint_auth_method: 'client_secret_basic' })).url),
    ).toMatch(/must be none/);
    expect(
      await refusal(serve((u) => ({ ...goodDoc(u), redirect_uris: ['http://evil.example/cb'] })).url),
    ).toMatch(/loopback/);
    expect(await refusal(serve(() => 'not json').url)).toMatch(/not JSON/);
  });

  it('never caches a failure: once the document is fixed the client works', async () => {
    let broken = true;
    const { url, path } = serve((u) =>
      broken ? { ...goodDoc(u), client_id: 'https://other.example/x' } : goodDoc(u),
    );
    expect(await refusal(url)).toMatch(/client_id/);
    broken = false;
    await expect(findClient(env.deps, url)).resolves.toMatchObject({ clientId: url });
    expect(hits.get(path)).toBe(2);
    const [row] = await env.db.db.select().from(oauthClients).where(eq(oauthClients.clientId, url));
    expect(row?.kind).toBe('cimd');
  });

  it('shows an unusable document as a non-redirectable authorization error', async () => {
    const { url } = serve((u) => ({ ...goodDoc(u), client_id: 'https://elsewhere.example/x' }));
    await expect(
      validateAuthorizationRequest(
        env.deps,
        authorizeParams({
          client_id: url,
          redirect_uri: REDIRECT,
          resource: a.resource,
          code_challenge: pkce().challenge,
        }),
      ),
    ).rejects.toMatchObject({ error: 'invalid_client', redirectable: false });
  });

  it('reads cache lifetimes from Cache-Control', () => {
    expect(cacheSeconds(undefined)).toBe(300);
    expect(cacheSeconds('public, max-age=60')).toBe(60);
    expect(cacheSeconds('max-age=999999')).toBe(86400);
    expect(cacheSeconds('no-store')).toBe(0);
    expect(cacheSeconds('no-cache, max-age=60')).toBe(0);
  });
});
