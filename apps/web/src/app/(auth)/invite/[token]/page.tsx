import { linkProblemMessage } from '@toolgate/api/link-problems';
import { getInvitation } from '@toolgate/api/services/get-invitation';
import type { Metadata } from 'next';
import { ButtonLink } from '~/components/ui/button';
import { getCurrentAccount } from '~/server/auth/session';
import { webContext } from '~/server/context';
import { LinkProblem } from '../../link-problem';
import { AcceptInvitation } from './accept-invitation';
import { InviteSignUpForm } from './invite-sign-up-form';
import { SignOutAndReturn } from './sign-out-and-return';

// The token is in the URL: never hand it to another site in a Referer header.
export const metadata: Metadata = { title: 'Invitation', referrer: 'no-referrer' };

const A_ROLE = { owner: 'an owner', admin: 'an admin', member: 'a member' } as const;

const TITLES = {
  invalid: 'This invitation link does not work',
  expired: 'This invitation has expired',
  used: 'This invitation has already been accepted',
} as const;

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const [lookup, account] = await Promise.all([
    getInvitation({ db: webContext().db.db, token }),
    getCurrentAccount(),
  ]);

  if (!lookup.ok) {
    const message = linkProblemMessage('invitation', lookup.problem);
    return (
      <LinkProblem
        title={TITLES[lookup.problem]}
        message={lookup.tenantName ? `${message} (Workspace: ${lookup.tenantName}.)` : message}
      >
        <ButtonLink href={account ? '/t' : '/signin'}>
          {account ? 'Go to your workspaces' : 'Sign in'}
        </ButtonLink>
      </LinkProblem>
    );
  }

  const invitation = lookup.invitation;
  const signInHref = `/signin?callbackUrl=${encodeURIComponent(`/invite/${token}`)}`;
  const isMember = account?.memberships.some((m) => m.tenantSlug === invitation.tenantSlug);
  const isInvitee = account?.user.email.toLowerCase() === invitation.email.toLowerCase();

  let body;
  if (account && isMember) {
    body = (
      <div className="flex flex-col gap-5">
        <p className="text-sm text-slate-600">You are already a member of this workspace.</p>
        <ButtonLink href={`/t/${invitation.tenantSlug}`} size="lg" className="w-full">
          Open {invitation.tenantName}
        </ButtonLink>
      </div>
    );
  } else if (account && isInvitee) {
    body = <AcceptInvitation token={token} tenantName={invitation.tenantName} />;
  } else if (account) {
    body = (
      <SignOutAndReturn
        message={`This invitation is for ${invitation.email}, but you are signed in as ${account.user.email}. Sign out, then sign in or create an account as ${invitation.email} to accept it.`}
      />
    );
  } else if (invitation.accountExists) {
    body = (
      <div className="flex flex-col gap-5">
        <p className="text-sm text-slate-600">
          Sign in as <strong className="font-medium text-slate-900">{invitation.email}</strong> to accept.
        </p>
        <ButtonLink href={signInHref} size="lg" className="w-full">
          Sign in to accept
        </ButtonLink>
      </div>
    );
  } else {
    body = (
      <InviteSignUpForm
        token={token}
        email={invitation.email}
        tenantName={invitation.tenantName}
        signInHref={signInHref}
      />
    );
  }

  return (
    <>
      <p className="text-sm font-medium text-brand-600">You have been invited</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">
        Join {invitation.tenantName}
      </h1>
      <p className="mt-2 text-sm text-slate-600">
        {invitation.inviterName ?? 'A workspace admin'} invited{' '}
        <strong className="font-medium text-slate-900">{invitation.email}</strong> to join{' '}
        {invitation.tenantName} on Toolgate as {A_ROLE[invitation.role]}.
      </p>
      <div className="mt-8">{body}</div>
    </>
  );
}
