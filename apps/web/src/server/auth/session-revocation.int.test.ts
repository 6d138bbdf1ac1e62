import { authenticateUser, type AuthenticatedUser } from '@toolgate/api/services/authenticate-user';
import { getSessionAccount } from '@toolgate/api/services/get-account';
import { requestPasswordReset } from '@toolgate/api/services/request-password-reset';
import { resetPassword } from '@toolgate/api/services/reset-password';
import { createOutboxMailer } from '@toolgate/api/testing/outbox-mailer';
import {
  callerWithSession,
  signUpWorkspace,
  testServices,
  trpcError,
} from '@toolgate/api/trpc/testing/trpc-test-env';
import type { WebSession } from '@toolgate/api/web-session';
import { isAppError } from '@toolgate/core/errors';
import { createTestDatabase, type TestDatabase } from '@toolgate/db/testing';
import type { Session } from 'next-auth';
import { decode, encode } from 'next-auth/jwt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sessionFromToken, sessionJwt, webSession } from './web-session.ts';

/**
 * Web sessions are next-auth JWT cookies, which cannot be revoked one by one: a password reset
 * instead refuses every session signed in before it, including one an attacker stole.
 */

let db: TestDatabase;
const outbox = createOutboxMailer();
const services = testServices({ mailer: outbox });
const SECRET = 'session-revocation-test-secret';
const PASSWORD = 'password-123-abc';
const NEW_PASSWORD = 'my new secret 42';

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await services.bus.close();
  await db?.destroy();
});

/** The cookie next-auth sets when the credentials provider accepts `user`. */
async function signIn(user: AuthenticatedUser): Promise<string> {
  const token = sessionJwt({ token: { sub: user.id, name: user.name, email: user.email }, user });
  return encode({ token, secret: SECRET, maxAge: 3600 });
}

/** What getServerSession makes of the cookie: decode, `jwt` callback, `session` callback. */
async function sessionOf(cookie: string): Promise<WebSession | null> {
  const token = sessionJwt({ token: (await decode({ token: cookie, secret: SECRET }))! });
  return webSession(sessionFromToken({ session: { user: {}, expires: '' } as Session, token }));
}

/** next-auth re-encodes the cookie when it serves the session, stamping a new `iat`. */
async function refreshed(cookie: string): Promise<string> {
  const token = sessionJwt({ token: (await decode({ token: cookie, secret: SECRET }))! });
  return encode({ token, secret: SECRET, maxAge: 3600 });
}

async function resetPasswordByMail(email: string): Promise<void> {
  await requestPasswordReset({
    db: db.db,
    mailer: outbox,
    publicWebUrl: 'http://web.test',
    input: { email },
  });
  const link = new URL(outbox.last(email, 'password-reset')!.link);
  await resetPassword({
    db: db.db,
    input: { token: link.searchParams.get('token')!, password: NEW_PASSWORD },
  });
}

/** Whether the session gets through to its account and its workspace, as tRPC and pages see it. */
async function expectSignedIn(session: WebSession | null, tenantSlug: string) {
  const caller = await callerWithSession(db.db, services, session, tenantSlug);
  expect((await caller.me.get()).user.id).toBe(session!.userId);
  expect(await caller.members.list()).not.toHaveLength(0);
  expect((await getSessionAccount(db.db, session!)).user.id).toBe(session!.userId);
}

async function expectSignedOut(session: WebSession | null, tenantSlug: string) {
  const caller = await callerWithSession(db.db, services, session, tenantSlug);
  expect((await trpcError(caller.me.get())).code).toBe('UNAUTHORIZED');
  expect((await trpcError(caller.members.list())).code).toBe('UNAUTHORIZED');
  const err = await getSessionAccount(db.db, session!).catch((e: unknown) => e);
  expect(isAppError(err) && err.code).toBe('UNAUTHORIZED');
}

describe('session revocation on password reset', () => {
  it('signs out sessions from before the reset, however refreshed; a new sign-in works', async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const [a, b] = await Promise.all([
      signUpWorkspace(db.db, 'A', suffix, PASSWORD),
      signUpWorkspace(db.db, 'B', suffix, PASSWORD),
    ]);
    const emailA = `owner-a-${suffix}@example.test`;
    const stolen = await signIn((await authenticateUser(db.db, { email: emailA, password: PASSWORD }))!);
    const other = await signIn(
      (await authenticateUser(db.db, { email: `owner-b-${suffix}@example.test`, password: PASSWORD }))!,
    );
    await expectSignedIn(await sessionOf(stolen), a.tenantSlug);

    const resetAt = Date.now();
    await resetPasswordByMail(emailA);

    await expectSignedOut(await sessionOf(stolen), a.tenantSlug);
    // A refresh after the reset gives the cookie a new `iat` but keeps when it signed in.
    const kept = await refreshed(stolen);
    expect((await decode({ token: kept, secret: SECRET }))!.iat).toBeGreaterThanOrEqual(
      Math.floor(resetAt / 1000),
    );
    await expectSignedOut(await sessionOf(kept), a.tenantSlug);
    // Someone else's session is untouched.
    await expectSignedIn(await sessionOf(other), b.tenantSlug);

    expect(await authenticateUser(db.db, { email: emailA, password: PASSWORD })).toBeNull();
    const fresh = await signIn((await authenticateUser(db.db, { email: emailA, password: NEW_PASSWORD }))!);
    await expectSignedIn(await sessionOf(fresh), a.tenantSlug);
  });

  it('honours a cookie from before sessions recorded their sign-in only until a reset', async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = await signUpWorkspace(db.db, 'A', suffix, PASSWORD);
    const legacy: WebSession = { userId: a.userId, signedInAt: null };
    await expectSignedIn(legacy, a.tenantSlug);

    await resetPasswordByMail(`owner-a-${suffix}@example.test`);

    await expectSignedOut(legacy, a.tenantSlug);
    await expectSignedIn({ userId: a.userId, signedInAt: Date.now() }, a.tenantSlug);
  });
});
