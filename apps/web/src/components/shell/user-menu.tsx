'use client';

import { signOut } from 'next-auth/react';
import { useState } from 'react';
import { SignOutIcon } from '../icons.tsx';
import { Avatar } from '../ui/avatar.tsx';
import { Dropdown, DropdownButton, DropdownDivider } from '../ui/dropdown.tsx';
import { Spinner } from '../ui/spinner.tsx';

export function UserMenu({ user }: { user: { id: string; name: string | null; email: string } }) {
  const [signingOut, setSigningOut] = useState(false);
  return (
    <Dropdown
      label="Account"
      align="end"
      buttonClassName="flex items-center rounded-full ring-offset-2 transition-shadow hover:ring-2 hover:ring-slate-200 aria-expanded:ring-2 aria-expanded:ring-brand-500"
      button={<Avatar name={user.name} seed={user.email} />}
    >
      {() => (
        <>
          <div className="px-2.5 py-2">
            <p className="truncate text-sm font-medium text-slate-900">{user.name ?? user.email}</p>
            {user.name && <p className="truncate text-sm text-slate-500">{user.email}</p>}
          </div>
          <DropdownDivider />
          <DropdownButton
            disabled={signingOut}
            onClick={async () => {
              setSigningOut(true);
              await signOut({ redirect: false });
              // A full load: nothing of the signed-in app may survive in memory.
              window.location.assign('/signin?signedOut=1');
            }}
          >
            {signingOut ? (
              <Spinner className="size-4 text-slate-400" />
            ) : (
              <SignOutIcon className="size-4 text-slate-400" />
            )}
            Sign out
          </DropdownButton>
        </>
      )}
    </Dropdown>
  );
}
