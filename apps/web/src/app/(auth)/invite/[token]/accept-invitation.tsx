'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { acceptInvitationAction } from './actions';

export function AcceptInvitation({ token, tenantName }: { token: string; tenantName: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();

  async function accept() {
    setPending(true);
    setError(undefined);
    try {
      const result = await acceptInvitationAction(token);
      if (!result.ok) {
        setPending(false);
        setError(result.formError ?? 'We could not accept the invitation.');
        return;
      }
      router.replace(`/t/${result.tenantSlug}`);
    } catch {
      setPending(false);
      setError('We could not reach the server. Check your connection and try again.');
    }
  }

  return (
    <div className="flex flex-col gap-5">
      {error && <Alert>{error}</Alert>}
      <Button size="lg" pending={pending} className="w-full" onClick={() => void accept()}>
        {pending ? 'Joining…' : `Accept and join ${tenantName}`}
      </Button>
    </div>
  );
}
