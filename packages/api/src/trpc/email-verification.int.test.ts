import { createBus } from '@toolgate/bus';
import { createTestDatabase, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp } from '../services/sign-up.ts';
import { verifyEmail } from '../services/verify-email.ts';
import { createOutboxMailer } from '../testing/outbox-mailer.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

/** Email verification through the tRPC layer the UI uses: what the banner reads and its button. */

let db: TestDatabase;
const outbox = createOutboxMailer();
const bus = createBus({});
const services = testServices({ bus, mailer: outbox, publicWebUrl: 'http://web.test' });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
});

async function signedUp() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const email = `new-${suffix}@example.test`;
  const result = await signUp(
    db.db,
    { name: 'New', email, password: 'a long password', workspaceName: 'New', workspaceSlug: `new-${suffix}` },
    { verificationMail: { mailer: outbox, publicWebUrl: 'http://web.test' } },
  );
  return { ...result, email, caller: await callerAs(db.db, services, result.userId, result.tenantSlug) };
}

describe('email verification over tRPC', () => {
  it('me.get says whether the address is verified; tokens.create says why it refuses', async () => {
    const person = await signedUp();
    expect((await person.caller.me.get()).user.emailVerified).toBe(false);
    const refused = await trpcError(person.caller.tokens.create({ name: 'laptop', capabilities: ['mcp'] }));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/^Verify your email address before creating API tokens: /);

    const link = outbox.last(person.email, 'email-verification')!.link;
    await verifyEmail({ db: db.db, token: link.slice('http://web.test/verify-email/'.length) });
    expect((await person.caller.me.get()).user.emailVerified).toBe(true);
    expect((await person.caller.tokens.create({ name: 'laptop', capabilities: ['mcp'] })).token).toMatch(
      /^tg_/,
    );
  });

  it('me.resendVerificationEmail sends one link a minute; signed out or verified it is refused', async () => {
    const person = await signedUp();
    expect(await person.caller.me.resendVerificationEmail()).toEqual({ email: person.email, emailed: true });
    const limited = await trpcError(person.caller.me.resendVerificationEmail());
    expect(limited.code).toBe('TOO_MANY_REQUESTS');
    expect(limited.message).toBe('A verification email was just sent. Wait a minute before asking again');

    expect(
      (await trpcError((await callerAs(db.db, services, null, null)).me.resendVerificationEmail())).code,
    ).toBe('UNAUTHORIZED');
    const verified = await signUpWorkspace(db.db, 'V', crypto.randomUUID().slice(0, 8));
    const caller = await callerAs(db.db, services, verified.userId, null);
    expect((await trpcError(caller.me.resendVerificationEmail())).code).toBe('CONFLICT');
  });
});
