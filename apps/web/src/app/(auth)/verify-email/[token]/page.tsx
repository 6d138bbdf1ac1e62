import { linkProblemMessage } from '@toolgate/api/link-problems';
import { ZLinkProblem } from '@toolgate/api/schemas/accounts';
import { verifyEmail } from '@toolgate/api/services/verify-email';
import { asAppError } from '@toolgate/api/trpc/app-errors';
import type { Metadata } from 'next';
import { CheckIcon } from '~/components/icons';
import { ButtonLink } from '~/components/ui/button';
import { getCurrentAccount } from '~/server/auth/session';
import { webContext } from '~/server/context';
import { LinkProblem } from '../../link-problem';

// The token is in the URL: never hand it to another site in a Referer header.
export const metadata: Metadata = { title: 'Verify your email address', referrer: 'no-referrer' };

const TITLES = {
  invalid: 'This link does not work',
  expired: 'This link has expired',
  used: 'This link has already been used',
} as const;

/** Following the emailed link verifies the address: this page does it and says so. */
export default async function VerifyEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const outcome = await verifyEmail({ db: webContext().db.db, token }).then(
    ({ email }) => ({ ok: true as const, email }),
    (err: unknown) => {
      const problem = ZLinkProblem.safeParse(asAppError(err)?.details?.reason);
      if (!problem.success) throw err;
      return { ok: false as const, problem: problem.data };
    },
  );
  const account = await getCurrentAccount();
  const next = account ? (
    <ButtonLink href="/t">Go to your workspace</ButtonLink>
  ) : (
    <ButtonLink href="/signin">Sign in</ButtonLink>
  );

  if (!outcome.ok) {
    return (
      <LinkProblem
        title={TITLES[outcome.problem]}
        message={linkProblemMessage('email-verification', outcome.problem)}
      >
        {next}
      </LinkProblem>
    );
  }
  return (
    <div role="status" className="flex flex-col items-start">
      <div className="flex size-11 items-center justify-center rounded-full bg-emerald-50 text-emerald-600 ring-1 ring-emerald-600/20">
        <CheckIcon className="size-5.5" />
      </div>
      <h1 className="mt-5 text-2xl font-semibold tracking-tight text-slate-900">
        Your email address is verified
      </h1>
      <p className="mt-2 text-sm text-slate-600">
        Thanks for confirming <strong className="font-medium text-slate-900">{outcome.email}</strong>. You can
        now create API tokens, install servers and invite people.
      </p>
      <div className="mt-8 flex flex-wrap gap-3">{next}</div>
    </div>
  );
}
