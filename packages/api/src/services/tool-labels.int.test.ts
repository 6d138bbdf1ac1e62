import { snapshotKey } from '@toolgate/bus';
import { loadGatewaySnapshot } from '@toolgate/db/gateway-snapshot';
import { registryEntries, tenants, tools } from '@toolgate/db/schema';
import {
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTools,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
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
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { discoverInstallation } from './discover-installation.ts';
import { listInstallationTools } from './list-installation-tools.ts';
import { setEntryToolLabels } from './set-entry-tool-labels.ts';
import { setToolLabels } from './set-tool-labels.ts';

let env: ApiTestEnv;
let everything: RunningEverythingServer;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  [{ env, a, b }, everything] = await Promise.all([
    createTwoTenantEnv(),
    startEverythingServer('streamableHttp'),
  ]);
});
afterAll(async () => {
  await env?.close();
  await everything?.close();
});

const opts = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  ...actingAs(env, org, who),
  allowPrivate: true,
});

/** The workspace's configuration version: every recorded change raises it. */
async function configVersion(org: SeededOrg): Promise<number> {
  const [row] = await env.db.db
    .select({ v: tenants.configVersion })
    .from(tenants)
    .where(eq(tenants.id, org.tenant.id));
  return row!.v;
}

/** An installation of a (never reached) server with one tool, `fetch_page`. */
async function labelledWorld(org: SeededOrg, scope: 'org' | 'personal' = 'org') {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id);
  const installation = await seedInstallation(env.db.db, org.tenant.id, entry.id, {
    scope,
    userId: scope === 'personal' ? org.member.id : null,
  });
  const [tool] = await seedTools(env.db.db, org.tenant.id, installation.id, [{ name: 'fetch_page' }]);
  return { entry, installation, tool: tool! };
}

describe('labels of an installation’s tool', () => {
  it('are stored deduplicated and sorted, replaced as a whole, and shown with the tool', async () => {
    const { installation, tool } = await labelledWorld(a);
    const labelled = await setToolLabels({
      ...opts(a),
      installationId: installation.id,
      toolId: tool.id,
      input: { labels: ['untrusted-output', ' web ', 'untrusted-output', 'team:sales/eu'] },
    });
    expect(labelled.labels).toEqual(['team:sales/eu', 'untrusted-output', 'web']);
    expect(labelled.enabled).toBe(true);
    const [listed] = await listInstallationTools({ ...opts(a, 'member'), installationId: installation.id });
    expect(listed).toEqual(labelled);

    const replaced = await setToolLabels({
      ...opts(a, 'owner'),
      installationId: installation.id,
      toolId: tool.id,
      input: { labels: ['external-send'] },
    });
    expect(replaced.labels).toEqual(['external-send']);
    const cleared = await setToolLabels({
      ...opts(a),
      installationId: installation.id,
      toolId: tool.id,
      input: { labels: [] },
    });
    expect(cleared.labels).toEqual([]);
  });

  it('refuses labels outside the pattern and more than 20, naming each', async () => {
    const { installation, tool } = await labelledWorld(a);
    const bad = await failureOf(() =>
      setToolLabels({
        ...opts(a),
        installationId: installation.id,
        toolId: tool.id,
        input: { labels: ['External-Send', 'ok', '-dash-first', 'x'.repeat(65), ''] },
      }),
    );
    expect(bad.code).toBe('INVALID');
    expect((bad.details?.fields as { path: string }[]).map((f) => f.path)).toEqual([
      'labels.0',
      'labels.2',
      'labels.3',
      'labels.4',
    ]);
    expect(bad.message).toContain(
      'labels.0: use 1–64 lower-case letters, digits and . _ : / - (starting with a letter or digit)',
    );
    const many = await failureOf(() =>
      setToolLabels({
        ...opts(a),
        installationId: installation.id,
        toolId: tool.id,
        input: { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) },
      }),
    );
    expect(many.details?.fields).toEqual([{ path: 'labels', message: 'a tool takes at most 20 labels' }]);
    const [row] = await env.db.db.select().from(tools).where(eq(tools.id, tool.id));
    expect(row!.labels).toEqual([]);
  });

  it('are for owners and admins: a member may not label even their own installation’s tools', async () => {
    const { installation, tool } = await labelledWorld(a, 'personal');
    const refused = await failureOf(() =>
      setToolLabels({
        ...opts(a, 'member'),
        installationId: installation.id,
        toolId: tool.id,
        input: { labels: [] },
      }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toBe('Only owners and admins may label tools');
    // Another member does not even see it.
    const hidden = await failureOf(() =>
      setToolLabels({
        ...opts(a, 'otherMember'),
        installationId: installation.id,
        toolId: tool.id,
        input: { labels: [] },
      }),
    );
    expect(hidden.code).toBe('NOT_FOUND');
    const byAdmin = await setToolLabels({
      ...opts(a),
      installationId: installation.id,
      toolId: tool.id,
      input: { labels: ['external-send'] },
    });
    expect(byAdmin.labels).toEqual(['external-send']);
  });

  it("cannot reach another workspace's installation or tool", async () => {
    const theirs = await labelledWorld(b);
    const mine = await labelledWorld(a);
    for (const [installationId, toolId] of [
      [theirs.installation.id, theirs.tool.id],
      [mine.installation.id, theirs.tool.id],
    ]) {
      const refused = await failureOf(() =>
        setToolLabels({
          ...opts(a),
          installationId: installationId!,
          toolId: toolId!,
          input: { labels: ['x'] },
        }),
      );
      expect(refused.code).toBe('NOT_FOUND');
    }
    const [row] = await env.db.db.select().from(tools).where(eq(tools.id, theirs.tool.id));
    expect(row!.labels).toEqual([]);
  });

  it('invalidate the gateways exposing the server, only when they change', async () => {
    const { entry, installation, tool } = await labelledWorld(a);
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    await seedAssignments(env.db.db, a.tenant.id, gateway.id, [
      { registryEntryId: entry.id, toolName: 'fetch_page' },
    ]);
    const replica = await recordInvalidations(env.newBus());
    try {
      const set = (labels: string[]) =>
        setToolLabels({ ...opts(a), installationId: installation.id, toolId: tool.id, input: { labels } });
      await set(['untrusted-output']);
      const version = await configVersion(a);
      await set(['untrusted-output']);
      expect(await configVersion(a)).toBe(version);
      await set(['external-send']);
      const expected = {
        kind: 'gateway',
        tenantId: a.tenant.id,
        gatewayId: gateway.id,
        reason: 'tool labels changed',
      };
      await eventually(() => expect(replica.messages).toEqual([expected, expected]));
    } finally {
      await replica.stop();
    }
  });

  it('survive re-discovery of a real server', async () => {
    const entry = await createRegistryEntry({
      ...opts(a),
      input: {
        slug: 'everything-labels',
        name: 'Everything',
        transport: 'streamable_http',
        url: everything.url,
      },
    });
    const installed = await createInstallation({
      ...opts(a),
      input: { registryEntryId: entry.id, scope: 'org' },
    });
    const echo = installed.tools.find((t) => t.name === 'echo')!;
    expect(echo.labels).toEqual([]);
    await setToolLabels({
      ...opts(a),
      installationId: installed.installation.id,
      toolId: echo.id,
      input: { labels: ['external-send'] },
    });
    // A stale definition, so the upsert has something to rewrite.
    await env.db.db.update(tools).set({ description: 'stale' }).where(eq(tools.id, echo.id));
    const again = await discoverInstallation({ ...opts(a), installationId: installed.installation.id });
    const echoAgain = again.tools.find((t) => t.name === 'echo')!;
    expect(echoAgain.id).toBe(echo.id);
    expect(echoAgain.description).not.toBe('stale');
    expect(echoAgain.labels).toEqual(['external-send']);
    expect(again.tools.filter((t) => t.name !== 'echo').every((t) => t.labels.length === 0)).toBe(true);
  });
});

describe('labels of a registry entry’s tools', () => {
  it('merge by tool name (an empty list removes one) and show on the entry', async () => {
    const entry = await createRegistryEntry({
      ...opts(a),
      input: { slug: 'labelled-entry', name: 'Labelled', transport: 'streamable_http', url: everything.url },
    });
    expect(entry.toolLabels).toEqual({});
    const first = await setEntryToolLabels({
      ...opts(a),
      entryId: entry.id,
      input: { tools: { send_mail: ['external-send', 'external-send'], read_inbox: ['untrusted-output'] } },
    });
    expect(first.toolLabels).toEqual({ read_inbox: ['untrusted-output'], send_mail: ['external-send'] });
    const second = await setEntryToolLabels({
      ...opts(a, 'owner'),
      entryId: entry.id,
      input: { tools: { read_inbox: [], search: ['web', 'untrusted-output'] } },
    });
    expect(second.toolLabels).toEqual({ search: ['untrusted-output', 'web'], send_mail: ['external-send'] });
    const [row] = await env.db.db.select().from(registryEntries).where(eq(registryEntries.id, entry.id));
    expect(row!.toolLabels).toEqual(second.toolLabels);
  });

  it('are for owners and admins, on tenant entries only, never another workspace’s', async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id);
    const member = await failureOf(() =>
      setEntryToolLabels({ ...opts(a, 'member'), entryId: entry.id, input: { tools: { t: ['x'] } } }),
    );
    expect(member.code).toBe('FORBIDDEN');
    const catalog = await seedRegistryEntry(env.db.db, null);
    const builtIn = await failureOf(() =>
      setEntryToolLabels({ ...opts(a), entryId: catalog.id, input: { tools: { t: ['x'] } } }),
    );
    expect(builtIn.code).toBe('NOT_FOUND');
    expect(builtIn.message).toContain('built-in catalog entries cannot be changed');
    const theirs = await seedRegistryEntry(env.db.db, b.tenant.id);
    const other = await failureOf(() =>
      setEntryToolLabels({ ...opts(a), entryId: theirs.id, input: { tools: { t: ['x'] } } }),
    );
    expect(other.code).toBe('NOT_FOUND');
    const rows = await env.db.db.select().from(registryEntries).where(eq(registryEntries.id, theirs.id));
    expect(rows[0]!.toolLabels).toEqual({});
    const bad = await failureOf(() =>
      setEntryToolLabels({ ...opts(a), entryId: entry.id, input: { tools: { t: ['Bad Label'] } } }),
    );
    expect(bad.code).toBe('INVALID');
    expect((bad.details?.fields as { path: string }[])[0]!.path).toBe('tools.t.0');
    const empty = await failureOf(() =>
      setEntryToolLabels({ ...opts(a), entryId: entry.id, input: { tools: {} } }),
    );
    expect(empty.details?.fields).toEqual([{ path: 'tools', message: 'name at least one tool' }]);
  });

  it('invalidate the gateways exposing the entry, only when they change', async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id);
    const [g1, g2] = await Promise.all([
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
    ]);
    await seedAssignments(env.db.db, a.tenant.id, g1.id, [
      { registryEntryId: entry.id, toolName: 'send_mail' },
    ]);
    await Promise.all(
      [g1, g2].map((g) => env.bus.sharedCache.set(snapshotKey(a.tenant.slug, g.slug), '{}', 600)),
    );
    const replica = await recordInvalidations(env.newBus());
    try {
      const set = () =>
        setEntryToolLabels({
          ...opts(a),
          entryId: entry.id,
          input: { tools: { send_mail: ['external-send'] } },
        });
      await set();
      expect(await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, g1.slug))).toBeNull();
      expect(await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, g2.slug))).toBe('{}');
      const version = await configVersion(a);
      await set();
      expect(await configVersion(a)).toBe(version);
      const expected = {
        kind: 'gateway',
        tenantId: a.tenant.id,
        gatewayId: g1.id,
        reason: 'tool labels changed',
      };
      await eventually(() => expect(replica.messages).toEqual([expected]));
    } finally {
      await replica.stop();
    }
  });
});

describe('labels in the gateway snapshot', () => {
  it("serve each tool with its entry's and its installation tool's labels; a catalog entry's are never read", async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id);
    const catalog = await seedRegistryEntry(env.db.db, null);
    // Written behind the service's back: a catalog row is shared, the loader must not trust it.
    await env.db.db
      .update(registryEntries)
      .set({ toolLabels: { lookup: ['leaked'] } })
      .where(eq(registryEntries.id, catalog.id));
    const [mine, fromCatalog] = await Promise.all([
      seedInstallation(env.db.db, a.tenant.id, entry.id),
      seedInstallation(env.db.db, a.tenant.id, catalog.id),
    ]);
    const [sendMail] = await seedTools(env.db.db, a.tenant.id, mine.id, [
      { name: 'send_mail' },
      { name: 'plain' },
    ]);
    await seedTools(env.db.db, a.tenant.id, fromCatalog.id, [{ name: 'lookup' }]);
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    await seedAssignments(env.db.db, a.tenant.id, gateway.id, [
      { registryEntryId: entry.id, toolName: 'send_mail' },
      { registryEntryId: entry.id, toolName: 'plain' },
      { registryEntryId: catalog.id, toolName: 'lookup' },
    ]);
    await setEntryToolLabels({
      ...opts(a),
      entryId: entry.id,
      input: { tools: { send_mail: ['external-send'] } },
    });
    await setToolLabels({
      ...opts(a),
      installationId: mine.id,
      toolId: sendMail!.id,
      input: { labels: ['email', 'external-send'] },
    });
    const loaded = await loadGatewaySnapshot(env.db.db, a.tenant.slug, gateway.slug);
    if (loaded.kind !== 'found') throw new Error('gateway not found');
    const labels = Object.fromEntries(loaded.snapshot.tools.map((t) => [t.upstreamName, t.labels]));
    expect(labels).toEqual({ send_mail: ['email', 'external-send'], plain: undefined, lookup: undefined });
  });
});
