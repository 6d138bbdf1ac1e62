import { hashPassword, verifyPassword } from '@toolgate/core/password';
import { passwordResetTokens, users } from '@toolgate/db/schema';
import { randomSlug, seedUser } from '@toolgate/db/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashLinkToken } from '../link-token.ts';
import { createApiTestEnv, failureOf, type ApiTestEnv } from '../testing/api-test-env.ts';
import { createOutboxMailer, type OutboxMailer } from '../testing/outbox-mailer.ts';
import { checkPasswordResetToken } from './check-password-reset-token.ts';
import { requestPasswordReset } from './request-password-reset.ts';
import { resetPassword } from './reset-password.ts';

let env: ApiTestEnv;
let outbox: OutboxMailer;
const OLD_PASSWORD = 'the old password';
const NEW_PASSWORD = 'a brand new password';
const WEB = 'https://toolgate.example.test/';

beforeAll(async () => {
  env = await createApiTestEnv();
  outbox = createOutboxMailer();
});
afterAll(async () => {
  await env?.close();
});

async function userWithPassword() {
  const email = `${randomSlug('reset')}@example.test`;
  const user = await seedUser(env.db.db, { email, passwordHash: await hashPassword(OLD_PASSWORD) });
  return user;
}

const request = (email: string) =>
  requestPasswordReset({ db: env.db.db, mailer: outbox, publicWebUrl: WEB, input: { email } });

/** The token in the last reset link mailed to this address. */
function mailedToken(email: string): string {
  const message = outbox.last(email, 'password-reset');
  if (!message) throw new Error(`no reset link was sent to ${email}`);
  const url = new URL(message.link);
  return url.searchParams.get('token')!;
}

async function storedHash(userId: string) {
  const [row] = await env.db.db.select().from(users).where(eq(users.id, userId));
  return row!.passwordHash!;
}

/** Web sessions signed in before this are refused. */
async function sessionsValidAfter(userId: string) {
  const [row] = await env.db.db.select().from(users).where(eq(users.id, userId));
  return row!.sessionsValidAfter;
}

async function databaseNow(): Promise<Date> {
  const { rows } = await env.db.pool.query<{ now: Date }>('select now()');
  return rows[0]!.now;
}

async function resetRows(userId: string) {
  return env.db.db.select().from(passwordResetTokens).where(eq(passwordResetTokens.userId, userId));
}

describe('password reset', () => {
  it('mails a single-use link valid for an hour; the new password replaces the old one', async () => {
    const user = await userWithPassword();
    // Any case and surrounding blanks find the account.
    await request(`  ${user.email.toUpperCase()} `);

    const message = outbox.last(user.email, 'password-reset')!;
    expect(message.to).toBe(user.email);
    expect(message.link).toMatch(
      /^https:\/\/toolgate\.example\.test\/reset-password\?token=[A-Za-z0-9_-]{43}$/,
    );
    expect(message.text).toContain(message.link);
    expect(message.html).toContain(message.link);
    const token = mailedToken(user.email);

    // Only the SHA-256 is stored, expiring an hour after it was issued.
    const [row] = await resetRows(user.id);
    expect(row!.tokenHash).toBe(hashLinkToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(60 * 60 * 1000);

    expect(await checkPasswordResetToken({ db: env.db.db, token })).toEqual({ ok: true, email: user.email });
    expect(await sessionsValidAfter(user.id)).toBeNull();
    const before = await databaseNow();
    expect(await resetPassword({ db: env.db.db, input: { token, password: NEW_PASSWORD } })).toEqual({
      userId: user.id,
      email: user.email,
    });
    const hash = await storedHash(user.id);
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, NEW_PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, OLD_PASSWORD)).toBe(false);
    // Every session signed in until now is signed out.
    const cutoff = await sessionsValidAfter(user.id);
    expect(cutoff!.getTime()).toBeGreaterThanOrEqual(before.getTime());

    // Once only.
    const again = await failureOf(() =>
      resetPassword({ db: env.db.db, input: { token, password: 'yet another password' } }),
    );
    expect(again).toMatchObject({ code: 'CONFLICT', details: { reason: 'used' } });
    expect(await checkPasswordResetToken({ db: env.db.db, token })).toEqual({ ok: false, problem: 'used' });
    expect(await verifyPassword(await storedHash(user.id), NEW_PASSWORD)).toBe(true);
    expect(await sessionsValidAfter(user.id)).toEqual(cutoff);
  });

  it('answers an unknown address exactly as a known one, and sends nothing', async () => {
    const known = await userWithPassword();
    const unknown = `${randomSlug('nobody')}@example.test`;
    const sentBefore = outbox.messages.length;
    const answers = await Promise.all([request(known.email), request(unknown)]);
    expect(answers).toEqual([undefined, undefined]);
    expect(outbox.messages.slice(sentBefore).map((m) => m.to)).toEqual([known.email]);
    const { rows } = await env.db.pool.query(
      `select 1 from password_reset_tokens t join users u on u.id = t.user_id where lower(u.email) = $1`,
      [unknown],
    );
    expect(rows).toHaveLength(0);
  });

  it('refuses a malformed address with a field message', async () => {
    const err = await failureOf(() => request('not an address'));
    expect(err).toMatchObject({ code: 'INVALID', details: { fields: [{ path: 'email' }] } });
  });

  it('refuses an expired link and keeps the password', async () => {
    const user = await userWithPassword();
    await request(user.email);
    const token = mailedToken(user.email);
    await env.db.db
      .update(passwordResetTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(passwordResetTokens.userId, user.id));

    expect(await checkPasswordResetToken({ db: env.db.db, token })).toEqual({
      ok: false,
      problem: 'expired',
    });
    const err = await failureOf(() =>
      resetPassword({ db: env.db.db, input: { token, password: NEW_PASSWORD } }),
    );
    expect(err).toMatchObject({ code: 'INVALID', details: { reason: 'expired' } });
    expect(err.message).toMatch(/expired/);
    expect(await verifyPassword(await storedHash(user.id), OLD_PASSWORD)).toBe(true);
    expect(await sessionsValidAfter(user.id)).toBeNull();
  });

  it('refuses unknown and malformed links alike', async () => {
    for (const token of ['', 'short', 'A'.repeat(43), `${'x'.repeat(42)}!`, 'x'.repeat(150)]) {
      expect(await checkPasswordResetToken({ db: env.db.db, token })).toEqual({
        ok: false,
        problem: 'invalid',
      });
      const err = await failureOf(() =>
        resetPassword({ db: env.db.db, input: { token, password: NEW_PASSWORD } }),
      );
      expect(err).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'invalid' } });
    }
  });

  it('validates the new password before spending the link', async () => {
    const user = await userWithPassword();
    await request(user.email);
    const token = mailedToken(user.email);
    const err = await failureOf(() => resetPassword({ db: env.db.db, input: { token, password: 'short' } }));
    expect(err).toMatchObject({
      code: 'INVALID',
      details: { fields: [{ path: 'password', message: 'Use at least 8 characters' }] },
    });
    expect(await checkPasswordResetToken({ db: env.db.db, token })).toMatchObject({ ok: true });
  });

  it('sends at most one link a minute per address; a reset spends every other live link', async () => {
    const user = await userWithPassword();
    const count = () => outbox.messages.filter((m) => m.to === user.email).length;
    await request(user.email);
    const first = mailedToken(user.email);
    await request(user.email);
    await request(user.email);
    expect(count()).toBe(1);
    expect(await resetRows(user.id)).toHaveLength(1);

    // A minute later another link may be sent; both work until one is used.
    await env.db.db
      .update(passwordResetTokens)
      .set({ createdAt: sql`now() - interval '61 seconds'` })
      .where(eq(passwordResetTokens.userId, user.id));
    await request(user.email);
    expect(count()).toBe(2);
    const second = mailedToken(user.email);
    expect(second).not.toBe(first);
    expect(await checkPasswordResetToken({ db: env.db.db, token: first })).toMatchObject({ ok: true });

    await resetPassword({ db: env.db.db, input: { token: second, password: NEW_PASSWORD } });
    expect(await checkPasswordResetToken({ db: env.db.db, token: first })).toEqual({
      ok: false,
      problem: 'used',
    });
    const err = await failureOf(() =>
      resetPassword({ db: env.db.db, input: { token: first, password: 'someone else entirely' } }),
    );
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect(await verifyPassword(await storedHash(user.id), NEW_PASSWORD)).toBe(true);
  });

  it('lets one of two simultaneous uses of a link win', async () => {
    const user = await userWithPassword();
    await request(user.email);
    const token = mailedToken(user.email);
    const results = await Promise.allSettled([
      resetPassword({ db: env.db.db, input: { token, password: 'first password here' } }),
      resetPassword({ db: env.db.db, input: { token, password: 'second password here' } }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'CONFLICT', details: { reason: 'used' } },
    });
  });

  it('lets an account without a password (identity provider only) set one, and marks the address verified', async () => {
    const user = await seedUser(env.db.db, { email: `${randomSlug('idp')}@example.test` });
    await request(user.email);
    await resetPassword({ db: env.db.db, input: { token: mailedToken(user.email), password: NEW_PASSWORD } });
    const [row] = await env.db.db.select().from(users).where(eq(users.id, user.id));
    expect(await verifyPassword(row!.passwordHash!, NEW_PASSWORD)).toBe(true);
    expect(row!.emailVerifiedAt).toBeInstanceOf(Date);
  });
});
