import { isAppError } from '@toolgate/core/errors';
import { hashApiToken } from '@toolgate/core/api-token';
import { verifyPassword } from '@toolgate/core/password';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bootstrapTenant } from './bootstrap-tenant.ts';
import { createDb } from './client.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { runMigrations } from './migrate.ts';
import { apiTokens, memberships, tenants, users } from './schema/index.ts';
import { createEmptyDatabase, createTestDatabase, randomSlug } from './testing/index.ts';

const CORE_TABLES = [
  'tenants',
  'users',
  'memberships',
  'teams',
  'team_members',
  'invitations',
  'registry_entries',
  'installations',
  'tools',
  'gateways',
  'gateway_teams',
  'gateway_tool_assignments',
  'api_tokens',
  'secrets',
  'audit_events',
  'usage_rollups',
];

async function tableNames(url: string): Promise<string[]> {
  const handle = createDb({ url, max: 1 });
  try {
    const { rows } = await handle.pool.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public'`,
    );
    return rows.map((r) => r.table_name);
  } finally {
    await handle.close();
  }
}

async function migrateTwice(url: string): Promise<void> {
  const handle = createDb({ url, max: 2 });
  try {
    await runMigrations(handle.pool);
    // Concurrent second run (another replica starting) must be a no-op, not an error.
    await Promise.all([runMigrations(handle.pool), runMigrations(handle.pool)]);
  } finally {
    await handle.close();
  }
}

describe('migrations', () => {
  const pgUrl = inject('postgresUrl');

  it.skipIf(!pgUrl)('apply to an empty Postgres database, idempotently', async () => {
    const empty = await createEmptyDatabase(pgUrl);
    try {
      expect(await tableNames(empty.url)).toEqual([]);
      await migrateTwice(empty.url);
      expect(await tableNames(empty.url)).toEqual(expect.arrayContaining(CORE_TABLES));
    } finally {
      await empty.destroy();
    }
  });

  it('apply to the embedded database, and data survives a restart', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(tmpdir(), 'tg-embedded-'));
    try {
      let embedded = await startEmbeddedPostgres({ dataDir: dir });
      expect(embedded.owned).toBe(true);
      // A second opener attaches to the running server instead of opening the files twice.
      const attached = await startEmbeddedPostgres({ dataDir: dir });
      expect(attached.owned).toBe(false);
      expect(attached.url).toBe(embedded.url);

      await migrateTwice(embedded.url);
      expect(await tableNames(embedded.url)).toEqual(expect.arrayContaining(CORE_TABLES));
      const handle = createDb({ url: embedded.url, max: 2 });
      const slug = randomSlug();
      await handle.db.insert(tenants).values({ slug, name: 'Persisted' });
      await handle.close();
      await embedded.stop();

      embedded = await startEmbeddedPostgres({ dataDir: dir });
      const again = createDb({ url: embedded.url, max: 1 });
      const rows = await again.db.select().from(tenants).where(eq(tenants.slug, slug));
      expect(rows.map((r) => r.name)).toEqual(['Persisted']);
      await again.close();
      await embedded.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bootstrapTenant', () => {
  const dbPromise = createTestDatabase(inject('postgresUrl'));
  afterAll(async () => (await dbPromise).destroy());

  it('creates the tenant, an owner with an argon2id password, and a hashed org admin token', async () => {
    const { db } = await dbPromise;
    const slug = randomSlug('acme');
    const result = await bootstrapTenant(db, {
      slug,
      email: `Owner-${slug}@Example.test`,
      password: 'correct horse',
    });

    expect(result.adminToken).toMatch(/^tg_[0-9A-Za-z]{46}$/);
    const [token] = await db.select().from(apiTokens).where(eq(apiTokens.tenantId, result.tenantId));
    expect(token).toMatchObject({
      scope: 'org',
      capabilities: ['mcp', 'admin'],
      tokenHash: hashApiToken(result.adminToken),
    });
    expect(JSON.stringify(token)).not.toContain(result.adminToken);

    const [user] = await db.select().from(users).where(eq(users.id, result.userId));
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user!.passwordHash!, 'correct horse')).toBe(true);
    expect(await verifyPassword(user!.passwordHash!, 'wrong')).toBe(false);
    const [membership] = await db.select().from(memberships).where(eq(memberships.tenantId, result.tenantId));
    expect(membership!.role).toBe('owner');
  });

  it('refuses a taken slug with CONFLICT and an invalid slug with INVALID', async () => {
    const { db } = await dbPromise;
    const slug = randomSlug('dup');
    await bootstrapTenant(db, { slug, email: `a-${slug}@example.test`, password: 'password-1' });
    const conflict = await bootstrapTenant(db, {
      slug,
      email: `b-${slug}@example.test`,
      password: 'password-2',
    }).catch((e: unknown) => e);
    expect(isAppError(conflict) && conflict.code).toBe('CONFLICT');
    const invalid = await bootstrapTenant(db, {
      slug: 'Bad Slug!',
      email: 'x@example.test',
      password: 'password-3',
    }).catch((e: unknown) => e);
    expect(isAppError(invalid) && invalid.code).toBe('INVALID');
    expect((invalid as Error).message).toMatch(/^slug:/);
  });

  it('reuses an existing user (same email, any case) as owner of a second tenant', async () => {
    const { db } = await dbPromise;
    const email = `${randomSlug('multi')}@example.test`;
    const first = await bootstrapTenant(db, { slug: randomSlug('one'), email, password: 'password-1' });
    const second = await bootstrapTenant(db, {
      slug: randomSlug('two'),
      email: email.toUpperCase(),
      password: 'ignored-pw',
    });
    expect(second.userId).toBe(first.userId);
    expect(second.tenantId).not.toBe(first.tenantId);
  });
});
