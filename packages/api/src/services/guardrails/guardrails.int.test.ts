import { snapshotKey } from '@toolgate/bus';
import { openString } from '@toolgate/core/crypto';
import { guardrailSecretAad } from '@toolgate/core/dlp';
import { loadGatewaySnapshot } from '@toolgate/db/gateway-snapshot';
import { guardrailGateways, guardrails, tenants } from '@toolgate/db/schema';
import { seedGateway } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GUARDRAILS, type CreateGuardrailRequest } from '../../schemas/guardrails.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  recordInvalidations,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { deleteGateway } from '../delete-gateway.ts';
import { createGuardrail } from './create-guardrail.ts';
import { deleteGuardrail } from './delete-guardrail.ts';
import { getGuardrail } from './get-guardrail.ts';
import { listGuardrails } from './list-guardrails.ts';
import { updateGuardrail } from './update-guardrail.ts';

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

const NO_CARDS = {
  name: 'No cards',
  detectors: ['card', 'iban'],
  action: 'block',
} satisfies CreateGuardrailRequest;

/** An https endpoint on a host that does not resolve here: accepted, checked again at call time. */
const ENDPOINT = 'https://guardrail.invalid/check';

const storedRow = async (id: string) => {
  const [row] = await env.db.db.select().from(guardrails).where(eq(guardrails.id, id));
  return row;
};

const fieldsOf = (err: { details?: Record<string, unknown> }) =>
  err.details?.fields as { path: string; message: string }[] | undefined;

describe('guardrails', () => {
  it('creates, reads, updates and deletes a guardrail, with defaults, ordered by name', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const created = await createGuardrail({ ...opts(a), input: NO_CARDS });
    expect(created).toEqual({
      id: created.id,
      name: 'No cards',
      description: '',
      gatewayIds: null,
      direction: 'both',
      detectors: ['card', 'iban'],
      patterns: [],
      action: 'block',
      enabled: true,
      external: null,
      createdBy: a.admin.id,
      createdAt: created.createdAt,
      updatedAt: created.updatedAt,
    });
    expect(await getGuardrail({ ...opts(a, 'member'), guardrailId: created.id })).toEqual(created);

    const second = await createGuardrail({
      ...opts(a, 'owner'),
      input: {
        name: 'a first by name',
        description: 'Project codes stay inside',
        gatewayIds: [gateway.id, gateway.id.toUpperCase()],
        direction: 'results',
        detectors: ['email', 'email', 'secret'],
        patterns: [{ name: 'project', pattern: 'PRJ-\\d{4}' }],
        action: 'redact',
      },
    });
    expect(second).toMatchObject({
      gatewayIds: [gateway.id],
      detectors: ['email', 'secret'],
      patterns: [{ name: 'project', pattern: 'PRJ-\\d{4}' }],
    });
    expect('signingSecret' in second).toBe(false);
    // Members read them, ordered by name whatever its case.
    const listed = await listGuardrails(opts(a, 'member'));
    expect(listed.map((g) => g.id)).toEqual([second.id, created.id]);
    expect(listed[0]).toEqual(second);

    const updated = await updateGuardrail({
      ...opts(a),
      guardrailId: created.id,
      input: { enabled: false, gatewayIds: [gateway.id], direction: 'arguments', description: 'off' },
    });
    expect(updated).toMatchObject({
      name: 'No cards',
      enabled: false,
      gatewayIds: [gateway.id],
      direction: 'arguments',
      description: 'off',
      detectors: ['card', 'iban'],
    });
    expect(await getGuardrail({ ...opts(a), guardrailId: created.id })).toEqual(updated);
    const wide = await updateGuardrail({ ...opts(a), guardrailId: created.id, input: { gatewayIds: null } });
    expect(wide.gatewayIds).toBeNull();
    expect(
      await env.db.db.select().from(guardrailGateways).where(eq(guardrailGateways.guardrailId, created.id)),
    ).toEqual([]);

    await deleteGuardrail({ ...opts(a), guardrailId: created.id });
    expect((await failureOf(() => getGuardrail({ ...opts(a), guardrailId: created.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await listGuardrails(opts(a))).map((g) => g.id)).toEqual([second.id]);
    await deleteGuardrail({ ...opts(a), guardrailId: second.id });
  });

  it('lets members read but not write', async () => {
    const guardrail = await createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: 'members read' } });
    expect((await listGuardrails(opts(a, 'member'))).map((g) => g.id)).toContain(guardrail.id);
    for (const attempt of [
      () => createGuardrail({ ...opts(a, 'member'), input: { ...NO_CARDS, name: 'by a member' } }),
      () => updateGuardrail({ ...opts(a, 'member'), guardrailId: guardrail.id, input: { enabled: false } }),
      () => deleteGuardrail({ ...opts(a, 'member'), guardrailId: guardrail.id }),
    ]) {
      const refused = await failureOf(attempt);
      expect(refused.code).toBe('FORBIDDEN');
      expect(refused.message).toMatch(/^Only owners and admins may (create|change|delete) guardrails$/);
    }
    expect(await getGuardrail({ ...opts(a), guardrailId: guardrail.id })).toEqual(guardrail);
    await deleteGuardrail({ ...opts(a, 'owner'), guardrailId: guardrail.id });
  });

  it("neither shows nor touches another workspace's guardrails, nor takes its gateways", async () => {
    const theirs = await createGuardrail({ ...opts(b), input: { ...NO_CARDS, name: 'theirs' } });
    expect((await listGuardrails(opts(a))).map((g) => g.id)).not.toContain(theirs.id);
    for (const attempt of [
      () => getGuardrail({ ...opts(a), guardrailId: theirs.id }),
      () => updateGuardrail({ ...opts(a), guardrailId: theirs.id, input: { enabled: false } }),
      () => updateGuardrail({ ...opts(a), guardrailId: theirs.id, input: { rotateSecret: true } }),
      () => deleteGuardrail({ ...opts(a), guardrailId: theirs.id }),
    ])
      expect((await failureOf(attempt)).code).toBe('NOT_FOUND');
    expect(await getGuardrail({ ...opts(b), guardrailId: theirs.id })).toEqual(theirs);

    const theirGateway = await seedGateway(env.db.db, b.tenant.id);
    const mine = await seedGateway(env.db.db, a.tenant.id);
    const onCreate = await failureOf(() =>
      createGuardrail({
        ...opts(a),
        input: { ...NO_CARDS, name: 'their gateway', gatewayIds: [mine.id, theirGateway.id] },
      }),
    );
    expect(onCreate.code).toBe('NOT_FOUND');
    expect(fieldsOf(onCreate)).toEqual([
      { path: 'gatewayIds', message: `gateway ${theirGateway.id} not found` },
    ]);
    expect((await listGuardrails(opts(a))).map((g) => g.name)).not.toContain('their gateway');
    const guardrail = await createGuardrail({
      ...opts(a),
      input: { ...NO_CARDS, name: 'my gateway', gatewayIds: [mine.id] },
    });
    const onUpdate = await failureOf(() =>
      updateGuardrail({ ...opts(a), guardrailId: guardrail.id, input: { gatewayIds: [theirGateway.id] } }),
    );
    expect(onUpdate.code).toBe('NOT_FOUND');
    expect((await getGuardrail({ ...opts(a), guardrailId: guardrail.id })).gatewayIds).toEqual([mine.id]);
    await deleteGuardrail({ ...opts(a), guardrailId: guardrail.id });
    await deleteGuardrail({ ...opts(b), guardrailId: theirs.id });
  });

  it('refuses a second guardrail with the same name, whatever its case, within a workspace', async () => {
    const first = await createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: 'Unique name' } });
    const again = await failureOf(() =>
      createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: 'unique NAME' } }),
    );
    expect(again.code).toBe('CONFLICT');
    expect(fieldsOf(again)).toEqual([
      { path: 'name', message: '"unique NAME" is taken by another guardrail' },
    ]);
    const other = await createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: 'Other name' } });
    const onUpdate = await failureOf(() =>
      updateGuardrail({ ...opts(a), guardrailId: other.id, input: { name: 'UNIQUE name' } }),
    );
    expect(onUpdate.code).toBe('CONFLICT');
    expect(fieldsOf(onUpdate)?.map((f) => f.path)).toEqual(['name']);
    // Another workspace may use it.
    const inB = await createGuardrail({ ...opts(b), input: { ...NO_CARDS, name: 'Unique name' } });
    for (const [org, id] of [
      [a, first.id],
      [a, other.id],
      [b, inB.id],
    ] as const)
      await deleteGuardrail({ ...opts(org), guardrailId: id });
  });

  it('refuses a pattern RE2 cannot run on its field, and one that looks for nothing', async () => {
    const bad = await failureOf(() =>
      createGuardrail({
        ...opts(a),
        input: {
          ...NO_CARDS,
          name: 'bad pattern',
          patterns: [
            { name: 'fine', pattern: 'ACME-[0-9]+' },
            { name: 'lookahead', pattern: 'foo(?=bar)' },
          ],
        },
      }),
    );
    expect(bad.code).toBe('INVALID');
    expect(fieldsOf(bad)?.map((f) => f.path)).toEqual(['patterns.1.pattern']);
    expect(fieldsOf(bad)?.[0]?.message).toMatch(/^Lookarounds/);

    const nothing = await failureOf(() =>
      createGuardrail({ ...opts(a), input: { name: 'looks for nothing', action: 'log' } }),
    );
    expect(nothing.code).toBe('INVALID');
    expect(fieldsOf(nothing)?.map((f) => f.path)).toEqual(['detectors']);

    const guardrail = await createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: 'kept as it was' } });
    const onUpdate = await failureOf(() =>
      updateGuardrail({
        ...opts(a),
        guardrailId: guardrail.id,
        input: { patterns: [{ name: 'empty', pattern: 'x*' }] },
      }),
    );
    expect(fieldsOf(onUpdate)?.map((f) => f.path)).toEqual(['patterns.0.pattern']);
    // Emptied by a change: the detectors were all it looked for.
    const emptied = await failureOf(() =>
      updateGuardrail({ ...opts(a), guardrailId: guardrail.id, input: { detectors: [] } }),
    );
    expect(emptied.code).toBe('INVALID');
    expect(fieldsOf(emptied)?.map((f) => f.path)).toEqual(['detectors']);
    // `custom` without a pattern looks for nothing either.
    const customOnly = await failureOf(() =>
      updateGuardrail({ ...opts(a), guardrailId: guardrail.id, input: { detectors: ['custom'] } }),
    );
    expect(fieldsOf(customOnly)?.map((f) => f.path)).toEqual(['detectors']);
    expect(await getGuardrail({ ...opts(a), guardrailId: guardrail.id })).toEqual(guardrail);
    await deleteGuardrail({ ...opts(a), guardrailId: guardrail.id });
    expect(await env.db.db.select().from(guardrails).where(eq(guardrails.name, 'bad pattern'))).toEqual([]);
  });

  it('applies nowhere, not everywhere, once every gateway it named is deleted', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const guardrail = await createGuardrail({
      ...opts(a),
      input: { ...NO_CARDS, name: 'one gateway', gatewayIds: [gateway.id] },
    });
    await deleteGateway({ ...opts(a), gatewayId: gateway.id });
    expect((await getGuardrail({ ...opts(a), guardrailId: guardrail.id })).gatewayIds).toEqual([]);
    await deleteGuardrail({ ...opts(a), guardrailId: guardrail.id });
  });

  it(`refuses more than ${MAX_GUARDRAILS} guardrails in a workspace`, async () => {
    const org = b;
    const rows = await env.db.db
      .insert(guardrails)
      .values(
        Array.from({ length: MAX_GUARDRAILS }, (_, i) => ({
          tenantId: org.tenant.id,
          name: `bulk ${i}`,
          direction: 'both' as const,
          detectors: ['email' as const],
          action: 'log' as const,
        })),
      )
      .returning({ id: guardrails.id });
    try {
      const over = await failureOf(() =>
        createGuardrail({ ...opts(org), input: { ...NO_CARDS, name: 'one more' } }),
      );
      expect(over.code).toBe('CONFLICT');
      expect(over.message).toBe(`A workspace may have at most ${MAX_GUARDRAILS} guardrails`);
    } finally {
      await env.db.db.delete(guardrails).where(eq(guardrails.tenantId, org.tenant.id));
    }
    expect(rows).toHaveLength(MAX_GUARDRAILS);
  });
});

describe('the external endpoint', () => {
  it('refuses private, loopback and plain-http URLs unless private upstreams are allowed (then http only to localhost)', async () => {
    for (const url of [
      'http://guardrail.invalid/check',
      'https://127.0.0.1/check',
      'https://10.1.2.3/check',
      'https://[::1]/check',
      'https://169.254.169.254/latest',
      'https://localhost:8443/check',
    ]) {
      const refused = await failureOf(() =>
        createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: `ssrf ${url}`, external: { url } } }),
      );
      expect(refused.code, url).toBe('INVALID');
      expect(
        fieldsOf(refused)?.map((f) => f.path),
        url,
      ).toEqual(['external.url']);
    }
    expect(
      await env.db.db
        .select()
        .from(guardrails)
        .where(and(eq(guardrails.tenantId, a.tenant.id), like(guardrails.name, 'ssrf %'))),
    ).toEqual([]);

    const dev = { ...opts(a), allowPrivate: true };
    const remoteHttp = await failureOf(() =>
      createGuardrail({
        ...dev,
        input: { ...NO_CARDS, name: 'dev remote http', external: { url: 'http://10.1.2.3/check' } },
      }),
    );
    expect(fieldsOf(remoteHttp)).toEqual([
      { path: 'external.url', message: 'must be an https:// URL (plain http only to localhost)' },
    ]);
    const local = await createGuardrail({
      ...dev,
      input: { ...NO_CARDS, name: 'dev local', external: { url: 'http://127.0.0.1:9999/check' } },
    });
    expect(local.external).toEqual({
      url: 'http://127.0.0.1:9999/check',
      timeoutMs: 2000,
      failMode: 'closed',
    });
    // Saved where the switch is off, a change of URL is held to the strict rule.
    const onUpdate = await failureOf(() =>
      updateGuardrail({
        ...opts(a),
        guardrailId: local.id,
        input: { external: { url: 'http://localhost:9999/other' } },
      }),
    );
    expect(fieldsOf(onUpdate)?.map((f) => f.path)).toEqual(['external.url']);
    await deleteGuardrail({ ...opts(a), guardrailId: local.id });
  });

  it('answers the signing secret once, stores it sealed, keeps it across a URL change, rotates it and clears it', async () => {
    const created = await createGuardrail({
      ...opts(a),
      input: {
        name: 'external check',
        action: 'block',
        external: { url: ENDPOINT, timeoutMs: 500, failMode: 'open' },
      },
    });
    expect(created.external).toEqual({ url: ENDPOINT, timeoutMs: 500, failMode: 'open' });
    const secret = created.signingSecret!;
    expect(secret).toMatch(/^tgs_[A-Za-z0-9_-]{43}$/);

    const row = await storedRow(created.id);
    expect(row!.externalSecretSealed).toBeTruthy();
    expect(JSON.stringify(row)).not.toContain(secret.slice(4));
    expect(openString(env.secretKeys, row!.externalSecretSealed!, guardrailSecretAad(created.id))).toBe(
      secret,
    );
    // Sealed for this guardrail: another id's additional data does not open it.
    expect(() =>
      openString(env.secretKeys, row!.externalSecretSealed!, guardrailSecretAad(a.tenant.id)),
    ).toThrow();

    // Never answered again.
    const read = await getGuardrail({ ...opts(a), guardrailId: created.id });
    expect('signingSecret' in read).toBe(false);
    expect(JSON.stringify(await listGuardrails(opts(a)))).not.toContain(secret);
    const renamed = await updateGuardrail({
      ...opts(a),
      guardrailId: created.id,
      input: { name: 'renamed' },
    });
    expect('signingSecret' in renamed).toBe(false);

    // A new URL keeps the secret.
    const moved = await updateGuardrail({
      ...opts(a),
      guardrailId: created.id,
      input: { external: { url: 'https://other.invalid/v2' } },
    });
    expect('signingSecret' in moved).toBe(false);
    expect(moved.external).toEqual({ url: 'https://other.invalid/v2', timeoutMs: 2000, failMode: 'closed' });
    const movedRow = await storedRow(created.id);
    expect(openString(env.secretKeys, movedRow!.externalSecretSealed!, guardrailSecretAad(created.id))).toBe(
      secret,
    );

    // Rotated: a new one, answered once.
    const rotated = await updateGuardrail({
      ...opts(a),
      guardrailId: created.id,
      input: { rotateSecret: true },
    });
    expect(rotated.signingSecret).toMatch(/^tgs_/);
    expect(rotated.signingSecret).not.toBe(secret);
    const rotatedRow = await storedRow(created.id);
    expect(
      openString(env.secretKeys, rotatedRow!.externalSecretSealed!, guardrailSecretAad(created.id)),
    ).toBe(rotated.signingSecret);

    // Removed: URL and secret both go; nothing left to rotate.
    const cleared = await updateGuardrail({
      ...opts(a),
      guardrailId: created.id,
      input: { external: null, detectors: ['secret'] },
    });
    expect(cleared.external).toBeNull();
    expect('signingSecret' in cleared).toBe(false);
    expect(await storedRow(created.id)).toMatchObject({ externalUrl: null, externalSecretSealed: null });
    const rotateNothing = await failureOf(() =>
      updateGuardrail({ ...opts(a), guardrailId: created.id, input: { rotateSecret: true } }),
    );
    expect(rotateNothing.code).toBe('INVALID');
    expect(fieldsOf(rotateNothing)?.map((f) => f.path)).toEqual(['rotateSecret']);

    // Added back where there was none: a new secret.
    const again = await updateGuardrail({
      ...opts(a),
      guardrailId: created.id,
      input: { external: { url: ENDPOINT } },
    });
    expect(again.signingSecret).toMatch(/^tgs_/);
    expect([secret, rotated.signingSecret]).not.toContain(again.signingSecret);
    await deleteGuardrail({ ...opts(a), guardrailId: created.id });
  });

  it('refuses an endpoint where no secret keys are configured, storing nothing', async () => {
    const refused = await failureOf(() =>
      createGuardrail({
        ...opts(a),
        secretKeys: undefined,
        input: { ...NO_CARDS, name: 'no keys', external: { url: ENDPOINT } },
      }),
    );
    expect(refused.code).toBe('UNAVAILABLE');
    expect(await env.db.db.select().from(guardrails).where(eq(guardrails.name, 'no keys'))).toEqual([]);
  });
});

type GatewayRow = Awaited<ReturnType<typeof seedGateway>>;
/** Shared snapshot copies as a proxy stores them; a change drops those it makes stale. */
const cacheSnapshots = (...gateways: GatewayRow[]) =>
  Promise.all(gateways.map((g) => env.bus.sharedCache.set(snapshotKey(a.tenant.slug, g.slug), '{}', 600)));
const cachedSnapshots = (...gateways: GatewayRow[]) =>
  Promise.all(
    gateways.map(async (g) => (await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, g.slug))) !== null),
  );

/** Workspace A's configuration version: every recorded change raises it. */
async function configVersion(): Promise<number> {
  const [row] = await env.db.db
    .select({ v: tenants.configVersion })
    .from(tenants)
    .where(eq(tenants.id, a.tenant.id));
  return row!.v;
}

describe('guardrail changes reach the proxies', () => {
  it('invalidates the gateways a guardrail applied to and applies to, and every gateway for a workspace-wide one', async () => {
    const [g1, g2, g3] = await Promise.all([
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
    ]);
    const replica = await recordInvalidations(env.newBus());
    try {
      const gatewayMessage = (gatewayId: string, reason: string) => ({
        kind: 'gateway',
        tenantId: a.tenant.id,
        gatewayId,
        reason,
      });
      const guardrail = await createGuardrail({
        ...opts(a),
        input: { ...NO_CARDS, name: 'moves around', gatewayIds: [g1.id] },
      });
      await eventually(() =>
        expect(replica.messages).toContainEqual(gatewayMessage(g1.id, 'guardrail created')),
      );

      // Moved from g1 to g2: both must recompile, g3 need not (its shared snapshot stays).
      await cacheSnapshots(g1, g2, g3);
      replica.messages.length = 0;
      await updateGuardrail({ ...opts(a), guardrailId: guardrail.id, input: { gatewayIds: [g2.id] } });
      expect(await cachedSnapshots(g1, g2, g3)).toEqual([false, false, true]);
      await eventually(() => expect(replica.messages).toHaveLength(1));

      // Disabled, then changed while disabled: the second write is in no snapshot, nothing to send.
      await updateGuardrail({ ...opts(a), guardrailId: guardrail.id, input: { enabled: false } });
      await eventually(() => expect(replica.messages).toHaveLength(2));
      expect(replica.messages[1]).toEqual(gatewayMessage(g2.id, 'guardrail updated'));
      const version = await configVersion();
      await updateGuardrail({ ...opts(a), guardrailId: guardrail.id, input: { gatewayIds: [g3.id] } });
      await deleteGuardrail({ ...opts(a), guardrailId: guardrail.id });
      expect(await configVersion()).toBe(version);
      const off = await createGuardrail({
        ...opts(a),
        input: { ...NO_CARDS, name: 'created off', enabled: false },
      });
      expect(await configVersion()).toBe(version);

      await cacheSnapshots(g1, g2, g3);
      const wide = await createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: 'everywhere' } });
      expect(await cachedSnapshots(g1, g2, g3)).toEqual([false, false, false]);
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: a.tenant.id,
          reason: 'guardrail created',
        }),
      );
      replica.messages.length = 0;
      await deleteGuardrail({ ...opts(a), guardrailId: wide.id });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: a.tenant.id,
          reason: 'guardrail deleted',
        }),
      );
      await deleteGuardrail({ ...opts(a), guardrailId: off.id });
      // Workspace B's gateways were never told.
      expect(replica.messages.filter((m) => m.tenantId === b.tenant.id)).toEqual([]);
    } finally {
      await replica.stop();
    }
  });
});

describe('the gateway snapshot', () => {
  const load = async (gateway: GatewayRow) => {
    const loaded = await loadGatewaySnapshot(env.db.db, a.tenant.slug, gateway.slug);
    if (loaded.kind !== 'found') throw new Error('gateway not found');
    return loaded.snapshot;
  };

  it("carries the gateway's enabled guardrails: workspace-wide ones and those naming it, by name, with the sealed secret", async () => {
    const [mine, other, bare] = await Promise.all([
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
    ]);
    // Guardrails elsewhere (another gateway, disabled, another workspace) change nothing here.
    const bareBefore = await load(bare);
    expect('guardrails' in bareBefore).toBe(false);

    const created = await Promise.all([
      createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: 'snap wide', direction: 'arguments' } }),
      createGuardrail({
        ...opts(a),
        input: {
          name: 'snap mine',
          gatewayIds: [mine.id],
          detectors: ['secret'],
          patterns: [{ name: 'ticket', pattern: 'TCK-\\d+' }],
          action: 'redact',
          external: { url: ENDPOINT, timeoutMs: 750, failMode: 'open' },
        },
      }),
      createGuardrail({ ...opts(a), input: { ...NO_CARDS, name: 'snap other', gatewayIds: [other.id] } }),
      createGuardrail({
        ...opts(a),
        input: { ...NO_CARDS, name: 'snap off', enabled: false, gatewayIds: [mine.id] },
      }),
      createGuardrail({ ...opts(b), input: { ...NO_CARDS, name: 'snap theirs' } }),
    ]);
    const [wide, onMine] = created;
    const sealed = (await storedRow(onMine.id))!.externalSecretSealed!;
    const snapshot = await load(mine);
    expect(snapshot.guardrails).toEqual([
      {
        id: onMine.id,
        name: 'snap mine',
        direction: 'both',
        detectors: ['secret'],
        patterns: [{ name: 'ticket', pattern: 'TCK-\\d+' }],
        action: 'redact',
        external: { url: ENDPOINT, secretSealed: sealed, timeoutMs: 750, failMode: 'open' },
      },
      {
        id: wide.id,
        name: 'snap wide',
        direction: 'arguments',
        detectors: ['card', 'iban'],
        patterns: [],
        action: 'block',
      },
    ]);
    expect(JSON.stringify(snapshot)).not.toContain(onMine.signingSecret!);
    expect((await load(other)).guardrails?.map((g) => g.name)).toEqual(['snap other', 'snap wide']);

    // A write changes what the next compilation serves, and its version.
    await updateGuardrail({ ...opts(a), guardrailId: onMine.id, input: { enabled: false } });
    const after = await load(mine);
    expect(after.guardrails?.map((g) => g.id)).toEqual([wide.id]);
    expect(after.version).not.toBe(snapshot.version);

    for (const [org, g] of [
      [a, created[0]],
      [a, created[1]],
      [a, created[2]],
      [a, created[3]],
      [b, created[4]],
    ] as const)
      await deleteGuardrail({ ...opts(org), guardrailId: g.id });
    // Without guardrails, a gateway compiles to the very snapshot it had before any existed.
    const bareAfter = await load(bare);
    expect('guardrails' in bareAfter).toBe(false);
    expect(bareAfter.version).toBe(bareBefore.version);
    expect(bareAfter).toEqual(bareBefore);
  });

  it('leaves out guardrails that name only other gateways, so such a gateway keeps its version', async () => {
    const [target, untouched] = await Promise.all([
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
    ]);
    const before = await load(untouched);
    const scoped = await createGuardrail({
      ...opts(a),
      input: { ...NO_CARDS, name: 'only the target', gatewayIds: [target.id] },
    });
    expect((await load(target)).guardrails?.map((g) => g.id)).toEqual([scoped.id]);
    const after = await load(untouched);
    expect(after.version).toBe(before.version);
    expect('guardrails' in after).toBe(false);
    await deleteGuardrail({ ...opts(a), guardrailId: scoped.id });
  });
});
