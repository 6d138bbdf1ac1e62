import { createTestDatabase, seedMember, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asAppError } from './app-errors.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
const services = testServices();
let admin: Awaited<ReturnType<typeof callerAs>>;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  const workspace = await signUpWorkspace(db.db, 'Nul', crypto.randomUUID().slice(0, 8));
  const member = await seedMember(db.db, workspace.tenantId, 'admin');
  admin = await callerAs(db.db, services, member.id, workspace.tenantSlug);
});
afterAll(async () => {
  await db?.destroy();
});

/** The refusal a call ends with: UNPROCESSABLE_CONTENT carrying the failing fields. */
async function refused(promise: Promise<unknown>) {
  const err = await trpcError(promise);
  expect(err.code, err.message).toBe('UNPROCESSABLE_CONTENT');
  return asAppError(err.cause)?.details?.fields;
}

describe('input Postgres cannot store', () => {
  it('a NUL in any string is refused naming the field, whichever service the procedure calls', async () => {
    // teams.create reaches a web service that parses with its own schema: refused all the same.
    expect(await refused(admin.teams.create({ name: 'Ops\u0000' }))).toEqual([
      { path: 'name', message: 'must not contain NUL characters' },
    ]);
    expect(
      await refused(admin.gateways.create({ slug: 'nul-gw', name: 'ok', description: 'a\u0000b' })),
    ).toEqual([{ path: 'description', message: 'must not contain NUL characters' }]);
    expect(await refused(admin.usage.logs({ tool: 'x\u0000' }))).toEqual([
      { path: 'tool', message: 'must not contain NUL characters' },
    ]);
  });

  it('refuses unpaired surrogates, NUL in keys and absurd nesting', async () => {
    expect(
      await refused(
        admin.registry.create({
          slug: 'sur',
          name: 'x',
          transport: 'streamable_http',
          description: '\ud800',
        }),
      ),
    ).toEqual([
      { path: 'description', message: 'must be valid Unicode text (it has an unpaired surrogate)' },
    ]);
    const values = { 'A\u0000B': 'x' };
    expect(
      await refused(
        admin.installations.create({ registryEntryId: crypto.randomUUID(), scope: 'org', values }),
      ),
    ).toEqual([{ path: 'values.A\uFFFDB', message: 'name must not contain NUL characters' }]);
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    // The input itself is the first level: the 65th array is refused.
    const fields = await refused(admin.teams.create({ name: deep as string }));
    expect(fields).toEqual([
      { path: `name${'.0'.repeat(63)}`, message: 'must not nest more than 64 levels deep' },
    ]);
  });

  it('accepts ordinary text, emoji and paired surrogates included', async () => {
    const team = await admin.teams.create({ name: 'Ops 🙂 team' });
    expect(team.name).toBe('Ops 🙂 team');
  });
});
