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
  const host = new URL(webEnv().PUBLIC_WEB_URL).host;
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
