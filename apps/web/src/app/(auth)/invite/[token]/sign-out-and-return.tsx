'use client';

import { signOut } from 'next-auth/react';
import { useState } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';

/** Signed in as someone else than the invitee: sign out and come back to this invitation. */
export function SignOutAndReturn({ message }: { message: string }) {
  const [pending, setPending] = useState(false);
  return (
    <div className="flex flex-col gap-5">
      <Alert>{message}</Alert>
      <Button
        size="lg"
        variant="secondary"
        pending={pending}
        className="w-full"
        onClick={async () => {
          setPending(true);
          await signOut({ redirect: false });
          // A full load: the page renders again for a signed-out visitor.
          window.location.reload();
        }}
      >
        Sign out
      </Button>
    </div>
  );
}
