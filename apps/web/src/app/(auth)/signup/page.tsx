import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { webEnv } from '~/env';
import { getCurrentAccount, safeReturnPath } from '~/server/auth/session';
import { SignUpForm } from './sign-up-form';

export const metadata: Metadata = { title: 'Create your workspace' };

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // Where to go once the account exists (e.g. back to an MCP client's authorization request).
  const returnTo = safeReturnPath((await searchParams).callbackUrl, '') || undefined;
  if (await getCurrentAccount()) redirect(returnTo ?? '/t');
  const env = webEnv();
  if (env.TOOLGATE_SIGNUP !== 'open') {
    return (
      <>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Sign-up is closed</h1>
        <p className="mt-2 text-sm text-slate-600">
          {env.TOOLGATE_SIGNUP === 'invite'
            ? 'Accounts on this server are by invitation only: ask an administrator of your workspace to invite you, then open the link in the email.'
            : 'This server does not take new accounts. Ask its operator for one.'}
        </p>
        <p className="mt-6 text-sm">
          <a href="/signin" className="font-medium text-indigo-600 hover:text-indigo-500">
            Sign in
          </a>
        </p>
      </>
    );
  }
  const host = new URL(env.PUBLIC_WEB_URL).host;
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Create your workspace</h1>
      <p className="mt-2 text-sm text-slate-600">
        Set up a private MCP registry and your first gateway in a few minutes.
      </p>
      <div className="mt-8">
        <SignUpForm urlPrefix={`${host}/t/`} returnTo={returnTo} />
      </div>
    </>
  );
}
