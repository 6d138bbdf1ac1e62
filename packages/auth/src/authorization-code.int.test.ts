import { accessTokenRevocationId } from '@toolgate/auth/constants';
import { createPreregisteredClient } from './clients.ts';
import { gatewayTeams, memberships, oauthAuthorizationCodes, oauthGrants } from '@toolgate/db/schema';
import { seedTeam } from '@toolgate/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveAuthorization,
  authorizeErrorRedirect,
  denyAuthorization,
  hasRememberedConsent,
  nextAuthorizationStep,
  userMayAuthorize,
  validateAuthorizationRequest,
} from './authorize.ts';
import { AuthorizeError } from './errors.ts';
import { sha256Hex } from './constants.ts';
import {
  authorizeParams,
  codeToTokens,
  createAuthTestEnv,
  matching,
  obtainCode,
  pkce,
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

async function authorizeFailure(params: URLSearchParams): Promise<AuthorizeError> {
  try {
    await validateAuthorizationRequest(env.deps, params);
  } catch (err) {
    if (err instanceof AuthorizeError) return err;
    throw err;
  }
  throw new Error('expected the authorization request to be refused');
}

describe('authorization request validation', () => {
  it('refuses an unknown client and an unregistered redirect URI without redirecting', async () => {
    const client = await registerPublicClient(env);
    const { challenge } = pkce();
    const unknown = await authorizeFailure(
      authorizeParams({
        client_id: 'tgc-nope',
        redirect_uri: REDIRECT,
        resource: a.resource,
        code_challenge: challenge,
      }),
    );
    expect(unknown).toMatchObject({ error: 'invalid_client', redirectable: false });
    const mismatch = await authorizeFailure(
      authorizeParams({
        client_id: client.client_id,
        redirect_uri: `${REDIRECT}/other`,
        resource: a.resource,
        code_challenge: challenge,
      }),
    );
    expect(mismatch).toMatchObject({ error: 'invalid_request', redirectable: false });
    expect(mismatch.target).toBeUndefined();
  });

  it('uses the only registered redirect URI when none is given, and names its host', async () => {
    const client = await registerPublicClient(env);
    const v = await validateAuthorizationRequest(
      env.deps,
      authorizeParams({
        client_id: client.client_id,
        resource: a.resource,
        code_challenge: pkce().challenge,
      }),
    );
    expect(v).toMatchObject({
      redirectUri: REDIRECT,
      redirectHost: '127.0.0.1:33418',
      scopes: ['mcp:read', 'mcp:tools'],
      resource: a.resource,
      tenant: { id: a.tenant.id },
      gateway: { id: a.gateway.id, visibility: 'org' },
    });
  });

  it('redirects PKCE, scope and resource errors back to the client with state and iss', async () => {
    const client = await registerPublicClient(env);
    const base = { client_id: client.client_id, redirect_uri: REDIRECT, resource: a.resource, state: 'xyz' };
    const cases: [Record<string, string | undefined>, string][] = [
      [{ code_challenge: undefined }, 'invalid_request'],
      [{ code_challenge: pkce().challenge, code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: pkce().challenge, code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge: pkce().challenge, response_type: 'token' }, 'unsupported_response_type'],
      [{ code_challenge: pkce().challenge, scope: 'mcp:tools admin' }, 'invalid_scope'],
      [{ code_challenge: pkce().challenge, resource: undefined }, 'invalid_target'],
      [{ code_challenge: pkce().challenge, resource: `${a.resource}/` }, 'invalid_target'],
      [{ code_challenge: pkce().challenge, resource: a.noOauthResource }, 'invalid_target'],
      [{ code_challenge: pkce().challenge, resource: a.url({ slug: 'missing' }) }, 'invalid_target'],
    ];
    for (const [fields, error] of cases) {
      const err = await authorizeFailure(authorizeParams({ ...base, ...fields }));
      expect({ fields, error: err.error, redirectable: err.redirectable }).toEqual({
        fields,
        error,
        redirectable: true,
      });
      const location = new URL(authorizeErrorRedirect(err.target!, err));
      expect(location.origin + location.pathname).toBe(REDIRECT);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe('xyz');
      expect(location.searchParams.get('iss')).toBe(env.deps.issuer);
    }
  });

  it('keeps a pre-registered client to the gateways of its own tenant', async () => {
    const { client } = await createPreregisteredClient(env.deps, {
      tenantId: a.tenant.id,
      name: 'Internal agent',
      redirectUris: [REDIRECT],
      confidential: false,
      createdBy: a.admin.id,
    });
    const own = await validateAuthorizationRequest(
      env.deps,
      authorizeParams({ client_id: client.clientId, resource: a.resource, code_challenge: pkce().challenge }),
    );
    expect(own.gateway.id).toBe(a.gateway.id);
    const foreign = await authorizeFailure(
      authorizeParams({ client_id: client.clientId, resource: b.resource, code_challenge: pkce().challenge }),
    );
    expect(foreign).toMatchObject({ error: 'invalid_target', redirectable: true });
  });

  it('accepts the host-routed gateway URL when MCP_BASE_HOST is set, exactly as the proxy serves it', async () => {
    const hostDeps = { ...env.deps, mcpBaseHost: 'mcp.toolgate.test' };
    const hostUrl = `https://${a.tenant.slug}.mcp.toolgate.test/mcp/${a.gateway.slug}`;
    const client = await registerPublicClient(env);
    const request = (resource: string) =>
      authorizeParams({ client_id: client.client_id, resource, code_challenge: pkce().challenge });
    const v = await validateAuthorizationRequest(hostDeps, request(hostUrl));
    expect(v).toMatchObject({
      resource: hostUrl,
      gateway: { id: a.gateway.id },
      tenant: { id: a.tenant.id },
    });
    // The path form still works; near misses and the host form without the setting do not.
    expect((await validateAuthorizationRequest(hostDeps, request(a.resource))).gateway.id).toBe(a.gateway.id);
    for (const [deps, resource] of [
      [hostDeps, `${hostUrl}/`],
      [hostDeps, `http://${a.tenant.slug}.mcp.toolgate.test/mcp/${a.gateway.slug}`],
      [hostDeps, `https://${a.tenant.slug}.evil.test/mcp/${a.gateway.slug}`],
      [hostDeps, `https://x.${a.tenant.slug}.mcp.toolgate.test/mcp/${a.gateway.slug}`],
      [env.deps, hostUrl],
    ] as const) {
      await expect(validateAuthorizationRequest(deps, request(resource))).rejects.toMatchObject({
        error: 'invalid_target',
      });
    }
  });
});

describe('who may authorize', () => {
  it('requires membership of the tenant and a gateway shared with the user', async () => {
    const client = await registerPublicClient(env);
    const params = (resource: string) =>
      authorizeParams({ client_id: client.client_id, resource, code_challenge: pkce().challenge });
    const v = await validateAuthorizationRequest(env.deps, params(a.resource));
    await expect(userMayAuthorize(env.deps, v, a.member.id)).resolves.toBeUndefined();
    await expect(userMayAuthorize(env.deps, v, b.member.id)).rejects.toMatchObject({
      error: 'access_denied',
    });
    await expect(approveAuthorization(env.deps, v, b.member.id)).rejects.toMatchObject({
      error: 'access_denied',
    });

    const team = await seedTeam(env.db.db, a.tenant.id, []);
    const teamGateway = await import('@toolgate/db/testing').then((m) =>
      m.seedGateway(env.db.db, a.tenant.id, { clientAuthMethods: ['oauth'], visibility: 'teams' }),
    );
    await env.db.db
      .insert(gatewayTeams)
      .values({ tenantId: a.tenant.id, gatewayId: teamGateway.id, teamId: team.id });
    const tv = await validateAuthorizationRequest(env.deps, params(a.url(teamGateway)));
    await expect(userMayAuthorize(env.deps, tv, a.member.id)).rejects.toMatchObject({
      error: 'access_denied',
    });
    await expect(userMayAuthorize(env.deps, tv, a.admin.id)).resolves.toBeUndefined();
    await import('@toolgate/db/schema').then(({ teamMembers }) =>
      env.db.db.insert(teamMembers).values({ tenantId: a.tenant.id, teamId: team.id, userId: a.member.id }),
    );
    await expect(userMayAuthorize(env.deps, tv, a.member.id)).resolves.toBeUndefined();
  });

  it('remembers consent per user and client, for the approved scopes and gateways', async () => {
    const client = await registerPublicClient(env);
    const v = await validateAuthorizationRequest(
      env.deps,
      authorizeParams({
        client_id: client.client_id,
        resource: a.resource,
        code_challenge: pkce().challenge,
        scope: 'mcp:read',
      }),
    );
    expect(await hasRememberedConsent(env.deps, v, a.member.id)).toBe(false);
    await approveAuthorization(env.deps, v, a.member.id);
    expect(await hasRememberedConsent(env.deps, v, a.member.id)).toBe(true);
    expect(await hasRememberedConsent(env.deps, v, a.admin.id)).toBe(false);
    expect(
      await hasRememberedConsent(env.deps, { ...v, scopes: ['mcp:read', 'mcp:tools'] }, a.member.id),
    ).toBe(false);
    // Approving more widens the same grant.
    await approveAuthorization(env.deps, { ...v, scopes: ['mcp:tools'] }, a.member.id);
    expect(
      await hasRememberedConsent(env.deps, { ...v, scopes: ['mcp:read', 'mcp:tools'] }, a.member.id),
    ).toBe(true);
    const grants = await env.db.db
      .select()
      .from(oauthGrants)
      .where(and(eq(oauthGrants.userId, a.member.id), eq(oauthGrants.tenantId, a.tenant.id)));
    expect(grants.filter((g) => g.clientId === v.client.id)).toHaveLength(1);

    // A revoked grant is not remembered, and approving again starts a new grant (new id).
    const [old] = await env.db.db
      .update(oauthGrants)
      .set({ revokedAt: new Date() })
      .where(and(eq(oauthGrants.userId, a.member.id), eq(oauthGrants.clientId, v.client.id)))
      .returning();
    expect(await hasRememberedConsent(env.deps, v, a.member.id)).toBe(false);
    await approveAuthorization(env.deps, v, a.member.id);
    const [fresh] = await env.db.db
      .select()
      .from(oauthGrants)
      .where(and(eq(oauthGrants.userId, a.member.id), eq(oauthGrants.clientId, v.client.id)));
    expect(fresh).toMatchObject({ revokedAt: null, scopes: ['mcp:read'] });
    expect(fresh!.id).not.toBe(old!.id);
  });

  it('denies with access_denied, state and iss', async () => {
    const client = await registerPublicClient(env);
    const v = await validateAuthorizationRequest(
      env.deps,
      authorizeParams({
        client_id: client.client_id,
        resource: a.resource,
        code_challenge: pkce().challenge,
        state: 's1',
      }),
    );
    const location = new URL(denyAuthorization(v));
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      error: 'access_denied',
      state: 's1',
      iss: env.deps.issuer,
    });
  });
});

describe('prompt (OpenID Connect)', () => {
  const request = (clientId: string, prompt?: string) =>
    authorizeParams({
      client_id: clientId,
      resource: a.resource,
      code_challenge: pkce().challenge,
      state: 'st',
      prompt,
    });

  it('parses space-separated values; refuses unknown ones and none with others, redirectably', async () => {
    const client = await registerPublicClient(env);
    const plain = await validateAuthorizationRequest(env.deps, request(client.client_id));
    expect(plain.prompts).toEqual([]);
    const both = await validateAuthorizationRequest(
      env.deps,
      request(client.client_id, 'consent login consent'),
    );
    expect(both.prompts).toEqual(['consent', 'login']);
    for (const prompt of ['select_account', 'none login', 'create']) {
      const err = await authorizeFailure(request(client.client_id, prompt));
      expect(err).toMatchObject({ error: 'invalid_request', redirectable: true });
      expect(err.target).toMatchObject({ redirectUri: REDIRECT, state: 'st' });
    }
    const twice = request(client.client_id, 'none');
    twice.append('prompt', 'consent');
    expect(await authorizeFailure(twice)).toMatchObject({ error: 'invalid_request' });
  });

  it('none: login_required signed out, consent_required until approved, then a code without a page', async () => {
    const client = await registerPublicClient(env);
    const v = await validateAuthorizationRequest(env.deps, request(client.client_id, 'none'));
    const errorOf = (step: Awaited<ReturnType<typeof nextAuthorizationStep>>) => {
      if (step.kind !== 'redirect') throw new Error(`expected a redirect, got ${step.kind}`);
      return Object.fromEntries(new URL(step.location).searchParams);
    };
    expect(errorOf(await nextAuthorizationStep(env.deps, v, null))).toMatchObject({
      error: 'login_required',
      state: 'st',
      iss: env.deps.issuer,
    });
    expect(errorOf(await nextAuthorizationStep(env.deps, v, a.member.id))).toMatchObject({
      error: 'consent_required',
      state: 'st',
      iss: env.deps.issuer,
    });
    await expect(nextAuthorizationStep(env.deps, v, b.member.id)).rejects.toMatchObject({
      error: 'access_denied',
    });

    await approveAuthorization(env.deps, v, a.member.id);
    const issued = errorOf(await nextAuthorizationStep(env.deps, v, a.member.id));
    expect(issued).toMatchObject({ code: matching(/^tgc_/), state: 'st' });
    expect(issued.error).toBeUndefined();
  });

  it('consent and login ask again though consent is remembered; no prompt does not', async () => {
    const client = await registerPublicClient(env);
    const plain = await validateAuthorizationRequest(env.deps, request(client.client_id));
    expect(await nextAuthorizationStep(env.deps, plain, null)).toEqual({ kind: 'sign-in' });
    expect(await nextAuthorizationStep(env.deps, plain, a.member.id)).toEqual({ kind: 'consent' });
    await approveAuthorization(env.deps, plain, a.member.id);
    expect(await nextAuthorizationStep(env.deps, plain, a.member.id)).toMatchObject({ kind: 'redirect' });
    for (const prompt of ['consent', 'login']) {
      const v = await validateAuthorizationRequest(env.deps, request(client.client_id, prompt));
      expect(await nextAuthorizationStep(env.deps, v, a.member.id)).toEqual({ kind: 'consent' });
      expect(await nextAuthorizationStep(env.deps, v, null)).toEqual({ kind: 'sign-in' });
    }
  });
});

describe('authorization code grant', () => {
  it('issues an access token addressed to exactly the gateway, and a refresh token', async () => {
    const client = await registerPublicClient(env);
    const { code, verifier, location } = await obtainCode(env, {
      clientId: client.client_id,
      resource: a.resource,
      userId: a.member.id,
      scope: 'mcp:read',
    });
    expect(location.searchParams.get('state')).toBe('st');
    expect(location.searchParams.get('iss')).toBe(env.deps.issuer);
    const res = await token(env, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      resource: a.resource,
    });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'mcp:read' });
    expect(res.body.refresh_token).toMatch(/^tgr_/);
    const claims = await verifyOurToken(env, res.body.access_token as string, a.resource);
    expect(claims).toMatchObject({
      aud: a.resource,
      sub: a.member.id,
      tid: a.tenant.id,
      gid: a.gateway.id,
      client_id: client.client_id,
      scope: 'mcp:read',
    });
    expect(typeof claims.grant).toBe('string');
    expect(typeof claims.jti).toBe('string');
    await expect(verifyOurToken(env, res.body.access_token as string, b.resource)).rejects.toThrow();
  });

  it('issues no refresh token to a client not registered for it', async () => {
    const client = await registerPublicClient(env, { grant_types: ['authorization_code'] });
    const tokens = await codeToTokens(env, {
      clientId: client.client_id,
      resource: a.resource,
      userId: a.member.id,
    });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('refuses a wrong PKCE verifier', async () => {
    const client = await registerPublicClient(env);
    const { code } = await obtainCode(env, {
      clientId: client.client_id,
      resource: a.resource,
      userId: a.member.id,
    });
    const res = await token(env, {
      grant_type: 'authorization_code',
      code,
      code_verifier: pkce().verifier,
      client_id: client.client_id,
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(res.body.error_description).toMatch(/code_verifier/);
  });

  it('refuses a redirect URI, resource or client other than the authorization request’s', async () => {
    const client = await registerPublicClient(env, { redirect_uris: [REDIRECT, 'http://localhost:9/cb'] });
    const other = await registerPublicClient(env);
    const attempt = async (fields: Record<string, string>) => {
      const { code, verifier } = await obtainCode(env, {
        clientId: client.client_id,
        resource: a.resource,
        userId: a.member.id,
      });
      return token(env, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        client_id: client.client_id,
        ...fields,
      });
    };
    expect(await attempt({ redirect_uri: 'http://localhost:9/cb' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: matching(/redirect_uri/) },
    });
    expect(await attempt({ resource: b.resource })).toMatchObject({
      status: 400,
      body: { error: 'invalid_target' },
    });
    expect(await attempt({ client_id: other.client_id })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: matching(/another client/) },
    });
  });

  it('refuses an expired code', async () => {
    const client = await registerPublicClient(env);
    const { code, verifier } = await obtainCode(env, {
      clientId: client.client_id,
      resource: a.resource,
      userId: a.member.id,
    });
    env.clock.offsetMs = 61_000;
    try {
      const res = await token(env, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        client_id: client.client_id,
      });
      expect(res).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant', error_description: matching(/expired/) },
      });
    } finally {
      env.clock.offsetMs = 0;
    }
  });

  it('refuses a reused code and revokes the tokens issued from it', async () => {
    const client = await registerPublicClient(env);
    const { code, verifier } = await obtainCode(env, {
      clientId: client.client_id,
      resource: a.resource,
      userId: a.member.id,
    });
    const form = {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: client.client_id,
    };
    const first = await token(env, form);
    expect(first.status).toBe(200);
    const claims = await verifyOurToken(env, first.body.access_token as string, a.resource);
    expect(await env.bus.revocations.has(accessTokenRevocationId(claims.jti!))).toBe(false);

    const second = await token(env, form);
    expect(second).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: matching(/already used/) },
    });
    expect(await env.bus.revocations.has(accessTokenRevocationId(claims.jti!))).toBe(true);
    const refreshed = await token(env, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token as string,
      client_id: client.client_id,
    });
    expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses a code whose grant was revoked or whose user left the tenant', async () => {
    const client = await registerPublicClient(env);
    const revoked = await obtainCode(env, {
      clientId: client.client_id,
      resource: a.resource,
      userId: a.member.id,
    });
    await env.db.db
      .update(oauthGrants)
      .set({ revokedAt: new Date() })
      .where(and(eq(oauthGrants.userId, a.member.id), eq(oauthGrants.clientId, revoked.validated.client.id)));
    expect(
      await token(env, {
        grant_type: 'authorization_code',
        code: revoked.code,
        code_verifier: revoked.verifier,
        client_id: client.client_id,
      }),
    ).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: matching(/revoked/) },
    });

    const leaver = await import('@toolgate/db/testing').then((m) => m.seedMember(env.db.db, a.tenant.id));
    const left = await obtainCode(env, {
      clientId: client.client_id,
      resource: a.resource,
      userId: leaver.id,
    });
    await env.db.db.delete(memberships).where(eq(memberships.userId, leaver.id));
    expect(
      await token(env, {
        grant_type: 'authorization_code',
        code: left.code,
        code_verifier: left.verifier,
        client_id: client.client_id,
      }),
    ).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: matching(/member/) },
    });
  });

  it('stores only the hash of a code, and refuses unknown codes and grant types', async () => {
    const client = await registerPublicClient(env);
    const { code } = await obtainCode(env, {
      clientId: client.client_id,
      resource: a.resource,
      userId: a.member.id,
    });
    const rows = await env.db.db
      .select()
      .from(oauthAuthorizationCodes)
      .where(eq(oauthAuthorizationCodes.codeHash, sha256Hex(code)));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(code);
    expect(
      await token(env, {
        grant_type: 'authorization_code',
        code: 'tgc_nope',
        code_verifier: pkce().verifier,
        client_id: client.client_id,
      }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token(env, { grant_type: 'password', client_id: client.client_id })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
  });
});
