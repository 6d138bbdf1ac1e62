import { isAppError, type AppError } from '@toolgate/core/errors';
import { verifyPassword } from '@toolgate/core/password';
import { findUserByEmail, listUserMemberships } from '@toolgate/db/tenancy';
import { createTestDatabase, randomSlug, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appErrorFields } from '../validation.ts';
import { authenticateUser } from './authenticate-user.ts';
import { createWorkspace } from './create-workspace.ts';
import { EMAIL_TAKEN, SLUG_TAKEN, signUp } from './sign-up.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await db?.destroy();
});

const email = () => `${randomSlug('user')}@example.test`;
const request = (overrides: Partial<Parameters<typeof signUp>[1]> = {}) => ({
  name: 'Ada Lovelace',
  email: email(),
  password: 'correct horse battery',
  workspaceName: 'Analytical Engines',
  workspaceSlug: randomSlug('ws'),
  ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(err)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

async function count(table: string, tenantId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(
    `select count(*)::text as n from ${table} where tenant_id = $1`,
    [tenantId],
  );
  return Number(rows[0]!.n);
}

describe('signUp', () => {
  it('creates the user, the workspace and the owner membership, and no API token', async () => {
    const input = request({ email: `  Ada.${randomSlug('x')}@Example.TEST ` });
    const result = await signUp(db.db, input);

    expect(result.tenantSlug).toBe(input.workspaceSlug);
    const user = await findUserByEmail(db.db, input.email);
    expect(user).toMatchObject({
      id: result.userId,
      name: 'Ada Lovelace',
      email: input.email.trim().toLowerCase(),
    });
    expect(await verifyPassword(user!.passwordHash!, input.password)).toBe(true);
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);

    expect(await listUserMemberships(db.db, result.userId)).toEqual([
      {
        tenantId: result.tenantId,
        tenantSlug: input.workspaceSlug,
        tenantName: 'Analytical Engines',
        role: 'owner',
      },
    ]);
    expect(await count('api_tokens', result.tenantId)).toBe(0);
  });

  it('lets the new user sign in with that password, and not with another', async () => {
    const input = request();
    const { userId } = await signUp(db.db, input);
    expect(
      await authenticateUser(db.db, { email: input.email.toUpperCase(), password: input.password }),
    ).toMatchObject({ id: userId });
    expect(await authenticateUser(db.db, { email: input.email, password: 'wrong password' })).toBeNull();
    expect(await authenticateUser(db.db, { email: email(), password: input.password })).toBeNull();
  });

  it('refuses a taken email (any case) with a field message, creating nothing', async () => {
    const first = request();
    await signUp(db.db, first);
    const second = request({ email: first.email.toUpperCase() });
    const err = await rejection(signUp(db.db, second));
    expect(err.code).toBe('CONFLICT');
    expect(err.details).toEqual({ fields: [{ path: 'email', message: EMAIL_TAKEN }] });
    const { rows } = await db.pool.query('select 1 from tenants where slug = $1', [second.workspaceSlug]);
    expect(rows).toHaveLength(0);
  });

  it('refuses a taken workspace slug with a field message, creating no user', async () => {
    const tenant = await seedTenant(db.db);
    const input = request({ workspaceSlug: tenant.slug });
    const err = await rejection(signUp(db.db, input));
    expect(err.code).toBe('CONFLICT');
    expect(err.details).toEqual({ fields: [{ path: 'workspaceSlug', message: SLUG_TAKEN }] });
    expect(await findUserByEmail(db.db, input.email)).toBeNull();
  });

  it('reports both conflicts at once', async () => {
    const first = request();
    await signUp(db.db, first);
    const err = await rejection(
      signUp(db.db, request({ email: first.email, workspaceSlug: first.workspaceSlug })),
    );
    expect(err.details).toEqual({
      fields: [
        { path: 'email', message: EMAIL_TAKEN },
        { path: 'workspaceSlug', message: SLUG_TAKEN },
      ],
    });
  });

  it('validates every field, the slug with ZTenantSlug', async () => {
    const err = await rejection(
      signUp(db.db, {
        name: ' ',
        email: 'not-an-email',
        password: 'short',
        workspaceName: '',
        workspaceSlug: 'api',
      }),
    );
    expect(err.code).toBe('INVALID');
    expect(err.details).toEqual({
      fields: [
        { path: 'name', message: 'Enter your name' },
        { path: 'email', message: 'Enter a valid email address' },
        { path: 'password', message: 'Use at least 8 characters' },
        { path: 'workspaceName', message: 'Enter a workspace name' },
        { path: 'workspaceSlug', message: 'This URL is reserved, choose another' },
      ],
    });
    // A slug can fail more than one rule; the form shows the first, as a sentence.
    const bad = await rejection(signUp(db.db, request({ workspaceSlug: 'Not A Slug' })));
    expect(appErrorFields(bad)).toEqual({
      workspaceSlug: 'Use lower-case letters, digits and inner hyphens',
    });
  });

  it('keeps the first of two concurrent sign-ups for the same slug', async () => {
    const slug = randomSlug('race');
    const results = await Promise.allSettled([
      signUp(db.db, request({ workspaceSlug: slug })),
      signUp(db.db, request({ workspaceSlug: slug })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((r) => r.status === 'rejected');
    expect(failure?.reason).toMatchObject({
      code: 'CONFLICT',
      details: { fields: [{ path: 'workspaceSlug', message: SLUG_TAKEN }] },
    });
  });
});

describe('createWorkspace', () => {
  it('adds a further workspace owned by an existing user', async () => {
    const { userId } = await signUp(db.db, request());
    const slug = randomSlug('second');
    await createWorkspace(db.db, { userId, workspaceName: 'Second', workspaceSlug: slug });
    const memberships = await listUserMemberships(db.db, userId);
    expect(memberships.map((m) => [m.tenantSlug, m.role])).toContainEqual([slug, 'owner']);
    expect(memberships).toHaveLength(2);

    const err = await rejection(
      createWorkspace(db.db, { userId, workspaceName: 'Again', workspaceSlug: slug }),
    );
    expect(err).toMatchObject({
      code: 'CONFLICT',
      details: { fields: [{ path: 'workspaceSlug', message: SLUG_TAKEN }] },
    });
  });
});
