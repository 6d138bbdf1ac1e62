import { bootstrapTenant } from '@toolgate/db/bootstrap';
import {
  apiTokens,
  emailVerificationTokens,
  installationRequests,
  installations,
  invitations,
  memberships,
  users,
} from '@toolgate/db/schema';
import { randomSlug, seedRegistryEntry, seedUser } from '@toolgate/db/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import { hashLinkToken } from '../link-token.ts';
import type { CreateApiTokenRequest } from '../schemas/tokens.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createOutboxMailer, type OutboxMailer } from '../testing/outbox-mailer.ts';
import { acceptInvitation } from './accept-invitation.ts';
import { checkEmailVerificationToken } from './check-email-verification-token.ts';
import { createApiToken } from './create-api-token.ts';
import { createInstallation } from './create-installation.ts';
import { createInvitation } from './create-invitation.ts';
import { requestInstallation } from './request-installation.ts';
import { resendCounterKey, resendVerificationEmail } from './resend-verification-email.ts';
import { resolveOAuthUser } from './resolve-oauth-user.ts';
import { sendVerificationEmail } from './send-verification-email.ts';
import { signUpWithInvitation } from './sign-up-with-invitation.ts';
import { signUp } from './sign-up.ts';
import { verifyEmail } from './verify-email.ts';

let env: ApiTestEnv;
let outbox: OutboxMailer;
let a: SeededOrg;
let b: SeededOrg;
const WEB = 'https://web.example.test';
const UNVERIFIED = /^Verify your email address before /;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  outbox = createOutboxMailer();
});
afterAll(async () => {
  await env?.close();
});

/** A person who signed up with a password just now: their own workspace, the link in the outbox. */
async function signedUp() {
  const slug = randomSlug('ws');
  const email = `${randomSlug('new')}@example.test`;
  const result = await signUp(
    env.db.db,
    { name: 'New Person', email, password: 'a long password', workspaceName: slug, workspaceSlug: slug },
    { verificationMail: { mailer: outbox, publicWebUrl: WEB } },
  );
  const actor: Actor = { userId: result.userId, role: 'owner' };
  return {
    ...result,
    email,
    actor,
    scope: { db: env.db.db, bus: env.bus, tenantId: result.tenantId, actor },
  };
}

/** The token of the newest verification link mailed to this address. */
function mailedToken(email: string): string {
  const message = outbox.last(email, 'email-verification');
  if (!message) throw new Error(`no verification link was sent to ${email}`);
  return message.link.slice(`${WEB}/verify-email/`.length);
}

const verifiedAt = async (userId: string) =>
  (await env.db.db.select({ at: users.emailVerifiedAt }).from(users).where(eq(users.id, userId)))[0]!.at;

const resend = (userId: string | null) =>
  resendVerificationEmail({ db: env.db.db, bus: env.bus, mailer: outbox, publicWebUrl: WEB, userId });

const tokenInput: CreateApiTokenRequest = { name: 'laptop', scope: 'user', capabilities: ['mcp'] };

describe('verifying an address', () => {
  it('sign-up mails a single-use link valid for a day; following it verifies the address', async () => {
    const person = await signedUp();
    expect(await verifiedAt(person.userId)).toBeNull();
    const message = outbox.last(person.email, 'email-verification')!;
    expect(message.link).toMatch(/^https:\/\/web\.example\.test\/verify-email\/[A-Za-z0-9_-]{43}$/);
    const token = mailedToken(person.email);

    // Only the SHA-256 is stored, with the address it went to, expiring a day after it was issued.
    const [row] = await env.db.db
      .select()
      .from(emailVerificationTokens)
      .where(eq(emailVerificationTokens.userId, person.userId));
    expect(row).toMatchObject({ tokenHash: hashLinkToken(token), email: person.email, usedAt: null });
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(24 * 60 * 60 * 1000);

    expect(await verifyEmail({ db: env.db.db, token })).toEqual({ email: person.email });
    expect(await verifiedAt(person.userId)).toBeInstanceOf(Date);

    const again = await failureOf(() => verifyEmail({ db: env.db.db, token }));
    expect(again).toMatchObject({ code: 'CONFLICT', details: { reason: 'used' } });
    expect(again.message).toContain('your email address is verified');
  });

  it('spends every other live link of the user, and refuses unknown, malformed and expired links', async () => {
    const person = await signedUp();
    const first = mailedToken(person.email);
    await resend(person.userId);
    const second = mailedToken(person.email);
    expect(second).not.toBe(first);
    await verifyEmail({ db: env.db.db, token: second });
    expect(await failureOf(() => verifyEmail({ db: env.db.db, token: first }))).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'used' },
    });

    for (const token of ['nope', 'A'.repeat(43), undefined]) {
      expect(await failureOf(() => verifyEmail({ db: env.db.db, token }))).toMatchObject({
        code: 'NOT_FOUND',
        details: { reason: 'invalid' },
      });
    }

    const late = await signedUp();
    await env.db.db
      .update(emailVerificationTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(emailVerificationTokens.userId, late.userId));
    const expired = await failureOf(() => verifyEmail({ db: env.db.db, token: mailedToken(late.email) }));
    expect(expired).toMatchObject({ code: 'INVALID', details: { reason: 'expired' } });
    expect(expired.message).toBe('This verification link has expired. Sign in and send a new one.');
    expect(await verifiedAt(late.userId)).toBeNull();
  });

  it('opening a link only checks it (mail scanners open links): nothing is verified or spent', async () => {
    const person = await signedUp();
    const token = mailedToken(person.email);
    const check = (t: unknown = token) => checkEmailVerificationToken({ db: env.db.db, token: t });
    expect(await check()).toEqual({ ok: true, email: person.email });
    expect(await check()).toEqual({ ok: true, email: person.email });
    expect(await verifiedAt(person.userId)).toBeNull();
    await verifyEmail({ db: env.db.db, token });
    expect(await check()).toEqual({ ok: false, problem: 'used' });
    for (const unknown of ['nope', 'A'.repeat(43), null]) {
      expect(await check(unknown)).toEqual({ ok: false, problem: 'invalid' });
    }

    const late = await signedUp();
    await env.db.db
      .update(emailVerificationTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(emailVerificationTokens.userId, late.userId));
    expect(await check(mailedToken(late.email))).toEqual({ ok: false, problem: 'expired' });

    const moved = await signedUp();
    await env.db.db
      .update(users)
      .set({ email: `${randomSlug('moved')}@example.test` })
      .where(eq(users.id, moved.userId));
    expect(await check(mailedToken(moved.email))).toEqual({ ok: false, problem: 'invalid' });
  });

  it("verifies only the link's own user, and only the address the link went to", async () => {
    const [one, two] = await Promise.all([signedUp(), signedUp()]);
    await verifyEmail({ db: env.db.db, token: mailedToken(one.email) });
    expect(await verifiedAt(one.userId)).toBeInstanceOf(Date);
    expect(await verifiedAt(two.userId)).toBeNull();

    // The account's address changed after the link was sent: the link verifies nothing.
    const changed = `${randomSlug('changed')}@example.test`;
    await env.db.db.update(users).set({ email: changed }).where(eq(users.id, two.userId));
    expect(
      await failureOf(() => verifyEmail({ db: env.db.db, token: mailedToken(two.email) })),
    ).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'invalid' } });
    expect(await verifiedAt(two.userId)).toBeNull();
  });
});

describe('until the address is verified', () => {
  it('refuses creating API tokens, installing, asking for installations and inviting; nothing is written', async () => {
    const person = await signedUp();
    const entry = await seedRegistryEntry(env.db.db, person.tenantId);
    const attempts = {
      'creating API tokens': () => createApiToken({ ...person.scope, input: tokenInput }),
      'installing servers': () =>
        createInstallation({
          ...person.scope,
          allowPrivate: true,
          input: { registryEntryId: entry.id, scope: 'personal', values: {} },
        }),
      'asking for server installations': () =>
        requestInstallation({ ...person.scope, input: { registryEntryId: entry.id, scope: 'org' } }),
      'inviting people': () =>
        createInvitation({
          ...person.scope,
          mailer: outbox,
          publicWebUrl: WEB,
          input: { email: `${randomSlug('x')}@example.test`, role: 'member' },
        }),
    };
    for (const [action, attempt] of Object.entries(attempts)) {
      const err = await failureOf(attempt);
      expect(err, action).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'email-unverified' } });
      expect(err.message).toMatch(UNVERIFIED);
      expect(err.message).toContain(`before ${action}:`);
    }
    const tenant = person.tenantId;
    expect(await env.db.db.$count(apiTokens, eq(apiTokens.tenantId, tenant))).toBe(0);
    expect(await env.db.db.$count(installations, eq(installations.tenantId, tenant))).toBe(0);
    expect(await env.db.db.$count(installationRequests, eq(installationRequests.tenantId, tenant))).toBe(0);
    expect(await env.db.db.$count(invitations, eq(invitations.tenantId, tenant))).toBe(0);

    // Verified: the same request goes through.
    await verifyEmail({ db: env.db.db, token: mailedToken(person.email) });
    const created = await createApiToken({ ...person.scope, input: tokenInput });
    expect(created.token).toMatch(/^tg_/);
  });

  it('leaves API tokens that act for no user alone, and verified users of other workspaces too', async () => {
    const person = await signedUp();
    const orgToken: Actor = { userId: null, role: 'admin', tokenId: crypto.randomUUID() };
    const made = await createApiToken({
      ...person.scope,
      actor: orgToken,
      input: { name: 'ci', scope: 'org', capabilities: ['mcp'] },
    });
    expect(made.scope).toBe('org');
    // Another tenant's admin is not held back by someone else's unverified address.
    expect((await createApiToken({ ...actingAs(env, b, 'admin'), input: tokenInput })).token).toMatch(/^tg_/);
  });

  it("is not lifted by acting in another workspace: the address is the person's, not the workspace's", async () => {
    const person = await signedUp();
    // An unverified person made a member of workspace A (by a test factory, not an invitation).
    await env.db.db
      .insert(memberships)
      .values({ tenantId: a.tenant.id, userId: person.userId, role: 'admin' });
    const err = await failureOf(() =>
      createApiToken({
        ...actingAs(env, a),
        actor: { userId: person.userId, role: 'admin' },
        input: tokenInput,
      }),
    );
    expect(err).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'email-unverified' } });
  });
});

describe('resending the link', () => {
  it('sends at most one a minute, and says how long to wait', async () => {
    const person = await signedUp();
    const sent = await resend(person.userId);
    expect(sent).toEqual({ email: person.email, emailed: true });
    const before = outbox.messages.length;
    const limited = await failureOf(() => resend(person.userId));
    expect(limited).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.message).toBe('A verification email was just sent. Wait a minute before asking again');
    const wait = limited.details!.retryAfterSeconds as number;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(outbox.messages.length).toBe(before);
  });

  it('sends at most five a day', async () => {
    const person = await signedUp();
    const day = 24 * 60 * 60;
    // Five sent earlier today (each in a minute of its own).
    await env.bus.quotas.increment(resendCounterKey(person.userId, day), 5, day);
    const limited = await failureOf(() => resend(person.userId));
    expect(limited).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.message).toBe('You have asked for 5 verification emails today. Try again tomorrow');
    expect(limited.details!.retryAfterSeconds as number).toBeLessThanOrEqual(day);
  });

  it('refuses a verified address without counting, and a caller that acts for no user', async () => {
    const person = await signedUp();
    await verifyEmail({ db: env.db.db, token: mailedToken(person.email) });
    const done = await failureOf(() => resend(person.userId));
    expect(done).toMatchObject({ code: 'CONFLICT', message: 'Your email address is already verified' });
    expect(await env.bus.quotas.current(resendCounterKey(person.userId, 60), 60)).toBe(0);
    expect(await failureOf(() => resend(null))).toMatchObject({ code: 'INVALID' });
    expect(
      await failureOf(() =>
        sendVerificationEmail({ db: env.db.db, mailer: outbox, publicWebUrl: WEB, userId: person.userId }),
      ),
    ).toMatchObject({ code: 'CONFLICT' });
  });

  it('answers emailed: false when the relay refuses; the link can be sent again later', async () => {
    const person = await signedUp();
    outbox.failing = true;
    try {
      expect(await resend(person.userId)).toEqual({ email: person.email, emailed: false });
    } finally {
      outbox.failing = false;
    }
  });
});

describe('addresses proven another way', () => {
  it('accepting an emailed invitation verifies the address', async () => {
    const person = await signedUp();
    const invited = await createInvitation({
      ...actingAs(env, a, 'admin'),
      mailer: outbox,
      publicWebUrl: WEB,
      input: { email: person.email, role: 'member' },
    });
    await acceptInvitation({
      db: env.db.db,
      userId: person.userId,
      token: invited.link.slice(`${WEB}/invite/`.length),
    });
    expect(await verifiedAt(person.userId)).toBeInstanceOf(Date);
    // And in their own workspace too: the address is what was proven.
    expect((await createApiToken({ ...person.scope, input: tokenInput })).token).toMatch(/^tg_/);
  });

  it('an account made from an invitation link is verified', async () => {
    const email = `${randomSlug('invitee')}@example.test`;
    const invited = await createInvitation({
      ...actingAs(env, a, 'admin'),
      mailer: outbox,
      publicWebUrl: WEB,
      input: { email, role: 'member' },
    });
    const { userId } = await signUpWithInvitation({
      db: env.db.db,
      input: {
        token: invited.link.slice(`${WEB}/invite/`.length),
        name: 'Invitee',
        password: 'a long password',
      },
    });
    expect(await verifiedAt(userId)).toBeInstanceOf(Date);
  });

  it('single sign-on with an address the provider verified verifies the account', async () => {
    const person = await signedUp();
    const user = await resolveOAuthUser(env.db.db, { email: person.email, name: null, emailVerified: true });
    expect(user!.id).toBe(person.userId);
    expect(await verifiedAt(person.userId)).toBeInstanceOf(Date);
  });

  it('toolgate bootstrap makes a verified owner, new or existing', async () => {
    const email = `${randomSlug('boot')}@example.test`;
    const made = await bootstrapTenant(env.db.db, {
      slug: randomSlug('boot'),
      email,
      password: 'a long password',
    });
    expect(await verifiedAt(made.userId)).toBeInstanceOf(Date);

    const existing = await seedUser(env.db.db, { emailVerifiedAt: null });
    const again = await bootstrapTenant(env.db.db, {
      slug: randomSlug('boot'),
      email: existing.email,
      password: 'a long password',
    });
    expect(again.userId).toBe(existing.id);
    expect(await verifiedAt(existing.id)).toBeInstanceOf(Date);
  });
});
