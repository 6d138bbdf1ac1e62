import { parsePlansConfig, type Feature, type PlansConfig } from '@toolgate/core/plans';
import { gateways, identityProviders, installations, policies } from '@toolgate/db/schema';
import { seedGateway, seedPolicy, seedRegistryEntry } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createApiTestEnv,
  failureOf,
  seedOrg,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { createGateway } from '../create-gateway.ts';
import { createIdentityProvider } from '../create-identity-provider.ts';
import { createInstallation } from '../create-installation.ts';
import { createPolicy } from '../create-policy.ts';
import { createRegistryEntry } from '../create-registry-entry.ts';
import { updateGateway } from '../update-gateway.ts';
import { updatePolicy } from '../update-policy.ts';
import { updateRegistryEntry } from '../update-registry-entry.ts';
import { setTenantPlan } from './set-tenant-plan.ts';

const plans: PlansConfig = parsePlansConfig(
  JSON.stringify({
    plans: {
      basic: { title: 'Basic', features: [] },
      jwt: { title: 'JWT', features: ['idpJwt'] },
      jag: { title: 'JAG', features: ['idJag'] },
      pro: { title: 'Pro', features: ['idpJwt', 'idJag', 'policies'] },
    },
  }),
  'test plans',
);

let env: ApiTestEnv;
beforeAll(async () => {
  env = await createApiTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const as = (org: SeededOrg) => ({ ...actingAs(env, org), plans });
/** A tenant on `plan` (null: the deployment's default, unlimited). */
const orgOn = async (plan: string | null) => {
  const org = await seedOrg(env.db);
  await setTenantPlan({ db: env.db.db, plans, slug: org.tenant.slug, plan });
  return org;
};
const expectRefused = async (fn: () => Promise<unknown>, feature: Feature, plan: string, label: RegExp) => {
  const refused = await failureOf(fn);
  expect(refused).toMatchObject({ code: 'PLAN_LIMIT', details: { feature, plan } });
  expect(refused.message).toMatch(label);
};

let n = 0;
const idpInput = () => {
  n += 1;
  return {
    name: `IdP ${n}`,
    issuer: `https://idp${n}.example.com`,
    jwksUri: `https://idp${n}.example.com/keys`,
    audience: 'toolgate',
  };
};
const seedIdp = async (org: SeededOrg) => {
  const [row] = await env.db.db
    .insert(identityProviders)
    .values({ tenantId: org.tenant.id, ...idpInput() })
    .returning();
  return row!;
};
const jagEntry = (slug: string) => ({
  slug,
  name: slug,
  transport: 'streamable_http' as const,
  url: 'https://mcp.example.com/mcp',
  authKind: 'id_jag' as const,
  authConfig: {
    tokenEndpoint: 'https://idp.example.com/token',
    authorizationServer: 'https://as.example.com',
  },
});
const policyInput = (name: string, enabled = true) => ({
  name,
  condition: 'tool.name == "x"',
  action: 'deny' as const,
  enabled,
});

describe('plan features', () => {
  it('gates identity providers and idp_jwt gateways on idpJwt, keeping existing ones working', async () => {
    const basic = await orgOn('basic');
    await expectRefused(
      () => createIdentityProvider({ ...as(basic), allowPrivate: false, input: idpInput() }),
      'idpJwt',
      'basic',
      /The Basic plan does not include identity provider JWTs or ID-JAG/,
    );
    expect(await env.db.db.$count(identityProviders, eq(identityProviders.tenantId, basic.tenant.id))).toBe(
      0,
    );

    // A provider from before the plan was lowered: a gateway cannot start accepting its JWTs.
    const idp = await seedIdp(basic);
    const input = {
      slug: 'jwt',
      name: 'JWT',
      clientAuthMethods: ['idp_jwt' as const],
      identityProviderId: idp.id,
    };
    await expectRefused(
      () => createGateway({ ...as(basic), input }),
      'idpJwt',
      'basic',
      /identity provider JWTs/,
    );
    const plain = await createGateway({ ...as(basic), input: { slug: 'plain', name: 'Plain' } });
    await expectRefused(
      () =>
        updateGateway({
          ...as(basic),
          gatewayId: plain.id,
          input: { clientAuthMethods: ['api_token', 'idp_jwt'], identityProviderId: idp.id },
        }),
      'idpJwt',
      'basic',
      /The Basic plan does not include/,
    );
    // One that already accepts them keeps them, and can still be edited.
    const old = await seedGateway(env.db.db, basic.tenant.id, {
      clientAuthMethods: ['idp_jwt'],
      identityProviderId: idp.id,
    });
    const renamed = await updateGateway({ ...as(basic), gatewayId: old.id, input: { name: 'Renamed' } });
    expect(renamed).toMatchObject({ name: 'Renamed', clientAuthMethods: ['idp_jwt'] });

    const jwt = await orgOn('jwt');
    const own = await createIdentityProvider({ ...as(jwt), allowPrivate: false, input: idpInput() });
    const made = await createGateway({ ...as(jwt), input: { ...input, identityProviderId: own.id } });
    expect(made.clientAuthMethods).toEqual(['idp_jwt']);
    // ID-JAG alone also needs a provider (its assertions are the provider's).
    const jag = await orgOn('jag');
    await createIdentityProvider({ ...as(jag), allowPrivate: false, input: idpInput() });
  });

  it('gates id_jag registry entries and their installations on idJag', async () => {
    const basic = await orgOn('basic');
    await expectRefused(
      () => createRegistryEntry({ ...as(basic), input: jagEntry('jag') }),
      'idJag',
      'basic',
      /The Basic plan does not include ID-JAG/,
    );
    const plain = await createRegistryEntry({
      ...as(basic),
      input: {
        slug: 'plain',
        name: 'Plain',
        transport: 'streamable_http',
        url: 'https://mcp.example.com/mcp',
      },
    });
    await expectRefused(
      () =>
        updateRegistryEntry({
          ...as(basic),
          entryId: plain.id,
          input: { authKind: 'id_jag', authConfig: jagEntry('x').authConfig },
        }),
      'idJag',
      'basic',
      /ID-JAG/,
    );
    // An entry from before the plan was lowered stays, and may be edited, but not installed again.
    const old = await seedRegistryEntry(env.db.db, basic.tenant.id, {
      authKind: 'id_jag',
      authConfig: jagEntry('x').authConfig,
    });
    await updateRegistryEntry({ ...as(basic), entryId: old.id, input: { name: 'Renamed' } });
    await expectRefused(
      () =>
        createInstallation({
          ...as(basic),
          allowPrivate: true,
          input: { registryEntryId: old.id, scope: 'org', values: {} },
        }),
      'idJag',
      'basic',
      /ID-JAG/,
    );
    expect(await env.db.db.$count(installations, eq(installations.tenantId, basic.tenant.id))).toBe(0);

    const jag = await orgOn('jag');
    const entry = await createRegistryEntry({ ...as(jag), input: jagEntry('jag') });
    expect(entry.authKind).toBe('id_jag');
  });

  it('gates creating and switching on policies on policies; those on stay on and editable', async () => {
    const basic = await orgOn('basic');
    await expectRefused(
      () => createPolicy({ ...as(basic), input: policyInput('New') }),
      'policies',
      'basic',
      /The Basic plan does not include policies/,
    );
    const on = await seedPolicy(env.db.db, basic.tenant.id, { name: 'On', enabled: true });
    const off = await seedPolicy(env.db.db, basic.tenant.id, { name: 'Off', enabled: false });
    await expectRefused(
      () => updatePolicy({ ...as(basic), policyId: off.id, input: { enabled: true } }),
      'policies',
      'basic',
      /policies/,
    );
    const edited = await updatePolicy({ ...as(basic), policyId: on.id, input: { name: 'Still on' } });
    expect(edited).toMatchObject({ name: 'Still on', enabled: true });
    // Switching one off is always allowed.
    await updatePolicy({ ...as(basic), policyId: on.id, input: { enabled: false } });

    const pro = await orgOn('pro');
    const made = await createPolicy({ ...as(pro), input: policyInput('Allowed', false) });
    expect((await updatePolicy({ ...as(pro), policyId: made.id, input: { enabled: true } })).enabled).toBe(
      true,
    );
  });

  it('allows everything on the unlimited default plan and without plans configured', async () => {
    const org = await orgOn(null);
    for (const options of [as(org), actingAs(env, org)]) {
      const idp = await createIdentityProvider({ ...options, allowPrivate: false, input: idpInput() });
      await createGateway({
        ...options,
        input: {
          slug: `jwt-${idp.id.slice(0, 8)}`,
          name: 'JWT',
          clientAuthMethods: ['idp_jwt'],
          identityProviderId: idp.id,
        },
      });
      await createRegistryEntry({ ...options, input: jagEntry(`jag-${idp.id.slice(0, 8)}`) });
      await createPolicy({ ...options, input: policyInput(`P ${idp.id}`) });
    }
    expect(await env.db.db.$count(gateways, eq(gateways.tenantId, org.tenant.id))).toBe(2);
    expect(await env.db.db.$count(policies, eq(policies.tenantId, org.tenant.id))).toBe(2);
  });

  it("reads the plan of the caller's own tenant only", async () => {
    // A on the Pro plan does not lend its features to B on Basic, nor the reverse.
    const [pro, basic] = [await orgOn('pro'), await orgOn('basic')];
    await createPolicy({ ...as(pro), input: policyInput('Mine') });
    expect((await failureOf(() => createPolicy({ ...as(basic), input: policyInput('Mine') }))).code).toBe(
      'PLAN_LIMIT',
    );
  });
});
