import { snapshotKey } from '@toolgate/bus';
import { gateways, identityProviders, tenants } from '@toolgate/db/schema';
import { seedGateway } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  recordInvalidations,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createGateway } from './create-gateway.ts';
import { createIdentityProvider } from './create-identity-provider.ts';
import { deleteIdentityProvider } from './delete-identity-provider.ts';
import { getJitUsers } from './get-jit-users.ts';
import { listIdentityProviders } from './list-identity-providers.ts';
import { setJitUsers } from './set-jit-users.ts';
import { updateGateway } from './update-gateway.ts';
import { updateIdentityProvider } from './update-identity-provider.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
});
afterAll(async () => {
  await env?.close();
});

const opts = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  ...actingAs(env, org, who),
  allowPrivate: false,
});
/** The fields a service's INVALID/NOT_FOUND error names. */
const pathsOf = (err: { details?: Record<string, unknown> }) =>
  (err.details?.fields as { path: string }[] | undefined)?.map((f) => f.path);

let n = 0;
const idpInput = (overrides: Record<string, unknown> = {}) => {
  n += 1;
  return {
    name: `Okta ${n}`,
    issuer: `https://idp${n}.example.com`,
    jwksUri: `https://idp${n}.example.com/keys`,
    audience: 'toolgate',
    ...overrides,
  };
};

describe('identity providers', () => {
  it('are created with defaults and listed to every member, with the gateways using them', async () => {
    const idp = await createIdentityProvider({ ...opts(a), input: idpInput({ groupsClaim: ' ' }) });
    expect(idp).toMatchObject({
      userClaim: 'email',
      groupsClaim: null,
      trustIdJag: false,
      enabled: true,
      gateways: [],
    });
    const gw = await seedGateway(env.db.db, a.tenant.id, {
      name: 'With IdP',
      clientAuthMethods: ['idp_jwt'],
      identityProviderId: idp.id,
    });
    const listed = await listIdentityProviders(opts(a, 'member'));
    expect(listed.find((p) => p.id === idp.id)?.gateways).toEqual([
      { id: gw.id, slug: gw.slug, name: 'With IdP' },
    ]);
    expect((await listIdentityProviders(opts(b))).map((p) => p.id)).not.toContain(idp.id);
  });

  it('are managed by owners and admins only', async () => {
    expect(
      (await failureOf(() => createIdentityProvider({ ...opts(a, 'member'), input: idpInput() }))).code,
    ).toBe('FORBIDDEN');
    const idp = await createIdentityProvider({ ...opts(a, 'owner'), input: idpInput() });
    expect(
      (
        await failureOf(() =>
          updateIdentityProvider({
            ...opts(a, 'member'),
            identityProviderId: idp.id,
            input: { enabled: false },
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      (await failureOf(() => deleteIdentityProvider({ ...opts(a, 'member'), identityProviderId: idp.id })))
        .code,
    ).toBe('FORBIDDEN');
  });

  it('refuse http and private addresses unless private upstreams are allowed', async () => {
    const err = await failureOf(() =>
      createIdentityProvider({
        ...opts(a),
        input: idpInput({ issuer: 'http://idp.example.com', jwksUri: 'https://127.0.0.1/keys' }),
      }),
    );
    expect(err.code).toBe('INVALID');
    expect(err.details?.fields).toEqual([
      { path: 'issuer', message: 'must be an https:// URL' },
      { path: 'jwksUri', message: 'must not point to a private or loopback address' },
    ]);
    const local = await createIdentityProvider({
      ...opts(a),
      allowPrivate: true,
      input: idpInput({ issuer: 'http://localhost:9999', jwksUri: 'http://127.0.0.1:9999/jwks' }),
    });
    expect(local.issuer).toBe('http://localhost:9999');
    const upd = await failureOf(() =>
      updateIdentityProvider({
        ...opts(a),
        identityProviderId: local.id,
        input: { jwksUri: 'http://10.0.0.1/k' },
      }),
    );
    expect(upd.code).toBe('INVALID');
  });

  it('keep issuers unique per tenant (409), not across tenants', async () => {
    const input = idpInput();
    const first = await createIdentityProvider({ ...opts(a), input });
    const dup = await failureOf(() =>
      createIdentityProvider({ ...opts(a), input: { ...input, name: 'Again' } }),
    );
    expect(dup.code).toBe('CONFLICT');
    expect(dup.details?.fields).toEqual([
      { path: 'issuer', message: 'is already used by another identity provider' },
    ]);
    await createIdentityProvider({ ...opts(b), input });
    const other = await createIdentityProvider({ ...opts(a), input: idpInput() });
    const clash = await failureOf(() =>
      updateIdentityProvider({ ...opts(a), identityProviderId: other.id, input: { issuer: first.issuer } }),
    );
    expect(clash.code).toBe('CONFLICT');
  });

  it('invalidate every gateway that names them on update and delete', async () => {
    const idp = await createIdentityProvider({ ...opts(a), input: idpInput() });
    const [g1, g2] = await Promise.all([
      seedGateway(env.db.db, a.tenant.id, { clientAuthMethods: ['idp_jwt'], identityProviderId: idp.id }),
      seedGateway(env.db.db, a.tenant.id, { clientAuthMethods: ['idp_jwt'], identityProviderId: idp.id }),
    ]);
    const unrelated = await seedGateway(env.db.db, a.tenant.id);
    const replica = await recordInvalidations(env.newBus());
    try {
      for (const g of [g1, g2, unrelated])
        await env.bus.sharedCache.set(snapshotKey(a.tenant.slug, g.slug), '{}', 60);
      const updated = await updateIdentityProvider({
        ...opts(a),
        identityProviderId: idp.id,
        input: { enabled: false, trustIdJag: true },
      });
      expect(updated).toMatchObject({ enabled: false, trustIdJag: true });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: a.tenant.id,
          reason: 'identity provider updated',
        }),
      );
      expect(await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, g1.slug))).toBeNull();
      expect(await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, g2.slug))).toBeNull();
      expect(await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, unrelated.slug))).toBe('{}');

      await env.bus.sharedCache.set(snapshotKey(a.tenant.slug, g1.slug), '{}', 60);
      const removed = await deleteIdentityProvider({ ...opts(a), identityProviderId: idp.id });
      expect(removed.gateways.map((g) => g.id).sort()).toEqual([g1.id, g2.id].sort());
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: a.tenant.id,
          reason: 'identity provider removed',
        }),
      );
      expect(await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, g1.slug))).toBeNull();
      const [after] = await env.db.db.select().from(gateways).where(eq(gateways.id, g1.id));
      expect(after!.identityProviderId).toBeNull();
    } finally {
      await replica.stop();
    }
  });

  it('of another tenant cannot be updated or deleted', async () => {
    const theirs = await createIdentityProvider({ ...opts(b), input: idpInput() });
    expect(
      (
        await failureOf(() =>
          updateIdentityProvider({ ...opts(a), identityProviderId: theirs.id, input: { enabled: false } }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (await failureOf(() => deleteIdentityProvider({ ...opts(a), identityProviderId: theirs.id }))).code,
    ).toBe('NOT_FOUND');
    const [row] = await env.db.db.select().from(identityProviders).where(eq(identityProviders.id, theirs.id));
    expect(row).toMatchObject({ enabled: true });
  });
});

describe('gateways accepting identity-provider JWTs', () => {
  it('need an identity provider of their own tenant', async () => {
    const mine = await createIdentityProvider({ ...opts(a), input: idpInput() });
    const theirs = await createIdentityProvider({ ...opts(b), input: idpInput() });

    const missing = await failureOf(() =>
      createGateway({ ...opts(a), input: { slug: `idp-${n}`, name: 'IdP', clientAuthMethods: ['idp_jwt'] } }),
    );
    expect(missing.code).toBe('INVALID');
    expect(pathsOf(missing)).toEqual(['identityProviderId']);

    const foreign = await failureOf(() =>
      createGateway({
        ...opts(a),
        input: {
          slug: `idp-x-${n}`,
          name: 'IdP',
          clientAuthMethods: ['idp_jwt'],
          identityProviderId: theirs.id,
        },
      }),
    );
    expect(foreign.code).toBe('NOT_FOUND');
    expect(pathsOf(foreign)).toEqual(['identityProviderId']);

    const gw = await createGateway({
      ...opts(a),
      input: {
        slug: `idp-ok-${n}`,
        name: 'IdP',
        clientAuthMethods: ['oauth', 'idp_jwt'],
        identityProviderId: mine.id,
      },
    });
    expect(gw).toMatchObject({ clientAuthMethods: ['oauth', 'idp_jwt'], identityProviderId: mine.id });

    const pointAway = await failureOf(() =>
      updateGateway({ ...opts(a), gatewayId: gw.id, input: { identityProviderId: theirs.id } }),
    );
    expect(pointAway.code).toBe('NOT_FOUND');
    const clear = await failureOf(() =>
      updateGateway({ ...opts(a), gatewayId: gw.id, input: { identityProviderId: null } }),
    );
    expect(clear.code).toBe('INVALID');
    const [row] = await env.db.db.select().from(gateways).where(eq(gateways.id, gw.id));
    expect(row!.identityProviderId).toBe(mine.id);

    // Dropping idp_jwt and the provider together is fine.
    const plain = await updateGateway({
      ...opts(a),
      gatewayId: gw.id,
      input: { clientAuthMethods: ['oauth'], identityProviderId: null },
    });
    expect(plain).toMatchObject({ clientAuthMethods: ['oauth'], identityProviderId: null });
    // Turning idp_jwt on for an existing gateway needs a provider too.
    expect(
      (
        await failureOf(() =>
          updateGateway({ ...opts(a), gatewayId: gw.id, input: { clientAuthMethods: ['idp_jwt'] } }),
        )
      ).code,
    ).toBe('INVALID');
  });
});

describe('just-in-time users', () => {
  it('are off by default, switched by admins only, and keep the other settings', async () => {
    await env.db.db
      .update(tenants)
      .set({ settings: { auditRetentionDays: 9 } })
      .where(eq(tenants.id, a.tenant.id));
    expect(await getJitUsers(opts(a, 'member'))).toEqual({ allowJitUsers: false });
    expect(
      (await failureOf(() => setJitUsers({ ...opts(a, 'member'), input: { allowJitUsers: true } }))).code,
    ).toBe('FORBIDDEN');
    const gw = await seedGateway(env.db.db, a.tenant.id);
    await env.bus.sharedCache.set(snapshotKey(a.tenant.slug, gw.slug), '{}', 60);
    const replica = await recordInvalidations(env.newBus());
    try {
      expect(await setJitUsers({ ...opts(a), input: { allowJitUsers: true } })).toEqual({
        allowJitUsers: true,
      });
      await eventually(() =>
        expect(replica.messages).toContainEqual(
          expect.objectContaining({ tenantId: a.tenant.id, reason: 'sign-in settings changed' }),
        ),
      );
    } finally {
      await replica.stop();
    }
    // The snapshot decides JIT on the proxy: it is recompiled.
    expect(await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, gw.slug))).toBeNull();
    expect(await getJitUsers(opts(a))).toEqual({ allowJitUsers: true });
    expect(await getJitUsers(opts(b))).toEqual({ allowJitUsers: false });
    const [row] = await env.db.db.select().from(tenants).where(eq(tenants.id, a.tenant.id));
    expect(row!.settings).toEqual({ auditRetentionDays: 9, allowJitUsers: true });
    expect((await failureOf(() => setJitUsers({ ...opts(a), input: { allowJitUsers: 'yes' } }))).code).toBe(
      'INVALID',
    );
  });
});
