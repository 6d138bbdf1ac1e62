'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { Alert } from '~/components/ui/alert';
import { Spinner } from '~/components/ui/spinner';
import { Switch } from '~/components/ui/switch';
import { useTRPC } from '~/trpc/react';

/**
 * Sign-in from identity providers: whether their callers unknown to the workspace become members
 * on first sign-in. Owners and admins switch it (saved at once); members read it.
 */
export function JitUsersForm({ tenantSlug, isAdmin }: { tenantSlug: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const setting = useQuery(trpc.identityProviders.jitUsers.queryOptions());
  const save = useMutation(
    trpc.identityProviders.setJitUsers.mutationOptions({
      onSuccess: async (data) => {
        queryClient.setQueryData(trpc.identityProviders.jitUsers.queryKey(), data);
        await queryClient.invalidateQueries(trpc.identityProviders.jitUsers.queryFilter());
      },
    }),
  );
  const checked = save.isPending ? save.variables.allowJitUsers : (setting.data?.allowJitUsers ?? false);

  return (
    <section
      aria-labelledby="sign-in-title"
      className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
    >
      <h2
        id="sign-in-title"
        className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900"
      >
        Sign-in
      </h2>
      <div className="flex flex-col gap-4 px-5 py-4">
        {setting.isPending ? (
          <p role="status" className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading…
          </p>
        ) : setting.error ? (
          <Alert>{setting.error.message}</Alert>
        ) : (
          <div className="flex items-start justify-between gap-6">
            <div className="text-sm">
              <p id="jit-label" className="font-medium text-slate-900">
                Create users on first sign-in from the identity provider
              </p>
              <p className="mt-0.5 text-slate-600">
                {isAdmin
                  ? 'People your identity provider vouches for become members (role: member) the first time they call a gateway. Off: only existing members are let in.'
                  : `${checked ? 'On' : 'Off'}. Owners and admins can change this.`}
              </p>
            </div>
            {isAdmin && (
              <Switch
                label="Create users on first sign-in from the identity provider"
                checked={checked}
                pending={save.isPending}
                onChange={(allowJitUsers) => save.mutate({ allowJitUsers })}
              />
            )}
          </div>
        )}
        {save.error && <Alert>{save.error.message}</Alert>}
        <p className="text-sm text-slate-600">
          Configure{' '}
          <Link
            href={`/t/${tenantSlug}/settings/identity-providers`}
            className="text-brand-700 hover:underline"
          >
            identity providers
          </Link>{' '}
          and see the{' '}
          <Link href={`/t/${tenantSlug}/settings/oauth`} className="text-brand-700 hover:underline">
            apps signed in through OAuth
          </Link>
          .
        </p>
      </div>
    </section>
  );
}
