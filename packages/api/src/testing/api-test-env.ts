import { randomBytes } from 'node:crypto';
import { reloadRevocations } from '@toolgate/auth/config-delivery';
import { createBus, type Bus, type InvalidationMessage } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing, type KeyRing } from '@toolgate/core/crypto';
import { memberships } from '@toolgate/db/schema';
import {
  createTestDatabase,
  seedApiToken,
  seedMember,
  seedTenant,
  seedUser,
  type TestDatabase,
} from '@toolgate/db/testing';
import { inject } from 'vitest';
import type { Actor } from '../actor.ts';

/**
 * Real Postgres (or embedded) and real Redis (or the in-process bus) for one test file, with a
 * bus namespace of its own and a fresh secret key ring.
 */
export interface ApiTestEnv {
  db: TestDatabase;
  bus: Bus;
  secretKeySpec: string;
  secretKeys: KeyRing;
  /** Another connection to the same bus namespace (a second replica). */
  newBus(): Bus;
  close(): Promise<void>;
}

/** An ApiTestEnv on the Postgres and Redis of this test run (see tooling/vitest/global-setup.ts). */
export async function createApiTestEnv(): Promise<ApiTestEnv> {
  const redisUrl = inject('redisUrl');
  const db = await createTestDatabase(inject('postgresUrl'));
  const prefix = `tgapi-${randomBytes(4).toString('hex')}`;
  const buses: Bus[] = [];
  const newBus = () => {
    const bus = createBus({ redisUrl: redisUrl || undefined, prefix });
    buses.push(bus);
    return bus;
  };
  const secretKeySpec = generateKeySpec('k1');
  const bus = newBus();
  // As web and worker processes do when they start: the revocation cache holds the durable record.
  await reloadRevocations(db.db, bus);
  return {
    db,
    bus,
    secretKeySpec,
    secretKeys: parseKeyRing(secretKeySpec),
    newBus,
    async close() {
      await Promise.all(buses.map((b) => b.close()));
      await db.destroy();
    },
  };
}

/** A tenant with an owner, an admin and a member, their actors, and REST tokens. */
export async function seedOrg(db: TestDatabase) {
  const tenant = await seedTenant(db.db);
  const owner = await seedUser(db.db);
  await db.db.insert(memberships).values({ tenantId: tenant.id, userId: owner.id, role: 'owner' });
  const admin = await seedMember(db.db, tenant.id, 'admin');
  const member = await seedMember(db.db, tenant.id, 'member');
  const otherMember = await seedMember(db.db, tenant.id, 'member');
  const actors = {
    owner: { userId: owner.id, role: 'owner' },
    admin: { userId: admin.id, role: 'admin' },
    member: { userId: member.id, role: 'member' },
    otherMember: { userId: otherMember.id, role: 'member' },
  } satisfies Record<string, Actor>;
  /** org-scoped, admin capability: what `bootstrap` hands out. */
  const adminToken = (
    await seedApiToken(db.db, tenant.id, { capabilities: ['mcp', 'admin'], createdBy: owner.id })
  ).token;
  /** A member's own token with the admin capability: REST as a member. */
  const memberToken = (
    await seedApiToken(db.db, tenant.id, { scope: 'user', userId: member.id, capabilities: ['admin'] })
  ).token;
  return { tenant, owner, admin, member, otherMember, actors, adminToken, memberToken };
}
export type SeededOrg = Awaited<ReturnType<typeof seedOrg>>;

/**
 * The usual start of a test file: an ApiTestEnv and two tenants — A to act in, B whose objects A
 * must neither see nor touch.
 */
export async function createTwoTenantEnv(): Promise<{ env: ApiTestEnv; a: SeededOrg; b: SeededOrg }> {
  const env = await createApiTestEnv();
  const [a, b] = await Promise.all([seedOrg(env.db), seedOrg(env.db)]);
  return { env, a, b };
}

/**
 * The options every service takes, as `who` of `org`: the database, the bus and the secret keys
 * (services that need neither ignore them). Tests add what else a service takes.
 */
export const actingAs = (env: ApiTestEnv, org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  db: env.db.db,
  bus: env.bus,
  secretKeys: env.secretKeys,
  tenantId: org.tenant.id,
  actor: org.actors[who] as Actor,
});

/**
 * Records the invalidation messages a replica would receive from now on, without the tenant
 * configuration version the outbox stamps on each (config-outbox tests check versions).
 */
export async function recordInvalidations(bus: Bus) {
  const messages: InvalidationMessage[] = [];
  const stop = await bus.invalidations.subscribe(({ version: _version, ...m }) => messages.push(m));
  return { messages, stop };
}

/** Runs `fn` and returns the AppError (or other error) it throws; fails if it does not throw. */
export async function failureOf(
  fn: () => Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}
