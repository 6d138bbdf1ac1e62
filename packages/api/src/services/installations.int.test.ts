import { createServer } from 'node:net';
import { generateKeySpec, openString, parseKeyRing } from '@toolgate/core/crypto';
import { installations, tools } from '@toolgate/db/schema';
import { seedAssignments, seedGateway, seedTeam, seedTools } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  recordInvalidations,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { startPagedToolsServer } from '../testing/paged-tools-server.ts';
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { discoverInstallation } from './discover-installation.ts';
import { listInstallationTools } from './list-installation-tools.ts';

let env: ApiTestEnv;
let everything: RunningEverythingServer;
let a: SeededOrg;
let b: SeededOrg;
let entryId: string;

beforeAll(async () => {
  [{ env, a, b }, everything] = await Promise.all([
    createTwoTenantEnv(),
    startEverythingServer('streamableHttp'),
  ]);
  entryId = (
    await createRegistryEntry({
      ...actingAs(env, a),
      input: {
        slug: 'everything',
        name: 'Everything',
        transport: 'streamable_http',
        url: everything.url,
        installFields: [
          { key: 'apiKey', label: 'API key', secret: true, target: { kind: 'header', name: 'X-Api-Key' } },
          { key: 'region', label: 'Region', required: true, target: { kind: 'header', name: 'X-Region' } },
        ],
      },
    })
  ).id;
});
afterAll(async () => {
  await env?.close();
  await everything?.close();
});

const opts = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  ...actingAs(env, org, who),
  allowPrivate: true,
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('installing and discovering', () => {
  it('seals secrets, keeps the rest as config, and discovers every tool of a real server', async () => {
    const result = await createInstallation({
      ...opts(a),
      input: {
        registryEntryId: entryId,
        scope: 'org',
        values: { apiKey: 'sk-secret-123', region: 'eu' },
      },
    });
    expect(result.installation).toMatchObject({
      registryEntryId: entryId,
      name: 'Everything',
      scope: 'org',
      config: { region: 'eu' },
      hasCredentials: true,
      status: 'ready',
      lastError: null,
    });
    expect(result.installation.discoveredAt).not.toBeNull();
    expect(JSON.stringify(result)).not.toContain('sk-secret-123');
    const names = result.tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect(names).toEqual([...names].sort());
    expect(result.hasResources).toBe(true);
    for (const tool of result.tools) expect(tool.schemaHash).toMatch(/^[0-9a-f]{64}$/);
    const echo = result.tools.find((t) => t.name === 'echo')!;
    expect(echo.inputSchema).toMatchObject({ type: 'object', properties: { message: { type: 'string' } } });

    const [row] = await env.db.db
      .select()
      .from(installations)
      .where(eq(installations.id, result.installation.id));
    expect(row!.config).toEqual({ region: 'eu' });
    expect(row!.credentialsSealed).not.toContain('sk-secret-123');
    expect(
      JSON.parse(openString(env.secretKeys, row!.credentialsSealed!, `installation:${row!.id}`)),
    ).toEqual({
      apiKey: 'sk-secret-123',
    });
    // Bound to its row: the same ciphertext does not open as another installation's.
    expect(() => openString(env.secretKeys, row!.credentialsSealed!, 'installation:other')).toThrow();

    expect(await listInstallationTools({ ...opts(a, 'member'), installationId: row!.id })).toEqual(
      result.tools,
    );
  });

  it('re-discovery updates tools in place, keeps approvals, sets vanished tools aside, and invalidates gateways', async () => {
    const first = await createInstallation({
      ...opts(a),
      input: { registryEntryId: entryId, scope: 'org', name: 'second', values: { region: 'us' } },
    });
    const installationId = first.installation.id;
    const echo = first.tools.find((t) => t.name === 'echo')!;
    await env.db.db
      .update(tools)
      .set({ approvedHash: echo.schemaHash, description: 'stale' })
      .where(eq(tools.id, echo.id));
    await seedTools(env.db.db, a.tenant.id, installationId, [{ name: 'vanished' }]);
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    await seedAssignments(env.db.db, a.tenant.id, gateway.id, [
      { registryEntryId: entryId, toolName: 'echo' },
    ]);

    const replica = await recordInvalidations(env.newBus());
    try {
      const again = await discoverInstallation({ ...opts(a), installationId });
      expect(again.tools.map((t) => t.name)).not.toContain('vanished');
      const echoAgain = again.tools.find((t) => t.name === 'echo')!;
      expect(echoAgain).toMatchObject({
        id: echo.id,
        approvedHash: echo.schemaHash,
        schemaHash: echo.schemaHash,
      });
      expect(echoAgain.description).not.toBe('stale');
      expect(again.tools.map((t) => t.id).sort()).toEqual(first.tools.map((t) => t.id).sort());
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: gateway.id,
          reason: 'tools discovered',
        }),
      );
    } finally {
      await replica.stop();
    }
  });

  it('lists every page of tools/list, and drops tools the server no longer lists', async () => {
    const paged = await startPagedToolsServer(['t1', 't2', 't3', 't4', 't5'], 2);
    try {
      const entry = await createRegistryEntry({
        db: env.db.db,
        tenantId: a.tenant.id,
        actor: a.actors.admin,
        input: { slug: 'paged', name: 'Paged', transport: 'streamable_http', url: paged.url },
      });
      const first = await createInstallation({
        ...opts(a),
        input: { registryEntryId: entry.id, scope: 'org', name: 'org-2' },
      });
      expect(first.tools.map((t) => t.name)).toEqual(['t1', 't2', 't3', 't4', 't5']);
      expect(paged.listCalls()).toBe(3);
      expect(first.hasResources).toBe(false);

      paged.setTools(['t2', 't5', 't6']);
      const second = await discoverInstallation({ ...opts(a), installationId: first.installation.id });
      expect(second.tools.map((t) => t.name)).toEqual(['t2', 't5', 't6']);
    } finally {
      await paged.close();
    }
  });

  it('records an unreachable upstream as unreachable, and the SSRF guard refuses private addresses (error)', async () => {
    const dead = await createRegistryEntry({
      db: env.db.db,
      tenantId: a.tenant.id,
      actor: a.actors.admin,
      input: {
        slug: 'dead',
        name: 'Dead',
        transport: 'streamable_http',
        url: `http://127.0.0.1:${await closedPort()}/mcp`,
      },
    });
    const unreachable = await createInstallation({
      ...opts(a),
      input: { registryEntryId: dead.id, scope: 'org', name: 'org-3' },
    });
    expect(unreachable.installation.status).toBe('unreachable');
    expect(unreachable.installation.lastError).toBeTruthy();
    expect(unreachable).toMatchObject({ tools: [], hasResources: null });

    const guarded = await createInstallation({
      ...opts(a),
      allowPrivate: false,
      input: { registryEntryId: entryId, scope: 'org', name: 'org-4', values: { region: 'eu' } },
    });
    expect(guarded.installation.status).toBe('error');
    expect(guarded.installation.lastError).toMatch(/private address/);
    expect(guarded.tools).toEqual([]);
  });

  it('marks an installation whose credentials no longer open as failed; refuses to run without keys', async () => {
    const created = await createInstallation({
      ...opts(a),
      input: { registryEntryId: entryId, scope: 'org', name: 'org-5', values: { apiKey: 'k', region: 'eu' } },
    });
    const otherRing = parseKeyRing(generateKeySpec('k2'));
    const rediscovered = await discoverInstallation({
      ...opts(a),
      secretKeys: otherRing,
      installationId: created.installation.id,
    });
    expect(rediscovered.installation.status).toBe('error');
    expect(rediscovered.installation.lastError).toBe(
      'The stored credentials could not be opened (sealed with unknown key "k1"); install again',
    );
    const noKeys = await failureOf(() =>
      discoverInstallation({ ...opts(a), secretKeys: undefined, installationId: created.installation.id }),
    );
    expect(noKeys.code).toBe('UNAVAILABLE');
  });

  it('validates values against the entry fields', async () => {
    const bad = await failureOf(() =>
      createInstallation({
        ...opts(a),
        input: { registryEntryId: entryId, scope: 'org', name: 'org-6', values: { nope: 'x' } },
      }),
    );
    expect(bad.code).toBe('INVALID');
    expect(bad.details!.fields).toEqual([
      { path: 'values.nope', message: '"everything" has no field "nope"' },
      { path: 'values.region', message: 'Region is required' },
    ]);
  });
});

describe('who may install', () => {
  it('lets members install for themselves only; personal installations are private to their owner', async () => {
    for (const scope of ['org', 'team'] as const) {
      const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
      const attempt = await failureOf(() =>
        createInstallation({
          ...opts(a, 'member'),
          input: {
            registryEntryId: entryId,
            scope,
            ...(scope === 'team' ? { teamId: team.id } : {}),
            values: { region: 'x' },
          },
        }),
      );
      expect(attempt.code).toBe('FORBIDDEN');
    }
    const personal = await createInstallation({
      ...opts(a, 'member'),
      input: { registryEntryId: entryId, scope: 'personal', values: { region: 'mine' } },
    });
    expect(personal.installation).toMatchObject({ scope: 'personal', userId: a.member.id, status: 'ready' });
    const id = personal.installation.id;
    await expect(
      listInstallationTools({ ...opts(a, 'admin'), installationId: id }),
    ).resolves.not.toHaveLength(0);
    expect(
      (await failureOf(() => listInstallationTools({ ...opts(a, 'otherMember'), installationId: id }))).code,
    ).toBe('NOT_FOUND');
    expect(
      (await failureOf(() => discoverInstallation({ ...opts(a, 'otherMember'), installationId: id }))).code,
    ).toBe('NOT_FOUND');
    await expect(discoverInstallation({ ...opts(a, 'member'), installationId: id })).resolves.toMatchObject({
      installation: { status: 'ready' },
    });
  });

  it("cannot use another tenant's entries, teams or installations", async () => {
    const mine = await createInstallation({
      ...opts(a),
      input: { registryEntryId: entryId, scope: 'org', name: 'org-7', values: { region: 'eu' } },
    });
    const theirTeam = await seedTeam(env.db.db, b.tenant.id);
    for (const attempt of [
      () =>
        createInstallation({
          ...opts(b),
          input: { registryEntryId: entryId, scope: 'org', name: 'org-8', values: { region: 'x' } },
        }),
      () =>
        createInstallation({
          ...opts(a),
          input: { registryEntryId: entryId, scope: 'team', teamId: theirTeam.id, values: { region: 'x' } },
        }),
      () => listInstallationTools({ ...opts(b), installationId: mine.installation.id }),
      () => discoverInstallation({ ...opts(b), installationId: mine.installation.id }),
    ]) {
      expect((await failureOf(attempt)).code).toBe('NOT_FOUND');
    }
    const rows = await env.db.db
      .select()
      .from(installations)
      .where(and(eq(installations.tenantId, b.tenant.id)));
    expect(rows).toEqual([]);
  });
});
