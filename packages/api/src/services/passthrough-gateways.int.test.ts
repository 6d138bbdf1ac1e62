import { seedInstallation, seedRegistryEntry, seedTeam } from '@toolgate/db/testing';
import { startOAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { checkInstallationHealth } from './check-installation-health.ts';
import { createGateway } from './create-gateway.ts';
import { discoverInstallation } from './discover-installation.ts';
import { setGatewayAssignments } from './set-gateway-assignments.ts';
import { updateGateway } from './update-gateway.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let fronted: string;

const ISSUER = 'https://auth.example.com';

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  fronted = (
    await seedRegistryEntry(env.db.db, a.tenant.id, {
      slug: 'direct',
      url: 'https://tools.example.com/mcp',
      authKind: 'oauth_passthrough',
      authConfig: { authorizationServer: ISSUER, scopes: ['read'] },
    })
  ).id;
});
afterAll(async () => {
  await env?.close();
});

const opts = (org: SeededOrg) => actingAs(env, org, 'admin');
const passthrough = { clientAuthMethods: ['passthrough' as const] };

describe('pass-through gateways', () => {
  it('front one OAuth pass-through server, alone among client methods and open to the organization', async () => {
    const created = await createGateway({
      ...opts(a),
      input: { slug: 'pt', name: 'PT', ...passthrough, passthroughEntryId: fronted },
    });
    expect(created).toMatchObject({ clientAuthMethods: ['passthrough'], passthroughEntryId: fronted });

    const team = await seedTeam(env.db.db, a.tenant.id);
    const refusals: [Record<string, unknown>, string][] = [
      [{ clientAuthMethods: ['passthrough', 'api_token'], passthroughEntryId: fronted }, 'clientAuthMethods'],
      [{ ...passthrough }, 'passthroughEntryId'],
      [
        { ...passthrough, passthroughEntryId: fronted, visibility: 'teams', teamIds: [team.id] },
        'visibility',
      ],
      [{ passthroughEntryId: fronted }, 'passthroughEntryId'],
    ];
    for (const [input, path] of refusals) {
      const failure = await failureOf(() =>
        createGateway({ ...opts(a), input: { slug: 'pt-bad', name: 'bad', ...input } }),
      );
      expect(failure.code).toBe('INVALID');
      expect(JSON.stringify(failure.details)).toContain(path);
    }
  });

  it('refuse servers that are not OAuth pass-through, not remote, unnamed issuers, and other tenants’ entries', async () => {
    const oauth = await seedRegistryEntry(env.db.db, a.tenant.id, { authKind: 'oauth' });
    const stdio = await seedRegistryEntry(env.db.db, a.tenant.id, {
      transport: 'stdio',
      url: null,
      command: 'node',
      authKind: 'oauth_passthrough',
      authConfig: { authorizationServer: ISSUER },
    });
    const noIssuer = await seedRegistryEntry(env.db.db, a.tenant.id, { authKind: 'oauth_passthrough' });
    const theirs = await seedRegistryEntry(env.db.db, b.tenant.id, {
      authKind: 'oauth_passthrough',
      authConfig: { authorizationServer: ISSUER },
    });
    const expected: [string, RegExp][] = [
      [oauth.id, /OAuth pass-through/],
      [stdio.id, /remote/],
      [noIssuer.id, /authorization server/],
      [theirs.id, /not a server of this workspace/],
    ];
    for (const [entryId, message] of expected) {
      const failure = await failureOf(() =>
        createGateway({
          ...opts(a),
          input: { slug: 'pt-x', name: 'x', ...passthrough, passthroughEntryId: entryId },
        }),
      );
      expect(failure.message).toMatch(message);
    }
  });

  it('take no tool assignments, and a gateway with assignments must drop them before switching', async () => {
    const gateway = await createGateway({
      ...opts(a),
      input: { slug: 'pt-assign', name: 'x', ...passthrough, passthroughEntryId: fronted },
    });
    const refused = await failureOf(() =>
      setGatewayAssignments({
        ...opts(a),
        gatewayId: gateway.id,
        input: { assignments: [{ registryEntryId: fronted, toolName: 'anything' }] },
      }),
    );
    expect(refused.message).toMatch(/takes no tool assignments/);

    const ordinary = await createGateway({ ...opts(a), input: { slug: 'plain', name: 'plain' } });
    await setGatewayAssignments({
      ...opts(a),
      gatewayId: ordinary.id,
      input: { assignments: [{ registryEntryId: fronted, toolName: 'anything' }] },
    });
    const switching = await failureOf(() =>
      updateGateway({
        ...opts(a),
        gatewayId: ordinary.id,
        input: { ...passthrough, passthroughEntryId: fronted },
      }),
    );
    expect(switching.message).toMatch(/remove the tools assigned/);

    // Leaving pass-through forgets the server it fronted.
    const left = await updateGateway({
      ...opts(a),
      gatewayId: gateway.id,
      input: { clientAuthMethods: ['api_token'] },
    });
    expect(left).toMatchObject({ clientAuthMethods: ['api_token'], passthroughEntryId: null });
  });

  it('count their server as up when it refuses Toolgate (it answers callers’ own tokens only), recording no tools', async () => {
    const upstream = await startOAuthUpstream();
    try {
      const entry = await seedRegistryEntry(env.db.db, a.tenant.id, {
        url: upstream.mcpUrl,
        authKind: 'oauth_passthrough',
        authConfig: { authorizationServer: upstream.issuer },
      });
      const installation = await seedInstallation(env.db.db, a.tenant.id, entry.id, { status: 'error' });
      const discovered = await discoverInstallation({
        ...opts(a),
        installationId: installation.id,
        allowPrivate: true,
      });
      expect(discovered.installation).toMatchObject({ status: 'ready', lastError: null });
      expect(discovered.tools).toEqual([]);
      const checked = await checkInstallationHealth({
        ...opts(a),
        installationId: installation.id,
        allowPrivate: true,
        timeoutMs: 5_000,
      });
      expect(checked).toMatchObject({ status: 'ready', lastError: null });
      // The same refusal from a server of another kind is a credentials problem.
      const oauth = await seedRegistryEntry(env.db.db, a.tenant.id, {
        url: upstream.mcpUrl,
        authKind: 'none',
      });
      const plain = await seedInstallation(env.db.db, a.tenant.id, oauth.id);
      const refused = await discoverInstallation({
        ...opts(a),
        installationId: plain.id,
        allowPrivate: true,
      });
      expect(refused.installation.status).toBe('auth_failed');
    } finally {
      await upstream.close();
    }
  });
});
