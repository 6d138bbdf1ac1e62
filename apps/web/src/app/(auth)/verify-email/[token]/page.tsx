import { linkProblemMessage } from '@toolgate/api/link-problems';
import { checkEmailVerificationToken } from '@toolgate/api/services/check-email-verification-token';
import type { Metadata } from 'next';
import { ButtonLink } from '~/components/ui/button';
import { getCurrentAccount } from '~/server/auth/session';
import { webContext } from '~/server/context';
import { LinkProblem } from '../../link-problem';
import { ConfirmEmail } from './confirm-email';

// The token is in the URL: never hand it to another site in a Referer header.
export const metadata: Metadata = { title: 'Verify your email address', referrer: 'no-referrer' };

const TITLES = {
  invalid: 'This link does not work',
  expired: 'This link has expired',
  used: 'This link has already been used',
} as const;

/**
 * The emailed link opens this page, which only checks the link: mail scanners open links as the
 * message arrives. The address is verified when its owner presses the confirm button (a POST).
 */
export default async function VerifyEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const check = await checkEmailVerificationToken({ db: webContext().db.db, token });
  const account = await getCurrentAccount();
  const next = account ? (
    <ButtonLink href="/t">Go to your workspace</ButtonLink>
  ) : (
    <ButtonLink href="/signin">Sign in</ButtonLink>
  );

  if (!check.ok) {
    return (
      <LinkProblem
        title={TITLES[check.problem]}
        message={linkProblemMessage('email-verification', check.problem)}
      >
        {next}
      </LinkProblem>
    );
  }
  return <ConfirmEmail token={token} email={check.email} next={next} />;
}
