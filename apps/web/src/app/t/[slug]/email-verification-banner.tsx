import type { Account } from '@toolgate/api/schemas/members';
import { EnvelopeIcon } from '~/components/icons';
import { webContext } from '~/server/context';
import { ResendVerificationButton } from './resend-verification-button';

/**
 * Over every workspace page until the signed-in user has verified their address: why some
 * actions are refused, and a button for a new link. Nothing once verified.
 */
export function EmailVerificationBanner({ user }: { user: Account['user'] }) {
  if (user.emailVerified) return null;
  const delivers = webContext().mailer.delivers;
  return (
    <section
      aria-label="Email verification"
      className="mb-6 flex flex-col gap-3 rounded-xl bg-amber-50 px-4 py-3.5 text-sm text-amber-900 ring-1 ring-amber-600/20 ring-inset sm:flex-row sm:items-start"
    >
      <EnvelopeIcon className="mt-0.5 size-5 shrink-0 text-amber-600" />
      <div className="flex-1">
        <p className="font-medium">Verify your email address</p>
        <p className="mt-1 text-amber-800">
          {delivers ? (
            <>
              We sent a link to <strong className="font-medium">{user.email}</strong>.
            </>
          ) : (
            <>
              This server sends no email (SMTP is not configured): the link for{' '}
              <strong className="font-medium">{user.email}</strong> is in the web server&apos;s log.
            </>
          )}{' '}
          Until you open it and confirm, you can look around, but not create API tokens, install servers or
          invite people.
        </p>
        <ResendVerificationButton />
      </div>
    </section>
  );
}
