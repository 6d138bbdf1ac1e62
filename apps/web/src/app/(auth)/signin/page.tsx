import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { oauthProviders } from '~/server/auth/options';
import { getCurrentAccount, safeReturnPath } from '~/server/auth/session';
import { webEnv } from '~/env';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };

/** next-auth's `?error=` codes, in words. */
const ERRORS: Record<string, string> = {
  CredentialsSignin: 'Incorrect email or password.',
  AccessDenied:
    'Your identity provider did not confirm that email address, so we could not sign you in with it.',
  SessionRequired: 'Sign in to continue.',
};
const GENERIC_ERROR = 'We could not complete the sign-in. Please try again.';

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const callbackUrl = safeReturnPath(params.callbackUrl);
  if (await getCurrentAccount()) redirect(callbackUrl);
  const error = typeof params.error === 'string' ? (ERRORS[params.error] ?? GENERIC_ERROR) : undefined;
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Sign in to Toolgate</h1>
      <p className="mt-2 text-sm text-slate-600">Welcome back. Manage your servers, gateways and teams.</p>
      <div className="mt-8">
        <SignInForm
          callbackUrl={callbackUrl}
          providers={oauthProviders()}
          initialError={error}
          signupOpen={webEnv().TOOLGATE_SIGNUP === 'open'}
          notice={
            params.passwordReset
              ? 'Your password has been changed. Sign in with your new password.'
              : params.signedOut
                ? 'You have been signed out.'
                : undefined
          }
        />
      </div>
    </>
  );
}
