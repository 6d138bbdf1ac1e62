import { createHash, randomBytes } from 'node:crypto';
import type { AuthServerDeps } from '@toolgate/auth/deps';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import {
  createTestDatabase,
  seedGateway,
  seedMember,
  seedTenant,
  seedUser,
  type TestDatabase,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import nextConfig from '../../../next.config.ts';
import { handleAuthorize } from './authorize-endpoint.ts';
import { PEER_ADDRESS_HEADER } from './client-address.ts';
import { handleRegister, handleRevoke, handleToken } from './client-endpoints.ts';
import { handleConsentDecision } from './consent-decision.ts';
import { buildOAuthDeps, withOAuthDeps, type OAuthEndpointDeps } from './deps.ts';
import { consentCsrfToken, sealConsentTicket } from './consent-ticket.ts';
import { consentView } from './consent-view.ts';
import {
  handleAuthorizationServerMetadata,
  handleJwks,
  handleOpenIdConfiguration,
} from './discovery-endpoints.ts';
import { preflight } from './http.ts';

const WEB = 'http://web.test';
const REDIRECT = 'http://127.0.0.1:43123/callback';

let db: TestDatabase;
let bus: Bus;
let deps: AuthServerDeps;
let resource: string;
let memberId: string;
let outsiderId: string;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  bus = createBus({});
  deps = {
    db: db.db,
    bus,
    keys: parseKeyRing(generateKeySpec('k1')),
    issuer: WEB,
    publicMcpUrl: 'http://mcp.test',
    allowPrivate: false,
    // Every registration here shares the 'unknown' address bucket; the limit has tests of its own.
    limits: { registrationsPerHour: 1000 },
  };
  const tenant = await seedTenant(db.db, { name: 'Acme Corp' });
  const gateway = await seedGateway(db.db, tenant.id, { name: 'Engineering', clientAuthMethods: ['oauth'] });
  resource = `http://mcp.test/mcp/${tenant.slug}/${gateway.slug}`;
  memberId = (await seedMember(db.db, tenant.id, 'member')).id;
  outsiderId = (await seedUser(db.db)).id;
});

afterAll(async () => {
  await bus?.close();
  await db?.destroy();
});

const signedInAs = (userId: string | null) => () => Promise.resolve(userId);

function formPost(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request(`${WEB}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

async function register(body: Record<string, unknown> = {}): Promise<string> {
  const res = await handleRegister(
    deps,
    new Request(`${WEB}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Inspector', redirect_uris: [REDIRECT], ...body }),
    }),
  );
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeRequest(clientId: string, challenge: string, extra: Record<string, string> = {}): Request {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-123',
    resource,
    scope: 'mcp:tools mcp:read',
    ...extra,
  });
  return new Request(`${WEB}/oauth/authorize?${params.toString()}`);
}

/** The sealed ticket the authorize endpoint hands the consent page. */
function ticketOf(res: Response): string {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(`${WEB}/oauth/consent`);
  return location.searchParams.get('ticket')!;
}

const sameOrigin = { origin: WEB, 'sec-fetch-site': 'same-origin' };

function decide(ticket: string, csrf: string | undefined, decision: string, headers = sameOrigin): Request {
  return formPost('/oauth/consent/decision', { ticket, decision, ...(csrf ? { csrf } : {}) }, headers);
}

const jwtPayload = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('discovery', () => {
  it('serves RFC 8414 metadata with CORS and a short cache', async () => {
    const res = await handleAuthorizationServerMetadata(deps);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      issuer: WEB,
      authorization_endpoint: `${WEB}/oauth/authorize`,
      token_endpoint: `${WEB}/oauth/token`,
      registration_endpoint: `${WEB}/oauth/register`,
      revocation_endpoint: `${WEB}/oauth/revoke`,
      jwks_uri: `${WEB}/.well-known/jwks.json`,
      code_challenge_methods_supported: ['S256'],
      client_id_metadata_document_supported: true,
      authorization_grant_profiles_supported: ['urn:ietf:params:oauth:grant-profile:id-jag'],
    });
    expect(body.grant_types_supported).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ]),
    );
  });

  it('serves the same through OpenID discovery', async () => {
    const res = await handleOpenIdConfiguration(deps);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ issuer: WEB, code_challenge_methods_supported: ['S256'] });
  });

  it('answers CORS preflights', () => {
    const res = preflight();
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/content-type/);
  });
});

describe('registration', () => {
  it('registers a public client (201, CORS, no-store)', async () => {
    const res = await handleRegister(
      deps,
      new Request(`${WEB}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ client_name: 'Inspector', redirect_uris: [REDIRECT] }),
      }),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({ client_name: 'Inspector', redirect_uris: [REDIRECT] });
  });

  it('refuses bodies that are not JSON, too large, or invalid metadata', async () => {
    const post = (body: string, type = 'application/json') =>
      handleRegister(
        deps,
        new Request(`${WEB}/oauth/register`, { method: 'POST', headers: { 'content-type': type }, body }),
      );
    expect((await post('client_name=x', 'application/x-www-form-urlencoded')).status).toBe(400);
    expect((await post('{not json')).status).toBe(400);
    const huge = await post(JSON.stringify({ redirect_uris: [REDIRECT], client_name: 'x'.repeat(20_000) }));
    expect(huge.status).toBe(413);
    const bad = await post(JSON.stringify({ redirect_uris: ['http://evil.example/cb'] }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });
});

describe('authorization', () => {
  it('sends a signed-out user to sign in, and back to this very request', async () => {
    const clientId = await register();
    const req = authorizeRequest(clientId, pkce().challenge);
    const res = await handleAuthorize(deps, req, signedInAs(null));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${WEB}/signin`);
    const back = new URL(req.url);
    expect(location.searchParams.get('callbackUrl')).toBe(`${back.pathname}${back.search}`);
  });

  it('shows an error page, never a redirect, for an unregistered redirect_uri or unknown client', async () => {
    const clientId = await register();
    let userAsked = false;
    const res = await handleAuthorize(
      deps,
      authorizeRequest(clientId, pkce().challenge, { redirect_uri: 'http://127.0.0.1:43123/elsewhere' }),
      () => ((userAsked = true), Promise.resolve(memberId)),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(await res.text()).toMatch(/redirect_uri is not registered/);
    expect(userAsked).toBe(false);

    const unknown = await handleAuthorize(
      deps,
      authorizeRequest('tgc-nope', pkce().challenge),
      signedInAs(memberId),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();
  });

  it('sends other request errors back to the client with state and iss', async () => {
    const clientId = await register();
    const res = await handleAuthorize(
      deps,
      authorizeRequest(clientId, pkce().challenge, { code_challenge_method: 'plain' }),
      signedInAs(memberId),
    );
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.href.startsWith(REDIRECT)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('st-123');
    expect(location.searchParams.get('iss')).toBe(WEB);
  });

  it('refuses a user outside the gateway tenant with access_denied', async () => {
    const clientId = await register();
    const res = await handleAuthorize(
      deps,
      authorizeRequest(clientId, pkce().challenge),
      signedInAs(outsiderId),
    );
    const location = new URL(res.headers.get('location')!);
    expect(location.href.startsWith(REDIRECT)).toBe(true);
    expect(location.searchParams.get('error')).toBe('access_denied');
  });
});

/** The client's callback for a redirect back to it (asserting that is where it goes). */
function callbackOf(res: Response): URL {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.href.startsWith(REDIRECT)).toBe(true);
  expect(location.searchParams.get('state')).toBe('st-123');
  expect(location.searchParams.get('iss')).toBe(WEB);
  return location;
}

/** A client the member has already approved (consent remembered). */
async function approvedClient(): Promise<string> {
  const clientId = await register();
  const ticket = ticketOf(
    await handleAuthorize(deps, authorizeRequest(clientId, pkce().challenge), signedInAs(memberId)),
  );
  const csrf = consentCsrfToken(deps.keys, ticket, memberId);
  const approved = await handleConsentDecision(deps, decide(ticket, csrf, 'approve'), signedInAs(memberId));
  expect(approved.status).toBe(303);
  return clientId;
}

describe('prompt', () => {
  it('none: login_required when signed out, consent_required when not approved, never a page', async () => {
    const clientId = await register();
    const signedOut = callbackOf(
      await handleAuthorize(
        deps,
        authorizeRequest(clientId, pkce().challenge, { prompt: 'none' }),
        signedInAs(null),
      ),
    );
    expect(signedOut.searchParams.get('error')).toBe('login_required');
    expect(signedOut.searchParams.get('code')).toBeNull();

    const notApproved = callbackOf(
      await handleAuthorize(
        deps,
        authorizeRequest(clientId, pkce().challenge, { prompt: 'none' }),
        signedInAs(memberId),
      ),
    );
    expect(notApproved.searchParams.get('error')).toBe('consent_required');

    const outsider = callbackOf(
      await handleAuthorize(
        deps,
        authorizeRequest(clientId, pkce().challenge, { prompt: 'none' }),
        signedInAs(outsiderId),
      ),
    );
    expect(outsider.searchParams.get('error')).toBe('access_denied');
  });

  it('none: issues a code at once when consent is remembered', async () => {
    const clientId = await approvedClient();
    const { verifier, challenge } = pkce();
    const callback = callbackOf(
      await handleAuthorize(
        deps,
        authorizeRequest(clientId, challenge, { prompt: 'none' }),
        signedInAs(memberId),
      ),
    );
    expect(callback.searchParams.get('error')).toBeNull();
    const code = callback.searchParams.get('code')!;
    const res = await handleToken(
      deps,
      formPost('/oauth/token', {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        client_id: clientId,
      }),
    );
    expect(res.status).toBe(200);
  });

  it('consent and login: show the consent page even when consent is remembered', async () => {
    const clientId = await approvedClient();
    for (const prompt of ['consent', 'login', 'login consent']) {
      const ticket = ticketOf(
        await handleAuthorize(
          deps,
          authorizeRequest(clientId, pkce().challenge, { prompt }),
          signedInAs(memberId),
        ),
      );
      const view = consentView(deps.keys, ticket, memberId);
      expect(view.ok).toBe(true);
    }
    // Signed out, login and consent sign in first and come back to the same request.
    const req = authorizeRequest(clientId, pkce().challenge, { prompt: 'login' });
    const signIn = new URL((await handleAuthorize(deps, req, signedInAs(null))).headers.get('location')!);
    expect(signIn.pathname).toBe('/signin');
    expect(signIn.searchParams.get('callbackUrl')).toContain('prompt=login');
  });

  it('refuses unknown values and none combined with others as invalid_request', async () => {
    const clientId = await register();
    for (const prompt of ['select_account', 'none consent', 'bogus']) {
      const callback = callbackOf(
        await handleAuthorize(
          deps,
          authorizeRequest(clientId, pkce().challenge, { prompt }),
          signedInAs(memberId),
        ),
      );
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('error_description')).toMatch(/prompt/);
    }
  });
});

describe('consent, token and refresh', () => {
  it('runs register → authorize → consent → token → refresh → revoke', async () => {
    const clientId = await register({ client_name: 'MCP Inspector' });
    const { verifier, challenge } = pkce();

    const authorized = await handleAuthorize(
      deps,
      authorizeRequest(clientId, challenge),
      signedInAs(memberId),
    );
    expect(authorized.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(authorized.headers.get('x-frame-options')).toBe('DENY');
    const ticket = ticketOf(authorized);
    expect(ticket).not.toContain(challenge);

    // What the consent page shows, for the user it was sealed to only.
    const view = consentView(deps.keys, ticket, memberId);
    if (!view.ok) throw new Error(`consent view: ${view.reason}`);
    expect(view.request.client.name).toBe('MCP Inspector');
    expect(view.request.redirectHost).toBe('127.0.0.1:43123');
    expect(view.request.gateway.name).toBe('Engineering');
    expect(view.request.tenant.name).toBe('Acme Corp');
    expect(view.verified).toBe(false);
    expect(view.scopes.map((s) => s.label)).toEqual(
      expect.arrayContaining(['Call tools', 'See tools, prompts and resources']),
    );
    expect(consentView(deps.keys, ticket, outsiderId)).toEqual({ ok: false, reason: 'other-user' });
    expect(consentView(deps.keys, `${ticket.slice(0, -2)}xx`, memberId)).toEqual({
      ok: false,
      reason: 'expired',
    });

    // The decision needs same-origin, the CSRF token of this ticket and session, and the same user.
    const csrf = view.csrf;
    expect(
      (await handleConsentDecision(deps, decide(ticket, undefined, 'approve'), signedInAs(memberId))).status,
    ).toBe(403);
    expect(
      (await handleConsentDecision(deps, decide(ticket, 'A'.repeat(43), 'approve'), signedInAs(memberId)))
        .status,
    ).toBe(403);
    const otherUsersCsrf = consentCsrfToken(deps.keys, ticket, outsiderId);
    expect(
      (await handleConsentDecision(deps, decide(ticket, otherUsersCsrf, 'approve'), signedInAs(outsiderId)))
        .status,
    ).toBe(403);
    const crossSite = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    expect(
      (await handleConsentDecision(deps, decide(ticket, csrf, 'approve', crossSite), signedInAs(memberId)))
        .status,
    ).toBe(403);
    expect(
      (
        await handleConsentDecision(
          deps,
          decide(ticket, csrf, 'approve', {} as typeof sameOrigin),
          signedInAs(memberId),
        )
      ).status,
    ).toBe(403);
    expect(
      (await handleConsentDecision(deps, decide(ticket, csrf, 'approve'), signedInAs(null))).status,
    ).toBe(403);

    const approved = await handleConsentDecision(deps, decide(ticket, csrf, 'approve'), signedInAs(memberId));
    expect(approved.status).toBe(303);
    const callback = new URL(approved.headers.get('location')!);
    expect(callback.href.startsWith(REDIRECT)).toBe(true);
    expect(callback.searchParams.get('state')).toBe('st-123');
    expect(callback.searchParams.get('iss')).toBe(WEB);
    const code = callback.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const tokenRes = await handleToken(
      deps,
      formPost('/oauth/token', {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: clientId,
        resource,
      }),
    );
    expect(tokenRes.status).toBe(200);
    expect(tokenRes.headers.get('cache-control')).toBe('no-store');
    expect(tokenRes.headers.get('access-control-allow-origin')).toBe('*');
    const tokens = (await tokenRes.json()) as {
      access_token: string;
      refresh_token: string;
      token_type: string;
    };
    expect(tokens.token_type).toBe('Bearer');
    expect(jwtPayload(tokens.access_token)).toMatchObject({
      iss: WEB,
      aud: resource,
      sub: memberId,
      client_id: clientId,
    });

    // The JWKS now holds the key that signed it.
    const jwks = (await (await handleJwks(deps)).json()) as { keys: { kid: string }[] };
    const kid = (
      JSON.parse(Buffer.from(tokens.access_token.split('.')[0]!, 'base64url').toString()) as { kid: string }
    ).kid;
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);

    // The code is single-use.
    const again = await handleToken(
      deps,
      formPost('/oauth/token', {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        client_id: clientId,
      }),
    );
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });

    // A fresh authorization for the same client (new code), then refresh and revoke.
    const second = pkce();
    const remembered = await handleAuthorize(
      deps,
      authorizeRequest(clientId, second.challenge),
      signedInAs(memberId),
    );
    expect(remembered.status).toBe(302);
    const direct = new URL(remembered.headers.get('location')!);
    expect(direct.href.startsWith(REDIRECT)).toBe(true);
    const code2 = direct.searchParams.get('code')!;
    const tokens2 = (await (
      await handleToken(
        deps,
        formPost('/oauth/token', {
          grant_type: 'authorization_code',
          code: code2,
          code_verifier: second.verifier,
          client_id: clientId,
        }),
      )
    ).json()) as { refresh_token: string };

    const refreshed = await handleToken(
      deps,
      formPost('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: tokens2.refresh_token,
        client_id: clientId,
      }),
    );
    expect(refreshed.status).toBe(200);
    const rotated = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect(rotated.refresh_token).not.toBe(tokens2.refresh_token);
    expect(jwtPayload(rotated.access_token)).toMatchObject({ aud: resource, sub: memberId });

    const revoked = await handleRevoke(
      deps,
      formPost('/oauth/revoke', {
        token: rotated.refresh_token,
        token_type_hint: 'refresh_token',
        client_id: clientId,
      }),
    );
    expect(revoked.status).toBe(200);
    expect(revoked.headers.get('access-control-allow-origin')).toBe('*');
    const afterRevoke = await handleToken(
      deps,
      formPost('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: rotated.refresh_token,
        client_id: clientId,
      }),
    );
    expect(afterRevoke.status).toBe(400);
  });

  it('sends a denial back as access_denied with state and iss', async () => {
    const clientId = await register();
    const ticket = ticketOf(
      await handleAuthorize(deps, authorizeRequest(clientId, pkce().challenge), signedInAs(memberId)),
    );
    const csrf = consentCsrfToken(deps.keys, ticket, memberId);
    const res = await handleConsentDecision(deps, decide(ticket, csrf, 'deny'), signedInAs(memberId));
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.href.startsWith(REDIRECT)).toBe(true);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('st-123');
    expect(location.searchParams.get('iss')).toBe(WEB);
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('refuses an expired consent ticket', async () => {
    const clientId = await register();
    const ticket = ticketOf(
      await handleAuthorize(deps, authorizeRequest(clientId, pkce().challenge), signedInAs(memberId)),
    );
    const view = consentView(deps.keys, ticket, memberId);
    if (!view.ok) throw new Error('expected a consent view');
    const stale = sealConsentTicket(deps.keys, view.request, memberId, new Date(Date.now() - 11 * 60 * 1000));
    const res = await handleConsentDecision(
      deps,
      decide(stale, consentCsrfToken(deps.keys, stale, memberId), 'approve'),
      signedInAs(memberId),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});

describe('token and revocation endpoints', () => {
  it('take application/x-www-form-urlencoded only', async () => {
    for (const handler of [handleToken, handleRevoke]) {
      const res = await handler(
        deps,
        new Request(`${WEB}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'refresh_token' }),
        }),
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('refuses an oversized form', async () => {
    const res = await handleToken(
      deps,
      formPost('/oauth/token', { grant_type: 'refresh_token', pad: 'x'.repeat(70_000) }),
    );
    expect(res.status).toBe(413);
  });

  it('answers a failed Basic authentication with 401 and a Basic challenge', async () => {
    const basic = `Basic ${Buffer.from('tgc-nope:wrong').toString('base64')}`;
    const res = await handleToken(
      deps,
      formPost(
        '/oauth/token',
        { grant_type: 'refresh_token', refresh_token: 'tgr_x' },
        { authorization: basic },
      ),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
  });
});

describe('rate limits', () => {
  const randomIp = () => `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;

  function registerFrom(d: OAuthEndpointDeps, forwardedFor: string): Promise<Response> {
    return handleRegister(
      d,
      new Request(`${WEB}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: JSON.stringify({ client_name: 'Inspector', redirect_uris: [REDIRECT] }),
      }),
    );
  }

  it('answers the registration past the hourly limit of one address with 429 and Retry-After', async () => {
    const limited: OAuthEndpointDeps = { ...deps, limits: { registrationsPerHour: 2 }, trustedProxyHops: 1 };
    const [one, other] = [randomIp(), randomIp()];
    // The proxy appended the address it saw; whatever the client put before it does not count.
    expect((await registerFrom(limited, `203.0.113.1, ${one}`)).status).toBe(201);
    expect((await registerFrom(limited, `203.0.113.2, ${one}`)).status).toBe(201);
    const refused = await registerFrom(limited, `203.0.113.3, ${one}`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    expect(refused.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });

    expect((await registerFrom(limited, other)).status).toBe(201);
  });

  it('counts failed token requests per client_id and address, not successful ones', async () => {
    const limited: OAuthEndpointDeps = { ...deps, limits: { tokenFailuresPer10Min: 3 } };
    const clientId = await approvedClient();
    const otherClientId = await register();
    const guesser = { [PEER_ADDRESS_HEADER]: randomIp() };
    const exchange = async (id = clientId, headers = guesser) => {
      const { verifier, challenge } = pkce();
      const callback = callbackOf(
        await handleAuthorize(
          limited,
          authorizeRequest(id, challenge, { prompt: 'none' }),
          signedInAs(memberId),
        ),
      );
      return handleToken(
        limited,
        formPost(
          '/oauth/token',
          {
            grant_type: 'authorization_code',
            code: callback.searchParams.get('code')!,
            code_verifier: verifier,
            client_id: id,
          },
          headers,
        ),
      );
    };
    const fail = (id = clientId) =>
      handleToken(
        limited,
        formPost(
          '/oauth/token',
          { grant_type: 'refresh_token', refresh_token: 'tgr_wrong', client_id: id },
          guesser,
        ),
      );

    expect((await exchange()).status).toBe(200);
    expect((await fail()).status).toBe(400);
    expect((await exchange()).status).toBe(200);
    expect((await fail()).status).toBe(400);
    expect((await exchange()).status).toBe(200);
    expect((await fail()).status).toBe(400);
    // Three failures: from now on even a sound request of this client waits for the window.
    const refused = await exchange();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });

    expect((await fail(otherClientId)).status).toBe(400);
    // The same client elsewhere (its real user) is not locked out by the one who failed.
    expect((await exchange(clientId, { [PEER_ADDRESS_HEADER]: randomIp() })).status).toBe(200);
  });
});

describe('configuration', () => {
  it('answers 503 when the process has no key ring', async () => {
    const log = { error: () => undefined } as unknown as Parameters<typeof buildOAuthDeps>[0]['log'];
    const settings = {
      PUBLIC_WEB_URL: 'http://web.test/',
      PUBLIC_MCP_URL: 'http://mcp.test',
      TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: false,
      TRUST_PROXY: 1,
      OAUTH_REGISTER_PER_HOUR: 5,
      OAUTH_TOKEN_FAILURES_PER_10_MIN: 7,
    };
    const handles = { db, bus, log };
    const res = await withOAuthDeps(handleAuthorizationServerMetadata, () =>
      buildOAuthDeps(handles, settings),
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    const built = buildOAuthDeps({ ...handles, secretKeys: deps.keys }, settings);
    expect(built.issuer).toBe('http://web.test');
    expect(built).toMatchObject({
      trustedProxyHops: 1,
      limits: { registrationsPerHour: 5, tokenFailuresPer10Min: 7 },
    });
  });
});

describe('framing', () => {
  it('next.config forbids framing every /oauth page', async () => {
    const rules = (await nextConfig.headers?.()) ?? [];
    const oauth = rules.find((r) => r.source === '/oauth/:path*');
    expect(oauth?.headers).toEqual(
      expect.arrayContaining([
        { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
        { key: 'X-Frame-Options', value: 'DENY' },
      ]),
    );
  });
});
