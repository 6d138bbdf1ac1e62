'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Spinner } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';

/** The teams a gateway is shared with, picked from the workspace's teams. */
export function TeamChecklist({
  tenantSlug,
  value,
  onChange,
  error,
}: {
  tenantSlug: string;
  value: readonly string[];
  onChange: (teamIds: string[]) => void;
  error?: string;
}) {
  const trpc = useTRPC();
  const teams = useQuery(trpc.teams.list.queryOptions());
  return (
    <fieldset className="flex flex-col gap-2" aria-invalid={error ? true : undefined}>
      <legend className="text-sm font-medium text-slate-800">Teams</legend>
      {teams.isPending ? (
        <p className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-4" /> Loading teams…
        </p>
      ) : teams.error ? (
        <p className="text-sm text-red-600">Could not load teams: {teams.error.message}</p>
      ) : teams.data.length === 0 ? (
        <p className="text-sm text-slate-500">
          No teams yet —{' '}
          <Link href={`/t/${tenantSlug}/teams`} className="text-brand-700 hover:underline">
            create one first
          </Link>
          .
        </p>
      ) : (
        <div className="grid max-h-48 gap-2 overflow-y-auto sm:grid-cols-2">
          {teams.data.map((t) => (
            <label key={t.id} className="flex items-center gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                className="size-4 accent-brand-600"
                checked={value.includes(t.id)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...value, t.id] : value.filter((id) => id !== t.id))
                }
              />
              {t.name}
            </label>
          ))}
        </div>
      )}
      {error && <p className="text-sm text-red-600">{error}</p>}
    </fieldset>
  );
}
