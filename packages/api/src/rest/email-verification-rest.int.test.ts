import { memberships } from '@toolgate/db/schema';
import { seedApiToken, seedRegistryEntry, seedTenant, seedUser } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZVerificationEmailSent } from '../schemas/accounts.ts';
import { ZCreatedApiToken } from '../schemas/tokens.ts';
import { verifyEmail } from '../services/verify-email.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { createOutboxMailer, type OutboxMailer } from '../testing/outbox-mailer.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

let env: ApiTestEnv;
let call: RestCall;
let outbox: OutboxMailer;
let a: SeededOrg;
let b: SeededOrg;
const WEB = 'https://web.example.test';

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  outbox = createOutboxMailer();
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    publicWebUrl: WEB,
    mailer: outbox,
  });
});
afterAll(async () => {
  await env?.close();
});

/** The owner of a workspace of their own whose address is not verified, with an admin-capable user token. */
async function unverifiedOwner() {
  const tenant = await seedTenant(env.db.db);
  const user = await seedUser(env.db.db, { emailVerifiedAt: null });
  await env.db.db.insert(memberships).values({ tenantId: tenant.id, userId: user.id, role: 'owner' });
  const { token } = await seedApiToken(env.db.db, tenant.id, {
    scope: 'user',
    userId: user.id,
    capabilities: ['mcp', 'admin'],
  });
  return { tenant, user, token };
}

describe('POST /account/verification-email', () => {
  it("mails the token's user a new link, at most once a minute", async () => {
    const owner = await unverifiedOwner();
    const sent = ok(
      await call('POST', '/account/verification-email', { token: owner.token }),
      200,
      ZVerificationEmailSent,
    );
    expect(sent).toEqual({ email: owner.user.email, emailed: true });
    expect(outbox.last(owner.user.email, 'email-verification')!.link).toMatch(
      /^https:\/\/web\.example\.test\/verify-email\//,
    );

    const again = await call('POST', '/account/verification-email', { token: owner.token });
    const limited = failed(again, 429, 'RATE_LIMITED');
    expect(limited.message).toBe('A verification email was just sent. Wait a minute before asking again');
    expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect(again.headers.get('retry-after')).toBe(String(limited.details?.retryAfterSeconds));
  });

  it('answers 409 for a verified address and 422 for a token that acts for no user', async () => {
    const before = outbox.messages.length;
    const verified = failed(
      await call('POST', '/account/verification-email', { token: a.memberToken }),
      409,
      'CONFLICT',
    );
    expect(verified.message).toBe('Your email address is already verified');
    failed(await call('POST', '/account/verification-email', { token: a.adminToken }), 422, 'INVALID');
    // Another tenant's user token answers about its own user and mails no one.
    failed(await call('POST', '/account/verification-email', { token: b.memberToken }), 409, 'CONFLICT');
    expect(outbox.messages.length).toBe(before);
  });
});

describe('an unverified user through the REST API', () => {
  it('is refused tokens, installations and invitations with 403 and the reason, until verified', async () => {
    const owner = await unverifiedOwner();
    const entry = await seedRegistryEntry(env.db.db, owner.tenant.id);
    const tokenBody = { name: 'ci', scope: 'user', capabilities: ['mcp'] };
    const refusals = [
      ['/tokens', tokenBody, 'creating API tokens'],
      ['/installations', { registryEntryId: entry.id, scope: 'personal', values: {} }, 'installing servers'],
      ['/invitations', { email: 'someone@example.test', role: 'member' }, 'inviting people'],
    ] as const;
    for (const [path, body, action] of refusals) {
      const error = failed(await call('POST', path, { token: owner.token, body }), 403, 'FORBIDDEN');
      expect(error.message).toMatch(new RegExp(`^Verify your email address before ${action}: `));
      expect(error.details).toEqual({ reason: 'email-unverified' });
    }

    await call('POST', '/account/verification-email', { token: owner.token });
    const link = outbox.last(owner.user.email, 'email-verification')!.link;
    await verifyEmail({ db: env.db.db, token: link.slice(`${WEB}/verify-email/`.length) });
    ok(await call('POST', '/tokens', { token: owner.token, body: tokenBody }), 201, ZCreatedApiToken);
  });
});
