'use client';

import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { CheckIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { verifyEmailAction } from './actions';

const LINK_PROBLEMS = ['invalid', 'expired', 'used'];

/**
 * The link's owner confirms with a button (a POST); only that verifies. `next` is where to go
 * afterwards (the workspace, or sign in).
 */
export function ConfirmEmail({ token, email, next }: { token: string; email: string; next: ReactNode }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const [verified, setVerified] = useState<string>();

  async function confirm() {
    setPending(true);
    setError(undefined);
    try {
      const result = await verifyEmailAction(token);
      if (result.ok) return setVerified(result.email);
      setPending(false);
      setError(result.formError ?? 'We could not verify your email address.');
      // Used in another tab or expired meanwhile: the page says so as it does for any dead link.
      if (LINK_PROBLEMS.includes(result.reason ?? '')) router.refresh();
    } catch {
      setPending(false);
      setError('We could not reach the server. Check your connection and try again.');
    }
  }

  if (verified) {
    return (
      <div role="status" className="flex flex-col items-start">
        <div className="flex size-11 items-center justify-center rounded-full bg-emerald-50 text-emerald-600 ring-1 ring-emerald-600/20">
          <CheckIcon className="size-5.5" />
        </div>
        <h1 className="mt-5 text-2xl font-semibold tracking-tight text-slate-900">
          Your email address is verified
        </h1>
        <p className="mt-2 text-sm text-slate-600">
          Thanks for confirming <strong className="font-medium text-slate-900">{verified}</strong>. You can
          now create API tokens, install servers and invite people.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">{next}</div>
      </div>
    );
  }
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Confirm your email address</h1>
      <p className="mt-2 text-sm text-slate-600">
        Confirm that <strong className="font-medium text-slate-900">{email}</strong> is yours. Then you can
        create API tokens, install servers and invite people.
      </p>
      <div className="mt-8 flex flex-col gap-5">
        {error && <Alert>{error}</Alert>}
        <Button size="lg" pending={pending} className="w-full" onClick={() => void confirm()}>
          {pending ? 'Confirming…' : 'Confirm my email address'}
        </Button>
      </div>
    </>
  );
}
