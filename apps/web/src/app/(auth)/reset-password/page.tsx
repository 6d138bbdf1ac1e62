import { checkPasswordResetToken } from '@toolgate/api/services/check-password-reset-token';
import { linkProblemMessage } from '@toolgate/api/link-problems';
import type { Metadata } from 'next';
import { ButtonLink } from '~/components/ui/button';
import { webContext } from '~/server/context';
import { LinkProblem } from '../link-problem';
import { ResetPasswordForm } from './reset-password-form';

// The token is in the URL: never hand it to another site in a Referer header.
export const metadata: Metadata = { title: 'Choose a new password', referrer: 'no-referrer' };

const TITLES = {
  invalid: 'This link does not work',
  expired: 'This link has expired',
  used: 'This link has already been used',
} as const;

export default async function ResetPasswordPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { token } = await searchParams;
  const check = await checkPasswordResetToken({ db: webContext().db.db, token });
  if (!check.ok) {
    return (
      <LinkProblem
        title={TITLES[check.problem]}
        message={linkProblemMessage('password-reset', check.problem)}
      >
        <ButtonLink href="/forgot-password">Request a new link</ButtonLink>
        <ButtonLink href="/signin" variant="secondary">
          Back to sign in
        </ButtonLink>
      </LinkProblem>
    );
  }
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Choose a new password</h1>
      <p className="mt-2 text-sm text-slate-600">
        For <strong className="font-medium text-slate-900">{check.email}</strong>. You will sign in with it
        from now on.
      </p>
      <div className="mt-8">
        <ResetPasswordForm token={token as string} email={check.email} />
      </div>
    </>
  );
}
