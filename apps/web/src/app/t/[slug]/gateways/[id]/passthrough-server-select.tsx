'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { SelectField } from '~/components/ui/field';
import { useTRPC } from '~/trpc/react';

/** Servers a pass-through gateway may front: remote, with OAuth pass-through and a named issuer. */
function usePassthroughServers() {
  const trpc = useTRPC();
  const entries = useQuery(trpc.registry.list.queryOptions());
  const servers = (entries.data ?? []).filter(
    (e) =>
      e.authKind === 'oauth_passthrough' &&
      (e.transport === 'streamable_http' || e.transport === 'sse') &&
      Boolean(e.authConfig.authorizationServer),
  );
  return { entries, servers };
}

/** Which server a pass-through gateway fronts. */
export function PassthroughServerSelect({
  value,
  onChange,
  error,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  error?: string;
}) {
  const { entries, servers } = usePassthroughServers();
  if (entries.isSuccess && servers.length === 0)
    return (
      <div className="flex flex-col gap-1 pl-6">
        <p className="text-sm text-slate-600">
          No server can be passed through to yet: add a remote server whose authentication is OAuth
          pass-through and which names its authorization server.
        </p>
        {error && <p className="text-sm text-red-600">{error}</p>}
      </div>
    );
  return (
    <SelectField
      className="pl-6"
      label="Server"
      name="passthroughEntryId"
      value={value ?? ''}
      disabled={entries.isPending}
      onChange={(e) => onChange(e.target.value || null)}
      options={[
        { value: '', label: entries.isPending ? 'Loading servers…' : 'Choose the server' },
        ...servers.map((s) => ({
          value: s.id,
          label: `${s.name} — tokens from ${s.authConfig.authorizationServer}`,
        })),
      ]}
      error={error ?? (entries.error ? `Could not load servers: ${entries.error.message}` : undefined)}
      hint="The server must accept this gateway's URL as the audience of its tokens, and be installed for the organization."
    />
  );
}

/** The Tools tab of a pass-through gateway: nothing is assigned, the server lists itself. */
export function PassthroughNote({ entryId, tenantSlug }: { entryId: string | null; tenantSlug: string }) {
  const { entries } = usePassthroughServers();
  const entry = entries.data?.find((e) => e.id === entryId);
  return (
    <p role="note" data-testid="passthrough-note" className="mt-6 max-w-2xl text-sm text-slate-600">
      This gateway passes its callers&apos; tokens through to{' '}
      {entry ? (
        <Link href={`/t/${tenantSlug}/servers`} className="font-medium text-brand-700 hover:underline">
          {entry.name}
        </Link>
      ) : (
        'a server that is no longer in the registry'
      )}
      : clients see that server&apos;s tools, prompts and resources as it lists them, and call them with their
      own token from {entry?.authConfig.authorizationServer ?? "the server's authorization server"}.
    </p>
  );
}
