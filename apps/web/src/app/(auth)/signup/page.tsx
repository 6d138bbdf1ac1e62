import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { webEnv } from '~/env';
import { getCurrentAccount } from '~/server/auth/session';
import { SignUpForm } from './sign-up-form';

export const metadata: Metadata = { title: 'Create your workspace' };

export default async function SignUpPage() {
  if (await getCurrentAccount()) redirect('/t');
  const host = new URL(webEnv().PUBLIC_WEB_URL).host;
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Create your workspace</h1>
      <p className="mt-2 text-sm text-slate-600">
        Set up a private MCP registry and your first gateway in a few minutes.
      </p>
      <div className="mt-8">
        <SignUpForm urlPrefix={`${host}/t/`} />
      </div>
    </>
  );
}
