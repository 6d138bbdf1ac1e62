import { getErrorShape, type TRPCError } from '@trpc/server';
import { createBus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { createTestDatabase, seedGateway, seedMember, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appRouter } from './root.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
const bus = createBus({});
const services = testServices({ bus, secretKeys: parseKeyRing(generateKeySpec('k1')) });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
});

const callerFor = (userId: string, tenantSlug: string) => callerAs(db.db, services, userId, tenantSlug);

const errorData = (err: TRPCError) =>
  getErrorShape({
    config: appRouter._def._config,
    error: err,
    type: 'mutation',
    path: 'test',
    input: undefined,
    ctx: undefined,
  }).data as { fields: Record<string, string> | null };

async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const memberA = await seedMember(db.db, a.tenantId, 'member');
  return {
    a,
    b,
    owner: await callerFor(a.userId, a.tenantSlug),
    member: await callerFor(memberA.id, a.tenantSlug),
    ownerB: await callerFor(b.userId, b.tenantSlug),
  };
}

describe('guardrails through tRPC', () => {
  it('list, get, create, update and remove, members reading only, the secret answered once', async () => {
    const { owner, member, ownerB } = await world();
    const created = await owner.guardrails.create({
      name: 'Checked outside',
      detectors: ['secret'],
      action: 'block',
      external: { url: 'https://guardrail.invalid/check' },
    });
    expect(created).toMatchObject({ gatewayIds: null, enabled: true, direction: 'both' });
    expect(created.signingSecret).toMatch(/^tgs_/);
    const { signingSecret: _secret, ...view } = created;
    const plain = await owner.guardrails.create({ name: 'a plain one', detectors: ['email'], action: 'log' });
    expect(plain.signingSecret).toBeUndefined();
    expect(await member.guardrails.list()).toEqual([plain, view]);
    expect(await member.guardrails.get({ id: created.id })).toEqual(view);

    const refused = await trpcError(member.guardrails.update({ id: created.id, patch: { enabled: false } }));
    expect(refused.code).toBe('FORBIDDEN');
    const rotated = await owner.guardrails.update({ id: created.id, patch: { rotateSecret: true } });
    expect(rotated.signingSecret).toMatch(/^tgs_/);
    expect(rotated.signingSecret).not.toBe(created.signingSecret);
    const updated = await owner.guardrails.update({ id: created.id, patch: { enabled: false } });
    expect(updated).toMatchObject({ enabled: false });
    expect(updated.signingSecret).toBeUndefined();

    expect((await trpcError(ownerB.guardrails.get({ id: created.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(ownerB.guardrails.remove({ id: created.id }))).code).toBe('NOT_FOUND');
    expect(await ownerB.guardrails.list()).toEqual([]);
    await owner.guardrails.remove({ id: created.id });
    await owner.guardrails.remove({ id: plain.id });
    expect(await owner.guardrails.list()).toEqual([]);
  });

  it('gives a form its field messages: a pattern, a refused URL, a taken name, another workspace’s gateway', async () => {
    const { b, owner } = await world();
    const pattern = await trpcError(
      owner.guardrails.create({
        name: 'bad pattern',
        action: 'block',
        patterns: [{ name: 'p', pattern: '(?<=x)y' }],
      }),
    );
    // Forms get one message per top-level field (REST's error.fields names patterns.0.pattern).
    expect(errorData(pattern).fields).toEqual({ patterns: expect.stringMatching(/^Lookarounds/) as unknown });

    const ssrf = await trpcError(
      owner.guardrails.create({
        name: 'private',
        action: 'block',
        external: { url: 'https://192.168.1.10/check' },
      }),
    );
    expect(ssrf.code).toBe('UNPROCESSABLE_CONTENT');
    expect(errorData(ssrf).fields).toEqual({ external: 'Must not point to a private or loopback address' });

    const first = await owner.guardrails.create({ name: 'Taken', detectors: ['card'], action: 'redact' });
    const taken = await trpcError(
      owner.guardrails.create({ name: 'taken', detectors: ['card'], action: 'redact' }),
    );
    expect(taken.code).toBe('CONFLICT');
    expect(errorData(taken).fields).toEqual({ name: '"taken" is taken by another guardrail' });

    const theirGateway = await seedGateway(db.db, b.tenantId);
    const foreign = await trpcError(
      owner.guardrails.update({ id: first.id, patch: { gatewayIds: [theirGateway.id] } }),
    );
    expect(foreign.code).toBe('NOT_FOUND');
    expect(errorData(foreign).fields).toEqual({ gatewayIds: `Gateway ${theirGateway.id} not found` });
    await owner.guardrails.remove({ id: first.id });
  });
});
