import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@toolgate/core/logger';
import { emailVerificationTokens, users } from '@toolgate/db/schema';
import { randomSlug } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import { emailVerificationRequired, type EmailVerificationMode } from '../email-verification-policy.ts';
import { createMailer } from '../mail/create-mailer.ts';
import type { Mailer } from '../mail/mailer.ts';
import { createApiTestEnv, failureOf, type ApiTestEnv } from '../testing/api-test-env.ts';
import { createOutboxMailer, type OutboxMailer } from '../testing/outbox-mailer.ts';
import { createApiToken } from './create-api-token.ts';
import { signUp } from './sign-up.ts';
import { verifyEmail } from './verify-email.ts';

/**
 * TOOLGATE_EMAIL_VERIFICATION at sign-up: `auto` (required when mail is delivered, off otherwise),
 * `required` (always; without SMTP the link is logged), `off` (created verified, nothing sent).
 * The outbox mailer stands in for SMTP; the mailer the web app builds without SMTP_URL writes to
 * a directory of this test's own.
 */

let env: ApiTestEnv;
let smtp: OutboxMailer;
let noSmtp: Mailer;
let noSmtpDir: string;
const WEB = 'https://web.example.test';

beforeAll(async () => {
  env = await createApiTestEnv();
  smtp = createOutboxMailer();
  noSmtpDir = await mkdtemp(path.join(tmpdir(), 'tg-verification-modes-'));
  noSmtp = createMailer({ outboxDir: noSmtpDir, log: createLogger({ name: 'test', level: 'silent' }) });
});
afterAll(async () => {
  await env?.close();
  if (noSmtpDir) await rm(noSmtpDir, { recursive: true, force: true });
});

async function signUpWith(mode: EmailVerificationMode, mailer: Mailer) {
  const email = `${randomSlug('new')}@example.test`;
  const slug = randomSlug('ws');
  const result = await signUp(
    env.db.db,
    { name: 'New Person', email, password: 'a long password', workspaceName: slug, workspaceSlug: slug },
    { emailVerification: mode, verificationMail: { mailer, publicWebUrl: WEB } },
  );
  const actor: Actor = { userId: result.userId, role: 'owner' };
  const createToken = () =>
    createApiToken({
      db: env.db.db,
      tenantId: result.tenantId,
      actor,
      input: { name: 'laptop', scope: 'user', capabilities: ['mcp'] },
    });
  return { ...result, email, createToken };
}

const verifiedAt = async (userId: string) =>
  (await env.db.db.select({ at: users.emailVerifiedAt }).from(users).where(eq(users.id, userId)))[0]!.at;

const linksIssued = async (userId: string) =>
  (
    await env.db.db
      .select({ id: emailVerificationTokens.id })
      .from(emailVerificationTokens)
      .where(eq(emailVerificationTokens.userId, userId))
  ).length;

/** Verification links the no-SMTP mailer wrote for this address. */
async function loggedLinks(email: string): Promise<string[]> {
  const files = (await readdir(noSmtpDir)).filter((f) => f.endsWith('.json'));
  const messages = await Promise.all(
    files.map(
      async (f) =>
        JSON.parse(await readFile(path.join(noSmtpDir, f), 'utf8')) as {
          kind: string;
          to: string;
          link: string;
        },
    ),
  );
  return messages.filter((m) => m.to === email && m.kind === 'email-verification').map((m) => m.link);
}

async function expectUnverifiedAndRefused(person: Awaited<ReturnType<typeof signUpWith>>) {
  expect(await verifiedAt(person.userId)).toBeNull();
  expect(await failureOf(person.createToken)).toMatchObject({
    code: 'FORBIDDEN',
    details: { reason: 'email-unverified' },
  });
}

async function expectVerifiedWithoutLink(person: Awaited<ReturnType<typeof signUpWith>>) {
  expect(await verifiedAt(person.userId)).toBeInstanceOf(Date);
  expect(await linksIssued(person.userId)).toBe(0);
  expect((await person.createToken()).token).toMatch(/^tg_/);
}

describe('TOOLGATE_EMAIL_VERIFICATION at sign-up', () => {
  it('auto with SMTP: the account starts unverified and is mailed a link', async () => {
    const person = await signUpWith('auto', smtp);
    await expectUnverifiedAndRefused(person);
    expect(smtp.last(person.email, 'email-verification')?.link).toMatch(`${WEB}/verify-email/`);
  });

  it('auto without SMTP: the account is verified at creation and nothing is sent or logged', async () => {
    const person = await signUpWith('auto', noSmtp);
    await expectVerifiedWithoutLink(person);
    expect(await loggedLinks(person.email)).toEqual([]);
  });

  it('required without SMTP: unverified until the logged link is confirmed', async () => {
    const person = await signUpWith('required', noSmtp);
    await expectUnverifiedAndRefused(person);
    const [link] = await loggedLinks(person.email);
    expect(link).toMatch(`${WEB}/verify-email/`);
    await verifyEmail({ db: env.db.db, token: link!.slice(`${WEB}/verify-email/`.length) });
    expect((await person.createToken()).token).toMatch(/^tg_/);
  });

  it('required with SMTP: the link is mailed', async () => {
    const person = await signUpWith('required', smtp);
    await expectUnverifiedAndRefused(person);
    expect(smtp.last(person.email, 'email-verification')).toBeDefined();
  });

  it('off: verified at creation even with SMTP, no link issued or mailed', async () => {
    const sentBefore = smtp.messages.length;
    const person = await signUpWith('off', smtp);
    await expectVerifiedWithoutLink(person);
    expect(smtp.messages.length).toBe(sentBefore);
  });

  it('decides from the mode and whether mail is delivered', () => {
    expect(emailVerificationRequired('auto', { mailDelivers: true })).toBe(true);
    expect(emailVerificationRequired('auto', { mailDelivers: false })).toBe(false);
    expect(emailVerificationRequired('required', { mailDelivers: false })).toBe(true);
    expect(emailVerificationRequired('off', { mailDelivers: true })).toBe(false);
  });
});
