import { auditEvents, installations } from '@toolgate/db/schema';
import { seedAssignments, seedGateway, seedInstallation, seedRegistryEntry } from '@toolgate/db/testing';
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
} from '../../testing/api-test-env.ts';
import { startNpmRegistryFixture, type NpmRegistryFixture } from '../../testing/npm-registry-fixture.ts';
import { getCanaryReport } from './get-canary-report.ts';
import { listOfferedVersions } from './list-offered-versions.ts';
import { pinVersion } from './pin-version.ts';
import { promoteCanary, rollBackCanary } from './promote-canary.ts';
import { startCanary } from './start-canary.ts';

const PACKAGE = '@modelcontextprotocol/server-memory';
let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let registry: NpmRegistryFixture;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  registry = await startNpmRegistryFixture({
    [PACKAGE]: {
      versions: ['0.5.0', '0.6.0', '1.0.0-rc.1', '0.10.0', '1.0.0', '1.1.0-beta.2'],
      latest: '1.0.0',
      deprecated: { '0.5.0': 'use 0.6.0 or later' },
    },
  });
});
afterAll(async () => {
  await registry?.close();
  await env?.close();
});

const as = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  ...actingAs(env, org, who),
  npm: { registryUrl: registry.url, timeoutMs: 2_000 },
});

/** A packaged installation of org `org`, exposed through a gateway (so its changes invalidate it). */
async function packaged(org: SeededOrg, overrides: { pinnedVersion?: string } = {}) {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id, {
    transport: 'stdio',
    url: null,
    package: PACKAGE,
    version: '0.6.0',
  });
  const installation = await seedInstallation(env.db.db, org.tenant.id, entry.id, overrides);
  const gateway = await seedGateway(env.db.db, org.tenant.id);
  await seedAssignments(env.db.db, org.tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'read_graph' },
  ]);
  return { entry, installation, gateway, installationId: installation.id };
}

const auditOf = async (tenantId: string, installationId: string, method: string) =>
  env.db.db
    .select({ response: auditEvents.response, principalId: auditEvents.principalId })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, tenantId),
        eq(auditEvents.installationId, installationId),
        eq(auditEvents.method, method),
      ),
    );

describe('offered versions', () => {
  it('lists what the registry offers newest first (semver order), latest and deprecations marked', async () => {
    const s = await packaged(a);
    const offered = await listOfferedVersions({ ...as(a, 'member'), installationId: s.installationId });
    expect(offered).toMatchObject({
      package: PACKAGE,
      stableVersion: '0.6.0',
      pinnedVersion: null,
      runningVersion: null,
      latest: '1.0.0',
    });
    expect(offered.versions.map((v) => v.version)).toEqual([
      '1.1.0-beta.2',
      '1.0.0',
      '1.0.0-rc.1',
      '0.10.0',
      '0.6.0',
      '0.5.0',
    ]);
    expect(offered.versions.find((v) => v.latest)?.version).toBe('1.0.0');
    expect(offered.versions.filter((v) => v.prerelease).map((v) => v.version)).toEqual([
      '1.1.0-beta.2',
      '1.0.0-rc.1',
    ]);
    expect(offered.versions.at(-1)?.deprecated).toBe('use 0.6.0 or later');
    // The abbreviated document, at the scoped name's escaped path.
    expect(registry.requests.at(-1)).toEqual({
      path: '/@modelcontextprotocol%2Fserver-memory',
      accept: expect.stringContaining('application/vnd.npm.install-v1+json') as unknown,
    });
  });

  it('says clearly when the registry is unreachable, does not answer, or does not know the package', async () => {
    const s = await packaged(a);
    const down = await startNpmRegistryFixture();
    await down.close();
    const unreachable = await failureOf(() =>
      listOfferedVersions({ ...as(a), installationId: s.installationId, npm: { registryUrl: down.url } }),
    );
    expect(unreachable).toMatchObject({ code: 'UNAVAILABLE' });
    expect(unreachable.message).toMatch(/npm registry .* could not be reached/);

    registry.hang(true);
    try {
      const slow = await failureOf(() =>
        listOfferedVersions({
          ...as(a),
          installationId: s.installationId,
          npm: { registryUrl: registry.url, timeoutMs: 200 },
        }),
      );
      expect(slow).toMatchObject({ code: 'UNAVAILABLE' });
      expect(slow.message).toMatch(/did not answer within 200 ms/);
    } finally {
      registry.hang(false);
    }

    const gone = await seedRegistryEntry(env.db.db, a.tenant.id, {
      transport: 'stdio',
      url: null,
      package: '@toolgate-test/no-such-package',
    });
    const installation = await seedInstallation(env.db.db, a.tenant.id, gone.id);
    const unknown = await failureOf(() => listOfferedVersions({ ...as(a), installationId: installation.id }));
    expect(unknown).toMatchObject({ code: 'INVALID' });
    expect(unknown.message).toMatch(/has no package "@toolgate-test\/no-such-package"/);
  });

  it('refuses installations of servers that are not packaged (CONFLICT), for every action', async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id);
    const installation = await seedInstallation(env.db.db, a.tenant.id, entry.id);
    const opts = { ...as(a), installationId: installation.id };
    for (const attempt of [
      () => listOfferedVersions(opts),
      () => pinVersion({ ...opts, input: { version: '1.0.0' } }),
      () => startCanary({ ...opts, input: { version: '1.0.0', percent: 10 } }),
      () => promoteCanary(opts),
      () => rollBackCanary(opts),
    ]) {
      const err = await failureOf(attempt);
      expect(err).toMatchObject({ code: 'CONFLICT', details: { reason: 'not_packaged' } });
    }
  });
});

describe('pinning', () => {
  it('pins an offered version, audited with from and to, and tells the gateways using it', async () => {
    const s = await packaged(a);
    const replica = await recordInvalidations(env.newBus());
    try {
      const pinned = await pinVersion({
        ...as(a),
        installationId: s.installationId,
        input: { version: '1.0.0' },
      });
      expect(pinned).toMatchObject({ id: s.installationId, pinnedVersion: '1.0.0', canary: null });
      await eventually(() =>
        expect(replica.messages).toContainEqual(
          expect.objectContaining({
            kind: 'gateway',
            gatewayId: s.gateway.id,
            reason: 'installation version pinned',
          }),
        ),
      );
    } finally {
      await replica.stop();
    }
    expect(await auditOf(a.tenant.id, s.installationId, 'installation/pin-version')).toEqual([
      { response: { from: '0.6.0', to: '1.0.0' }, principalId: `user:${a.admin.id}` },
    ]);
    // Back down: from is the pinned version now.
    await pinVersion({ ...as(a, 'owner'), installationId: s.installationId, input: { version: '0.10.0' } });
    expect(
      (await auditOf(a.tenant.id, s.installationId, 'installation/pin-version')).map((e) => e.response),
    ).toContainEqual({
      from: '1.0.0',
      to: '0.10.0',
    });
  });

  it('refuses ranges, tags, versions the registry does not offer, and members', async () => {
    const s = await packaged(a);
    const opts = { ...as(a), installationId: s.installationId };
    for (const version of ['^1.0.0', 'latest', 'v1.0.0', '1.0', '']) {
      const err = await failureOf(() => pinVersion({ ...opts, input: { version } }));
      expect(err, version).toMatchObject({ code: 'INVALID' });
    }
    const missing = await failureOf(() => pinVersion({ ...opts, input: { version: '9.9.9' } }));
    expect(missing).toMatchObject({ code: 'INVALID', details: { fields: [{ path: 'version' }] } });
    expect(missing.message).toMatch(/offers no version 9\.9\.9/);
    const member = await failureOf(() =>
      pinVersion({ ...as(a, 'member'), installationId: s.installationId, input: { version: '1.0.0' } }),
    );
    expect(member).toMatchObject({ code: 'FORBIDDEN' });
    const [row] = await env.db.db.select().from(installations).where(eq(installations.id, s.installationId));
    expect(row?.pinnedVersion).toBeNull();
  });
});

describe('canaries', () => {
  it('starts, re-weights, and promotes a canary: the canary becomes the pinned version, audited', async () => {
    const s = await packaged(a);
    const opts = { ...as(a), installationId: s.installationId };
    const started = await startCanary({ ...opts, input: { version: '1.0.0', percent: 10 } });
    expect(started.canary).toMatchObject({ version: '1.0.0', percent: 10 });
    const startedAt = started.canary!.startedAt;

    // The same version again changes the share and keeps the start.
    const reweighted = await startCanary({ ...opts, input: { version: '1.0.0', percent: 30 } });
    expect(reweighted.canary).toEqual({ version: '1.0.0', percent: 30, startedAt });
    // Another version while one runs, and pinning meanwhile, are refused.
    expect(
      await failureOf(() => startCanary({ ...opts, input: { version: '0.10.0', percent: 5 } })),
    ).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'canary_running' },
    });
    expect(await failureOf(() => pinVersion({ ...opts, input: { version: '0.10.0' } }))).toMatchObject({
      code: 'CONFLICT',
    });

    const replica = await recordInvalidations(env.newBus());
    try {
      const promoted = await promoteCanary(opts);
      expect(promoted).toMatchObject({ pinnedVersion: '1.0.0', canary: null });
      await eventually(() =>
        expect(replica.messages).toContainEqual(
          expect.objectContaining({ gatewayId: s.gateway.id, reason: 'installation canary promoted' }),
        ),
      );
    } finally {
      await replica.stop();
    }
    expect(
      (await auditOf(a.tenant.id, s.installationId, 'installation/canary-start')).map((e) => e.response),
    ).toEqual(
      expect.arrayContaining([
        { version: '1.0.0', percent: 10, stable: '0.6.0' },
        { version: '1.0.0', percent: { from: 10, to: 30 }, stable: '0.6.0' },
      ]),
    );
    expect(await auditOf(a.tenant.id, s.installationId, 'installation/canary-promote')).toEqual([
      {
        response: { from: '0.6.0', to: '1.0.0', percent: 30, startedAt },
        principalId: `user:${a.admin.id}`,
      },
    ]);
    // Nothing left to promote.
    expect(await failureOf(() => promoteCanary(opts))).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'no_canary' },
    });
  });

  it('rolls a canary back: the stable version is unchanged, audited', async () => {
    const s = await packaged(a, { pinnedVersion: '0.10.0' });
    const opts = { ...as(a), installationId: s.installationId };
    await startCanary({ ...opts, input: { version: '1.1.0-beta.2', percent: 50 } });
    const rolledBack = await rollBackCanary(opts);
    expect(rolledBack).toMatchObject({ pinnedVersion: '0.10.0', canary: null });
    expect(
      (await auditOf(a.tenant.id, s.installationId, 'installation/canary-rollback'))[0]?.response,
    ).toMatchObject({
      version: '1.1.0-beta.2',
      percent: 50,
      stable: '0.10.0',
    });
    expect(await failureOf(() => rollBackCanary(opts))).toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses a share outside 1–99, the stable version, versions not offered, and members', async () => {
    const s = await packaged(a);
    const opts = { ...as(a), installationId: s.installationId };
    for (const percent of [0, 100, 12.5, -3]) {
      const err = await failureOf(() => startCanary({ ...opts, input: { version: '1.0.0', percent } }));
      expect(err, String(percent)).toMatchObject({
        code: 'INVALID',
        details: { fields: [{ path: 'percent' }] },
      });
    }
    expect(
      await failureOf(() => startCanary({ ...opts, input: { version: '0.6.0', percent: 10 } })),
    ).toMatchObject({
      code: 'CONFLICT',
      details: { fields: [{ path: 'version' }] },
    });
    expect(
      await failureOf(() => startCanary({ ...opts, input: { version: '2.0.0', percent: 10 } })),
    ).toMatchObject({
      code: 'INVALID',
    });
    expect(
      await failureOf(() =>
        startCanary({
          ...as(a, 'member'),
          installationId: s.installationId,
          input: { version: '1.0.0', percent: 10 },
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });

  it("keeps tenants apart: another workspace's installation is not found for any action", async () => {
    const s = await packaged(a);
    await startCanary({
      ...as(a),
      installationId: s.installationId,
      input: { version: '1.0.0', percent: 10 },
    });
    const opts = { ...as(b), installationId: s.installationId };
    for (const attempt of [
      () => listOfferedVersions(opts),
      () => getCanaryReport(opts),
      () => pinVersion({ ...opts, input: { version: '1.0.0' } }),
      () => startCanary({ ...opts, input: { version: '0.10.0', percent: 10 } }),
      () => promoteCanary(opts),
      () => rollBackCanary(opts),
    ])
      expect(await failureOf(attempt)).toMatchObject({ code: 'NOT_FOUND' });
    const [row] = await env.db.db.select().from(installations).where(eq(installations.id, s.installationId));
    expect(row).toMatchObject({ pinnedVersion: null, canaryVersion: '1.0.0', canaryPercent: 10 });
  });
});
