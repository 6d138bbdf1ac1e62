import { randomUUID } from 'node:crypto';
import { issuerFrom } from '@toolgate/auth/constants';
import { DISCOVERY_SUBJECT } from '@toolgate/auth/forwarded-jwt';
import { currentSigningKey, publicJwks } from '@toolgate/auth/signing-keys';
import { installations } from '@toolgate/db/schema';
import { seedApiToken, seedInstallation, seedRegistryEntry, seedTeam } from '@toolgate/db/testing';
import {
  serveJwks,
  startJwtUpstream,
  type RunningJwtUpstream,
  type SeenToken,
} from '@toolgate/fixtures/jwt-upstream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZApprovedInstallationRequest, ZInstallationRequest } from '../schemas/installation-requests.ts';
import { ZDiscoveredInstallation, ZInstallation } from '../schemas/installations.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { checkDueInstallations, checkInstallationHealth } from './check-installation-health.ts';
import { createInstallation } from './create-installation.ts';
import { discoverInstallation } from './discover-installation.ts';

const PUBLIC_WEB_URL = 'http://toolgate-web.test:3000/';
const ISSUER = issuerFrom(PUBLIC_WEB_URL);

let env: ApiTestEnv;
let a: SeededOrg;
let upstream: RunningJwtUpstream;
let jwks: Awaited<ReturnType<typeof serveJwks>>;
let call: RestCall;
/** A `jwt` ("Forwarded JWT") entry of tenant A at the upstream, which refuses anonymous requests. */
let entry: { id: string; name: string };
let team: { id: string };

beforeAll(async () => {
  ({ env, a } = await createTwoTenantEnv());
  // Toolgate's real signing key, published over HTTP as the web app does.
  await currentSigningKey(env.db.db, env.secretKeys);
  jwks = await serveJwks(() => publicJwks(env.db.db));
  upstream = await startJwtUpstream({ jwksUrl: jwks.url, issuer: ISSUER });
  entry = await seedRegistryEntry(env.db.db, a.tenant.id, { url: upstream.url, authKind: 'jwt' });
  team = await seedTeam(env.db.db, a.tenant.id, [a.admin.id]);
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    publicWebUrl: PUBLIC_WEB_URL,
    secretKeys: env.secretKeys,
    allowPrivateUpstreams: true,
  });
});
afterAll(async () => {
  await env?.close();
  await upstream?.close();
  await jwks?.close();
});

/** What the upstream accepted and refused while `fn` ran. */
async function seenDuring<T>(fn: () => Promise<T>) {
  const [accepted, refused] = [upstream.accepted.length, upstream.refused.length];
  const result = await fn();
  return { result, accepted: upstream.accepted.slice(accepted), refused: upstream.refused.slice(refused) };
}

/** Every token names the same subject, addressed to this upstream by Toolgate's issuer. */
function oneSubject(accepted: SeenToken[]) {
  expect(accepted.length).toBeGreaterThan(0);
  for (const { claims } of accepted) {
    expect(claims.iss).toBe(ISSUER);
    expect(claims.aud).toBe(upstream.url);
    expect(claims.tid).toBe(a.tenant.id);
    expect(claims.exp! - claims.iat!).toBe(300);
  }
  const subjects = new Set(
    accepted.map(({ claims }) => JSON.stringify({ ...claims, iat: 0, exp: 0, jti: '' })),
  );
  expect(subjects.size).toBe(1);
  return accepted[0]!.claims;
}

const discover = (installationId: string, options: { issuer?: string } = { issuer: ISSUER }) =>
  discoverInstallation({ ...actingAs(env, a, 'admin'), ...options, installationId, allowPrivate: true });

const check = (installationId: string, options: { issuer?: string; secretKeys?: undefined } = {}) =>
  checkInstallationHealth({
    ...actingAs(env, a, 'admin'),
    issuer: ISSUER,
    ...options,
    installationId,
    allowPrivate: true,
    timeoutMs: 5_000,
  });

describe('discovery and health checks of Forwarded JWT servers', () => {
  it('discovers the tools as the person who refreshes them, named as on their calls', async () => {
    const installation = await seedInstallation(env.db.db, a.tenant.id, entry.id, { status: 'pending' });
    const { result, accepted, refused } = await seenDuring(() => discover(installation.id));
    expect(result.installation).toMatchObject({ status: 'ready', lastError: null });
    expect(result.tools.map((t) => t.name)).toEqual(['whoami']);
    expect(refused).toEqual([]);
    const claims = oneSubject(accepted);
    expect(claims).toMatchObject({ sub: a.admin.id, email: a.admin.email, teams: [team.id] });
    expect(claims.purpose).toBeUndefined();
  });

  it('installs over REST as an org token (named token:<id>), and “Check now” connects as Toolgate itself', async () => {
    const org = await seedApiToken(env.db.db, a.tenant.id, { capabilities: ['mcp', 'admin'] });
    const installed = await seenDuring(async () =>
      ok(
        await call('POST', '/installations', {
          token: org.token,
          body: {
            registryEntryId: entry.id,
            scope: 'org',
            name: `jwt-${randomUUID().slice(0, 8)}`,
            values: {},
          },
        }),
        201,
        ZDiscoveredInstallation,
      ),
    );
    expect(installed.result.installation.status).toBe('ready');
    expect(installed.result.tools.map((t) => t.name)).toEqual(['whoami']);
    const installer = oneSubject(installed.accepted);
    expect(installer).toMatchObject({ sub: `token:${org.id}`, teams: [] });
    expect(installer.email).toBeUndefined();

    const checked = await seenDuring(async () =>
      ok(
        await call('POST', `/installations/${installed.result.installation.id}/check`, { token: org.token }),
        200,
        ZInstallation,
      ),
    );
    expect(checked.result).toMatchObject({ status: 'ready', lastError: null });
    expect(checked.refused).toEqual([]);
    const toolgate = oneSubject(checked.accepted);
    expect(toolgate).toMatchObject({ sub: DISCOVERY_SUBJECT, purpose: 'discovery', teams: [] });
    expect(toolgate.email).toBeUndefined();
  });

  it('discovers a request approved over REST as the approver', async () => {
    const requested = ok(
      await call('POST', '/installation-requests', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'org' },
      }),
      201,
      ZInstallationRequest,
    );
    const approver = await seedApiToken(env.db.db, a.tenant.id, {
      scope: 'user',
      userId: a.admin.id,
      capabilities: ['admin'],
    });
    const { result, accepted } = await seenDuring(async () =>
      ok(
        await call('POST', `/installation-requests/${requested.id}/approve`, {
          token: approver.token,
          body: { name: `jwt-${randomUUID().slice(0, 8)}`, values: {} },
        }),
        200,
        ZApprovedInstallationRequest,
      ),
    );
    expect(result.installation.installation.status).toBe('ready');
    expect(oneSubject(accepted)).toMatchObject({ sub: a.admin.id, email: a.admin.email, teams: [team.id] });
  });

  it('is checked by the worker’s sweep as Toolgate itself', async () => {
    const installation = await seedInstallation(env.db.db, a.tenant.id, entry.id, { status: 'error' });
    const { accepted, refused } = await seenDuring(() =>
      checkDueInstallations({
        db: env.db.db,
        intervalMs: 60_000,
        secretKeys: env.secretKeys,
        issuer: ISSUER,
        allowPrivate: true,
      }),
    );
    const [row] = await env.db.db.select().from(installations).where(eq(installations.id, installation.id));
    expect(row).toMatchObject({ status: 'ready', lastError: null });
    expect(refused).toEqual([]);
    expect(oneSubject(accepted)).toMatchObject({ sub: DISCOVERY_SUBJECT, purpose: 'discovery' });
  });

  it('without the key ring or the issuer, contacts nobody and says why', async () => {
    const installation = await seedInstallation(env.db.db, a.tenant.id, entry.id);
    const { result, accepted, refused } = await seenDuring(async () => ({
      discovery: await failureOf(() => discover(installation.id, {})),
      health: await check(installation.id, { secretKeys: undefined }),
      install: await failureOf(() =>
        createInstallation({
          ...actingAs(env, a, 'admin'),
          input: { registryEntryId: entry.id, scope: 'org', name: 'never-stored', values: {} },
          allowPrivate: true,
        }),
      ),
    }));
    expect(accepted).toEqual([]);
    expect(refused).toEqual([]);
    expect(result.discovery).toMatchObject({ code: 'UNAVAILABLE' });
    expect(result.discovery.message).toMatch(/Forwarded JWT.*PUBLIC_WEB_URL/);
    expect(result.health).toMatchObject({ status: 'error' });
    expect(result.health.lastError).toMatch(/Forwarded JWT.*TOOLGATE_SECRET_KEYS/);
    expect(result.install).toMatchObject({ code: 'UNAVAILABLE' });
    const stored = await env.db.db.select().from(installations).where(eq(installations.name, 'never-stored'));
    expect(stored).toEqual([]);
  });

  it('is really validated by the server: another issuer’s token, a tampered one and none are refused', async () => {
    const installation = await seedInstallation(env.db.db, a.tenant.id, entry.id);
    const elsewhere = await seenDuring(() => discover(installation.id, { issuer: 'http://elsewhere.test' }));
    expect(elsewhere.accepted).toEqual([]);
    expect(elsewhere.refused.length).toBeGreaterThan(0);
    expect(elsewhere.result.installation.status).toBe('auth_failed');
    expect((await check(installation.id, { issuer: 'http://elsewhere.test' })).status).toBe('auth_failed');

    const { accepted } = await seenDuring(() => discover(installation.id));
    const genuine = accepted.at(-1)!.token;
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: a.owner.id })).toString('base64url');
    expect(await upstream.initializeWith(genuine)).toBe(200);
    expect(await upstream.initializeWith(`${header}.${forged}.${signature}`)).toBe(401);
    expect(await upstream.initializeWith('')).toBe(401);
  });
});
