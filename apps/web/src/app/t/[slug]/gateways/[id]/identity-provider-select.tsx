'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { SelectField } from '~/components/ui/field';
import { useTRPC } from '~/trpc/react';

/** Which of the workspace's identity providers a gateway accepts JWTs from. */
export function IdentityProviderSelect({
  tenantSlug,
  value,
  onChange,
  error,
}: {
  tenantSlug: string;
  value: string | null;
  onChange: (id: string | null) => void;
  error?: string;
}) {
  const trpc = useTRPC();
  const providers = useQuery(trpc.identityProviders.list.queryOptions());
  const manage = `/t/${tenantSlug}/settings/identity-providers`;
  if (providers.data?.length === 0)
    return (
      <div className="flex flex-col gap-1 pl-6">
        <p className="text-sm text-slate-600">
          No identity provider yet —{' '}
          <Link href={manage} className="text-brand-700 hover:underline">
            add one first
          </Link>
          .
        </p>
        {error && <p className="text-sm text-red-600">{error}</p>}
      </div>
    );
  const disabled = (providers.data ?? []).find((p) => p.id === value && !p.enabled);
  return (
    <SelectField
      className="pl-6"
      label="Identity provider"
      name="identityProviderId"
      value={value ?? ''}
      disabled={providers.isPending}
      onChange={(e) => onChange(e.target.value || null)}
      options={[
        {
          value: '',
          label: providers.isPending ? 'Loading identity providers…' : 'Choose an identity provider',
        },
        ...(providers.data ?? []).map((p) => ({
          value: p.id,
          label: `${p.name} — ${p.issuer}${p.enabled ? '' : ' (disabled)'}`,
        })),
      ]}
      error={
        error ??
        (providers.error ? `Could not load identity providers: ${providers.error.message}` : undefined)
      }
      hint={
        disabled ? (
          'This provider is disabled: its tokens are refused until it is enabled again.'
        ) : (
          <>
            Tokens must be signed by its keys and carry its issuer and audience.{' '}
            <Link href={manage} className="text-brand-700 hover:underline">
              Manage providers
            </Link>
          </>
        )
      }
    />
  );
}
