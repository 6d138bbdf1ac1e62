import { createHash, randomBytes } from 'node:crypto';
import { createBus, type Bus } from '@toolgate/bus';
import { reloadRevocations } from '../config-delivery.ts';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import {
  createTestDatabase,
  seedGateway,
  seedMember,
  seedTenant,
  type TestDatabase,
} from '@toolgate/db/testing';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { expect, inject } from 'vitest';
import { approveAuthorization, validateAuthorizationRequest } from '../authorize.ts';
import { CimdCache } from '../cimd.ts';
import { registerClient } from '../clients.ts';
import type { AuthServerDeps } from '../deps.ts';
import { gatewayResourceUrl } from '../resource.ts';
import { publicJwks } from '../signing-keys.ts';
import { handleTokenRequest } from '../token.ts';

/**
 * Real Postgres and bus for one test file, with authorization-server deps around them. `clock`
 * moves `deps.now` for expiry tests without sleeping.
 */
export interface AuthTestEnv {
  db: TestDatabase;
  bus: Bus;
  deps: AuthServerDeps;
  clock: { offsetMs: number };
  close(): Promise<void>;
}

export async function createAuthTestEnv(overrides: Partial<AuthServerDeps> = {}): Promise<AuthTestEnv> {
  const db = await createTestDatabase(inject('postgresUrl'));
  const bus = createBus({
    redisUrl: inject('redisUrl') || undefined,
    prefix: `tgauth-${randomBytes(4).toString('hex')}`,
  });
  // As web and worker processes do when they start: the revocation cache holds the durable record.
  await reloadRevocations(db.db, bus);
  const clock = { offsetMs: 0 };
  const deps: AuthServerDeps = {
    db: db.db,
    bus,
    keys: parseKeyRing(generateKeySpec('k1')),
    issuer: 'https://app.toolgate.test',
    publicMcpUrl: 'https://mcp.toolgate.test/',
    allowPrivate: true,
    now: () => new Date(Date.now() + clock.offsetMs),
    cimdCache: new CimdCache(),
    ...overrides,
  };
  return {
    db,
    bus,
    deps,
    clock,
    async close() {
      await bus.close();
      await db.destroy();
    },
  };
}

/** A tenant with an OAuth-enabled org gateway, a member, and a second gateway without OAuth. */
export async function seedOAuthTenant(env: AuthTestEnv) {
  const tenant = await seedTenant(env.db.db);
  const member = await seedMember(env.db.db, tenant.id, 'member');
  const admin = await seedMember(env.db.db, tenant.id, 'admin');
  const gateway = await seedGateway(env.db.db, tenant.id, { clientAuthMethods: ['api_token', 'oauth'] });
  const noOauth = await seedGateway(env.db.db, tenant.id, { clientAuthMethods: ['api_token'] });
  const url = (g: { slug: string }) => gatewayResourceUrl(env.deps.publicMcpUrl, tenant.slug, g.slug);
  return {
    tenant,
    member,
    admin,
    gateway,
    noOauth,
    resource: url(gateway),
    noOauthResource: url(noOauth),
    url,
  };
}
export type OAuthTenant = Awaited<ReturnType<typeof seedOAuthTenant>>;

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export const REDIRECT = 'http://127.0.0.1:33418/callback';

export async function registerPublicClient(env: AuthTestEnv, extra: Record<string, unknown> = {}) {
  return registerClient(env.deps, { client_name: 'Test client', redirect_uris: [REDIRECT], ...extra });
}

export function authorizeParams(fields: Record<string, string | undefined>): URLSearchParams {
  const params = new URLSearchParams({ response_type: 'code', code_challenge_method: 'S256' });
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) params.delete(k);
    else params.set(k, v);
  }
  return params;
}

/** Runs the authorization step as a consenting user; returns the code and the PKCE verifier. */
export async function obtainCode(
  env: AuthTestEnv,
  {
    clientId,
    resource,
    userId,
    scope,
    redirectUri = REDIRECT,
  }: {
    clientId: string;
    resource: string;
    userId: string;
    scope?: string;
    redirectUri?: string;
  },
) {
  const { verifier, challenge } = pkce();
  const v = await validateAuthorizationRequest(
    env.deps,
    authorizeParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      resource,
      code_challenge: challenge,
      scope,
      state: 'st',
    }),
  );
  const location = new URL(await approveAuthorization(env.deps, v, userId));
  return { code: location.searchParams.get('code')!, verifier, location, validated: v };
}

export function token(env: AuthTestEnv, fields: Record<string, string>, authorization?: string) {
  return handleTokenRequest(env.deps, { form: new URLSearchParams(fields), authorization });
}

/** Authorization code → tokens for a public client, asserting success. */
export async function codeToTokens(env: AuthTestEnv, args: Parameters<typeof obtainCode>[1]) {
  const { code, verifier } = await obtainCode(env, args);
  const res = await token(env, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    client_id: args.clientId,
    redirect_uri: args.redirectUri ?? REDIRECT,
  });
  if (res.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(res.body)}`);
  return res.body as { access_token: string; refresh_token?: string; scope: string; expires_in: number };
}

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Verifies one of our access tokens against the published JWKS, as a proxy would. */
export async function verifyOurToken(env: AuthTestEnv, jwt: string, audience: string): Promise<JWTPayload> {
  const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(await publicJwks(env.db.db)), {
    issuer: env.deps.issuer,
    audience,
    typ: 'at+jwt',
    algorithms: ['ES256'],
  });
  if (protectedHeader.alg !== 'ES256') throw new Error('unexpected alg');
  return payload;
}

/** Typed asymmetric matchers (vitest's return `any`). */
export const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;
export const anyNumber = (): number => expect.any(Number) as number;
