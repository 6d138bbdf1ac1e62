'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { Button } from '~/components/ui/button';
import { useTRPC } from '~/trpc/react';

/** Asks for a new verification link and says what happened: sent, logged, or why not (too soon). */
export function ResendVerificationButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const resend = useMutation(
    trpc.me.resendVerificationEmail.mutationOptions({
      // Verified meanwhile (in another tab): the banner goes.
      onError: (error) => error.data?.code === 'CONFLICT' && router.refresh(),
    }),
  );
  return (
    <div className="mt-3 flex flex-wrap items-center gap-3">
      <Button variant="secondary" size="sm" pending={resend.isPending} onClick={() => resend.mutate()}>
        Resend verification email
      </Button>
      <p role="status" aria-live="polite" className="text-amber-800">
        {resend.data &&
          (resend.data.emailed
            ? `A new link is on its way to ${resend.data.email}.`
            : `No email was sent: the new link for ${resend.data.email} is in the web server's log.`)}
        {resend.error && <span className="text-red-700">{resend.error.message}</span>}
      </p>
    </div>
  );
}
