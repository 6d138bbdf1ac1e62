import { findUserByEmail } from '@toolgate/db/tenancy';
import { randomSlug } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signupAllowed, type SignupMode } from '../signup-policy.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createOutboxMailer } from '../testing/outbox-mailer.ts';
import { createInvitation } from './create-invitation.ts';
import { createWorkspace } from './create-workspace.ts';
import { resolveOAuthUser } from './resolve-oauth-user.ts';
import { signUpWithInvitation } from './sign-up-with-invitation.ts';
import { signUp } from './sign-up.ts';

/** TOOLGATE_SIGNUP: open (anyone), invite (accounts only through an invitation), closed (bootstrap only). */
let env: ApiTestEnv;
let a: SeededOrg;

beforeAll(async () => {
  ({ env, a } = await createTwoTenantEnv());
});
afterAll(async () => {
  await env?.close();
});

const newEmail = () => `${randomSlug('person')}@example.test`;
const signUpAs = (signupMode: SignupMode) =>
  signUp(
    env.db.db,
    {
      name: 'Ada',
      email: newEmail(),
      password: 'correct horse battery',
      workspaceName: 'Engines',
      workspaceSlug: randomSlug('ws'),
    },
    { signupMode },
  );
async function invitationToken(email: string) {
  const { link } = await createInvitation({
    ...actingAs(env, a),
    mailer: createOutboxMailer(),
    publicWebUrl: 'http://web.test',
    input: { email, role: 'member' },
  });
  return link.slice('http://web.test/invite/'.length);
}
const sso = (email: string, signupMode: SignupMode) =>
  resolveOAuthUser(env.db.db, { email, name: 'Sso User', emailVerified: true }, { signupMode });

describe('sign-up modes', () => {
  it('open: anyone signs up, creates workspaces and signs in with SSO for the first time', async () => {
    const created = await signUpAs('open');
    await expect(
      createWorkspace(env.db.db, {
        userId: created.userId,
        workspaceName: 'More',
        workspaceSlug: randomSlug('ws'),
      }),
    ).resolves.toMatchObject({ tenantSlug: expect.any(String) as string });
    expect(await sso(newEmail(), 'open')).not.toBeNull();
  });

  it('invite: no sign-up or new workspace from the web, but invited addresses get accounts', async () => {
    expect(await failureOf(() => signUpAs('invite'))).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('by invitation only') as string,
    });
    const existing = await signUpAs('open');
    expect(
      await failureOf(() =>
        createWorkspace(env.db.db, {
          userId: existing.userId,
          signupMode: 'invite',
          workspaceName: 'More',
          workspaceSlug: randomSlug('ws'),
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });

    const invitee = newEmail();
    const joined = await signUpWithInvitation({
      db: env.db.db,
      signupMode: 'invite',
      input: { token: await invitationToken(invitee), name: 'Invited', password: 'correct horse battery' },
    });
    expect(joined.tenantSlug).toBe(a.tenant.slug);

    // SSO: a stranger gets no account; an address with a pending invitation does.
    const stranger = newEmail();
    expect(await sso(stranger, 'invite')).toBeNull();
    expect(await findUserByEmail(env.db.db, stranger)).toBeNull();
    const invitedBySso = newEmail();
    await invitationToken(invitedBySso);
    expect(await sso(invitedBySso, 'invite')).toMatchObject({ email: invitedBySso });
  });

  it('closed: no account from the web at all, not even with an invitation; existing users still sign in', async () => {
    expect(await failureOf(() => signUpAs('closed'))).toMatchObject({ code: 'FORBIDDEN' });
    const invitee = newEmail();
    const token = await invitationToken(invitee);
    expect(
      await failureOf(() =>
        signUpWithInvitation({
          db: env.db.db,
          signupMode: 'closed',
          input: { token, name: 'Invited', password: 'correct horse battery' },
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(await sso(invitee, 'closed')).toBeNull();
    expect(await sso(a.owner.email, 'closed')).toMatchObject({ id: a.owner.id });
    expect(signupAllowed('closed', 'invitation')).toBe(false);
  });
});
