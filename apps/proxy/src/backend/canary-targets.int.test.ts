import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { loadGatewaySnapshot } from '@toolgate/db/gateway-snapshot';
import { installations } from '@toolgate/db/schema';
import {
  createTestDatabase,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
  type TestDatabase,
} from '@toolgate/db/testing';
import { runnerEndpoint } from '@toolgate/mcp/runner-routing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { prepareGateway, type PreparedGateway } from '../config/snapshot-store.ts';
import { resolveCredential } from '../dispatch/credential-resolver.ts';
import type { Principal } from '../mcp-call.ts';
import { UsageDraft } from '../usage/meter.ts';
import { UpstreamTargets } from './upstream-target.ts';

/**
 * The canary split where the proxy makes it: a gateway snapshot compiled from Postgres for a
 * packaged installation running a canary, and the targets the credential resolver hands the pool
 * for distinct callers (the runner serves `?variant=canary`; the runner itself is its own app).
 */
let db: TestDatabase;
const ring = parseKeyRing(generateKeySpec('canary-test'));
const seeded = {} as { tenantSlug: string; gatewaySlug: string; installationId: string; tenantId: string };

const caller = (n: number, tenantId: string): Principal => ({
  id: `token:caller-${n}`,
  tenantId,
  authMethod: 'api_token',
  userId: null,
  teamIds: [],
  orgWide: true,
});

async function gateway(): Promise<PreparedGateway> {
  const load = await loadGatewaySnapshot(db.db, seeded.tenantSlug, seeded.gatewaySlug);
  if (load.kind !== 'found') throw new Error('gateway not found');
  return prepareGateway(load.snapshot, { allowStdio: true });
}

async function targetOf(targets: UpstreamTargets, g: PreparedGateway, principal: Principal) {
  const tool = g.toolByName.get('memory__read_graph')!;
  const resolved = await resolveCredential(targets, { gateway: g, tool, principal }, undefined);
  return resolved;
}

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, {
    slug: 'memory',
    transport: 'stdio',
    url: null,
    command: null,
    package: '@modelcontextprotocol/server-memory',
    version: '2025.8.4',
  });
  // A fixed id (and fixed caller ids): the split is a pure function of both, so the share measured
  // below is the same on every run instead of failing now and then by chance.
  const installation = await seedInstallation(db.db, tenant.id, entry.id, {
    id: '3f2b7c1e-9a4d-4e8b-b6c5-0d1e2f3a4b5c',
    pinnedVersion: '2025.9.25',
  });
  await seedTools(db.db, tenant.id, installation.id, [{ name: 'read_graph' }]);
  const gw = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, gw.id, [{ registryEntryId: entry.id, toolName: 'read_graph' }]);
  Object.assign(seeded, {
    tenantSlug: tenant.slug,
    gatewaySlug: gw.slug,
    installationId: installation.id,
    tenantId: tenant.id,
  });
});

afterAll(async () => {
  await db?.destroy();
});

describe('canary targets', () => {
  it('without a canary, every caller gets the stable target and the snapshot names the pinned version', async () => {
    const g = await gateway();
    const installation = g.installations.get(seeded.installationId)!;
    expect(installation.version).toBe('2025.9.25');
    expect(installation.canary).toBeUndefined();
    const targets = new UpstreamTargets(ring);
    const keys = new Set<string>();
    for (let n = 0; n < 50; n++) {
      const { target } = await targetOf(targets, g, caller(n, seeded.tenantId));
      expect(target?.runner).toEqual({ tenantId: seeded.tenantId, installationId: seeded.installationId });
      keys.add(target!.key);
    }
    expect(keys.size).toBe(1);
  });

  it('sends about the chosen share of 400 distinct callers to the canary, each one always to the same side', async () => {
    await db.db
      .update(installations)
      .set({ canaryVersion: '2026.1.26', canaryPercent: 20, canaryStartedAt: new Date() })
      .where(eq(installations.id, seeded.installationId));
    const g = await gateway();
    expect(g.installations.get(seeded.installationId)!.canary).toEqual({ version: '2026.1.26', percent: 20 });
    const targets = new UpstreamTargets(ring);
    let canaries = 0;
    const stableKeys = new Set<string>();
    const canaryKeys = new Set<string>();
    for (let n = 0; n < 400; n++) {
      const principal = caller(n, seeded.tenantId);
      const first = (await targetOf(targets, g, principal)).target!;
      // Sticky: asked again (a later call of the same caller), the same side and the same pool key.
      for (let again = 0; again < 3; again++) {
        const next = (await targetOf(targets, g, principal)).target!;
        expect(next.key).toBe(first.key);
        expect(next.runner).toEqual(first.runner);
      }
      if (first.runner?.variant === 'canary') {
        canaries++;
        canaryKeys.add(first.key);
        expect(runnerEndpoint('http://runner:7000', first.runner)).toBe(
          `http://runner:7000/tenants/${seeded.tenantId}/servers/${seeded.installationId}/mcp?variant=canary`,
        );
      } else stableKeys.add(first.key);
    }
    expect(Math.abs((canaries / 400) * 100 - 20)).toBeLessThanOrEqual(5);
    // One pooled session per side: the canary never shares the stable variant's upstream session.
    expect(stableKeys.size).toBe(1);
    expect(canaryKeys.size).toBe(1);
    expect([...canaryKeys][0]).not.toBe([...stableKeys][0]);
  });

  it('records the variant and the version each caller was served in the usage event', async () => {
    const g = await gateway();
    const targets = new UpstreamTargets(ring);
    const seen = { canary: 0, stable: 0 };
    for (let n = 0; n < 100 && (seen.canary === 0 || seen.stable === 0); n++) {
      const { installation, target } = await targetOf(targets, g, caller(n, seeded.tenantId));
      const draft = new UsageDraft(`r${n}`, {}, 1000);
      draft.servedBy(installation!, target?.runner?.variant === 'canary');
      if (target?.runner?.variant === 'canary') {
        seen.canary++;
        expect(draft).toMatchObject({ variant: 'canary', serverVersion: '2026.1.26' });
      } else {
        seen.stable++;
        expect(draft).toMatchObject({ variant: 'stable', serverVersion: '2025.9.25' });
      }
    }
    expect(seen.canary).toBeGreaterThan(0);
    expect(seen.stable).toBeGreaterThan(0);
  });

  it('after a roll-back (canary cleared), former canary callers are back on the stable target', async () => {
    await db.db
      .update(installations)
      .set({ canaryVersion: null, canaryPercent: null, canaryStartedAt: null })
      .where(eq(installations.id, seeded.installationId));
    const g = await gateway();
    const targets = new UpstreamTargets(ring);
    for (let n = 0; n < 100; n++) {
      const { installation, target } = await targetOf(targets, g, caller(n, seeded.tenantId));
      expect(target?.runner?.variant).toBeUndefined();
      const draft = new UsageDraft(`r${n}`, {}, 1000);
      draft.servedBy(installation!, false);
      expect(draft).toMatchObject({ variant: null, serverVersion: '2025.9.25' });
    }
  });
});
