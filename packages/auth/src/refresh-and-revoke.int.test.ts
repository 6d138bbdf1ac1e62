import { memberships, oauthGrants, oauthRefreshTokens } from '@toolgate/db/schema';
import { seedMember } from '@toolgate/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClient } from './clients.ts';
import { accessTokenRevocationId, REFRESH_REUSE_GRACE_SECONDS, sha256Hex } from './constants.ts';
import { handleRevocation } from './revoke.ts';
import { handleTokenRequest } from './token.ts';
import {
  basic,
  codeToTokens,
  createAuthTestEnv,
  matching,
  REDIRECT,
  registerPublicClient,
  seedOAuthTenant,
  token,
  verifyOurToken,
  type AuthTestEnv,
  type OAuthTenant,
} from './testing/auth-test-env.ts';

let env: AuthTestEnv;
let a: OAuthTenant;
let b: OAuthTenant;

beforeAll(async () => {
  env = await createAuthTestEnv();
  [a, b] = await Promise.all([seedOAuthTenant(env), seedOAuthTenant(env)]);
});
afterAll(async () => {
  await env?.close();
});

async function session(scope?: string, userId = a.member.id) {
  const client = await registerPublicClient(env);
  const tokens = await codeToTokens(env, { clientId: client.client_id, resource: a.resource, userId, scope });
  return { client, tokens, refreshToken: tokens.refresh_token! };
}

const refresh = (clientId: string, refreshToken: string, extra: Record<string, string> = {}) =>
  token(env, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra });

const revoke = (fields: Record<string, string>, authorization?: string) =>
  handleRevocation(env.deps, { form: new URLSearchParams(fields), authorization });

describe('refresh token grant', () => {
  it('rotates: each use returns a new refresh token and a new access token for the same gateway', async () => {
    const { client, refreshToken } = await session();
    const first = await refresh(client.client_id, refreshToken);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(refreshToken);
    const claims = await verifyOurToken(env, first.body.access_token as string, a.resource);
    expect(claims).toMatchObject({ sub: a.member.id, gid: a.gateway.id, scope: 'mcp:read mcp:tools' });
    const second = await refresh(client.client_id, first.body.refresh_token as string);
    expect(second.status).toBe(200);
    const rows = await env.db.db
      .select()
      .from(oauthRefreshTokens)
      .where(eq(oauthRefreshTokens.tokenHash, sha256Hex(refreshToken)));
    expect(rows[0]!.usedAt).not.toBeNull();
  });

  it('detects reuse: a used token is refused and its whole family revoked, access tokens included', async () => {
    const { client, refreshToken } = await session();
    const next = await refresh(client.client_id, refreshToken);
    expect(next.status).toBe(200);
    const nextClaims = await verifyOurToken(env, next.body.access_token as string, a.resource);

    // Past the grace a client racing itself gets (see below), it is reuse.
    env.clock.offsetMs += (REFRESH_REUSE_GRACE_SECONDS + 1) * 1000;
    const replay = await refresh(client.client_id, refreshToken);
    expect(replay).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: matching(/already used/) },
    });
    // The legitimate successor dies with the family.
    expect(await refresh(client.client_id, next.body.refresh_token as string)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await env.bus.revocations.has(accessTokenRevocationId(nextClaims.jti!))).toBe(true);
  });

  it('lets a client racing itself refresh twice within the grace, and treats a later use as reuse', async () => {
    const { client, refreshToken } = await session();
    // Two requests hit 401 at once and both refresh with the same token.
    const results = await Promise.all([
      refresh(client.client_id, refreshToken),
      refresh(client.client_id, refreshToken),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const [one, two] = results.map((r) => r.body.refresh_token as string);
    expect(one).not.toBe(two);
    // Both successors live on in the family…
    expect((await refresh(client.client_id, one!)).status).toBe(200);
    // …until the original is presented once more after the grace: the whole family goes.
    env.clock.offsetMs += (REFRESH_REUSE_GRACE_SECONDS + 1) * 1000;
    expect(await refresh(client.client_id, refreshToken)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: matching(/already used/) },
    });
    expect((await refresh(client.client_id, two!)).status).toBe(400);
  });

  it('lets scope narrow but never widen, and keeps the resource', async () => {
    const { client, refreshToken } = await session('mcp:read');
    expect(await refresh(client.client_id, refreshToken, { scope: 'mcp:read mcp:tools' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    expect(await refresh(client.client_id, refreshToken, { resource: b.resource })).toMatchObject({
      status: 400,
      body: { error: 'invalid_target' },
    });
    // Refused requests did not spend the token.
    const ok = await refresh(client.client_id, refreshToken, { scope: 'mcp:read', resource: a.resource });
    expect(ok).toMatchObject({ status: 200, body: { scope: 'mcp:read' } });

    const wide = await session();
    const narrowed = await refresh(wide.client.client_id, wide.refreshToken, { scope: 'mcp:read' });
    expect(narrowed.body.scope).toBe('mcp:read');
    // The successor still carries the grant's scopes.
    const again = await refresh(wide.client.client_id, narrowed.body.refresh_token as string);
    expect(again.body.scope).toBe('mcp:read mcp:tools');
  });

  it('refuses a token of another client, an expired one, one under a revoked grant, or of a user who left', async () => {
    const { client, refreshToken } = await session();
    const other = await registerPublicClient(env);
    expect(await refresh(other.client_id, refreshToken)).toMatchObject({
      status: 400,
      body: { error_description: matching(/another client/) },
    });

    env.clock.offsetMs = 31 * 24 * 3600 * 1000;
    try {
      expect(await refresh(client.client_id, refreshToken)).toMatchObject({
        status: 400,
        body: { error_description: matching(/expired/) },
      });
    } finally {
      env.clock.offsetMs = 0;
    }

    const revoked = await session();
    await env.db.db
      .update(oauthGrants)
      .set({ revokedAt: new Date() })
      .where(eq(oauthGrants.clientId, (await clientRow(revoked.client.client_id)).id));
    expect(await refresh(revoked.client.client_id, revoked.refreshToken)).toMatchObject({
      status: 400,
      body: { error_description: matching(/revoked/) },
    });

    const leaver = await seedMember(env.db.db, a.tenant.id);
    const left = await session(undefined, leaver.id);
    await env.db.db
      .delete(memberships)
      .where(and(eq(memberships.userId, leaver.id), eq(memberships.tenantId, a.tenant.id)));
    expect(await refresh(left.client.client_id, left.refreshToken)).toMatchObject({
      status: 400,
      body: { error_description: matching(/member/) },
    });
  });
});

async function clientRow(clientId: string) {
  const { oauthClients } = await import('@toolgate/db/schema');
  const [row] = await env.db.db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
  return row!;
}

describe('confidential clients at the token endpoint', () => {
  it('authenticate with their registered method and secret only', async () => {
    const client = await registerClient(env.deps, {
      client_name: 'Server app',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const secret = client.client_secret!;
    const tokens = await (async () => {
      const { obtainCode } = await import('./testing/auth-test-env.ts');
      const { code, verifier } = await obtainCode(env, {
        clientId: client.client_id,
        resource: a.resource,
        userId: a.member.id,
      });
      return { code, verifier };
    })();
    const form = { grant_type: 'authorization_code', code: tokens.code, code_verifier: tokens.verifier };
    const wrong = await token(env, form, basic(client.client_id, `${secret}x`));
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    expect(await token(env, { ...form, client_id: client.client_id, client_secret: secret })).toMatchObject({
      status: 401,
      body: { error_description: matching(/client_secret_basic/) },
    });
    expect(await token(env, { ...form, client_id: client.client_id })).toMatchObject({ status: 401 });
    expect(await token(env, form, basic(client.client_id, secret))).toMatchObject({ status: 200 });
  });

  it('a public client must not present a secret', async () => {
    const client = await registerPublicClient(env);
    expect(
      await token(env, {
        grant_type: 'refresh_token',
        refresh_token: 'tgr_x',
        client_id: client.client_id,
        client_secret: 'made-up',
      }),
    ).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});

describe('revocation (RFC 7009)', () => {
  it('revokes a refresh token’s family and its live access tokens', async () => {
    const { client, tokens, refreshToken } = await session();
    const claims = await verifyOurToken(env, tokens.access_token, a.resource);
    expect(
      await revoke({ token: refreshToken, token_type_hint: 'refresh_token', client_id: client.client_id }),
    ).toMatchObject({
      status: 200,
    });
    expect(await refresh(client.client_id, refreshToken)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await env.bus.revocations.has(accessTokenRevocationId(claims.jti!))).toBe(true);
  });

  it('revokes an access token until it would have expired', async () => {
    const { client, tokens, refreshToken } = await session();
    const claims = await verifyOurToken(env, tokens.access_token, a.resource);
    expect(await revoke({ token: tokens.access_token, client_id: client.client_id })).toMatchObject({
      status: 200,
    });
    expect(await env.bus.revocations.has(accessTokenRevocationId(claims.jti!))).toBe(true);
    // The refresh token is untouched.
    expect((await refresh(client.client_id, refreshToken)).status).toBe(200);
  });

  it('answers 200 without effect for unknown tokens and tokens of another client', async () => {
    const { client, tokens, refreshToken } = await session();
    const other = await registerPublicClient(env);
    const claims = await verifyOurToken(env, tokens.access_token, a.resource);
    expect(await revoke({ token: 'tgr_unknown', client_id: other.client_id })).toMatchObject({ status: 200 });
    expect(await revoke({ token: 'a.b.c', client_id: other.client_id })).toMatchObject({ status: 200 });
    expect(await revoke({ token: refreshToken, client_id: other.client_id })).toMatchObject({ status: 200 });
    expect(await revoke({ token: tokens.access_token, client_id: other.client_id })).toMatchObject({
      status: 200,
    });
    expect(await env.bus.revocations.has(accessTokenRevocationId(claims.jti!))).toBe(false);
    expect((await refresh(client.client_id, refreshToken)).status).toBe(200);
  });

  it('requires client authentication and a token', async () => {
    const confidential = await registerClient(env.deps, {
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(await revoke({ token: 'tgr_x' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(
      await revoke({ token: 'tgr_x', client_id: confidential.client_id, client_secret: 'nope' }),
    ).toMatchObject({
      status: 401,
    });
    expect(
      await revoke({ client_id: confidential.client_id, client_secret: confidential.client_secret! }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});

describe('failed token requests', () => {
  it('count per client_id and address (invalid_client and invalid_grant only); past the limit 429 with Retry-After', async () => {
    const deps = { ...env.deps, limits: { tokenFailuresPer10Min: 2 } };
    const post = (fields: Record<string, string>, authorization?: string) =>
      handleTokenRequest(deps, { form: new URLSearchParams(fields), authorization });
    const { client, refreshToken } = await session();
    const id = client.client_id;

    // invalid_request and invalid_scope are the client's bugs, not guesses: not counted.
    expect(await post({ grant_type: 'refresh_token', client_id: id })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    expect(
      await post({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: id,
        scope: 'mcp:admin',
      }),
    ).toMatchObject({ body: { error: 'invalid_scope' } });
    expect(
      await post({ grant_type: 'refresh_token', refresh_token: 'tgr_guess', client_id: id }),
    ).toMatchObject({
      body: { error: 'invalid_grant' },
    });
    const rotated = await post({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: id });
    expect(rotated.status).toBe(200);
    expect(
      await post({
        grant_type: 'refresh_token',
        refresh_token: 'tgr_x',
        client_id: id,
        client_secret: 'made-up',
      }),
    ).toMatchObject({ status: 401, body: { error: 'invalid_client' } });

    const refused = await post({
      grant_type: 'refresh_token',
      refresh_token: rotated.body.refresh_token as string,
      client_id: id,
    });
    expect(refused).toMatchObject({ status: 429, body: { error: 'temporarily_unavailable' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['cache-control']).toBe('no-store');

    // An unknown client_id has a counter of its own; other clients are unaffected.
    const other = await session();
    expect(
      await post({
        grant_type: 'refresh_token',
        refresh_token: other.refreshToken,
        client_id: other.client.client_id,
      }),
    ).toMatchObject({
      status: 200,
    });
  });
});
