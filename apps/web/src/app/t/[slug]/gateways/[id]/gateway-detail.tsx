'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Assignment } from '@toolgate/api/schemas/gateways';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { ChevronLeftIcon, GatewayIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button, ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { PageHeader } from '~/components/ui/page-header';
import { Spinner } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { ConnectDialog } from './connect-dialog';

interface Pick {
  alias: string;
}

const key = (entryId: string, tool: string) => `${entryId}\u0000${tool}`;

export function GatewayDetail({
  tenantSlug,
  gatewayId,
  isAdmin,
}: {
  tenantSlug: string;
  gatewayId: string;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const gateway = useQuery(trpc.gateways.get.queryOptions({ id: gatewayId }));
  const [connecting, setConnecting] = useState(false);

  if (gateway.isPending)
    return (
      <div className="flex items-center gap-2 py-16 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading gateway…
      </div>
    );
  if (gateway.error)
    return (
      <EmptyState icon={GatewayIcon} title="Gateway not available" description={gateway.error.message}>
        <ButtonLink href={`/t/${tenantSlug}/gateways`} variant="secondary">
          Back to gateways
        </ButtonLink>
      </EmptyState>
    );
  const g = gateway.data;
  return (
    <>
      <Link
        href={`/t/${tenantSlug}/gateways`}
        className="mb-4 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-800"
      >
        <ChevronLeftIcon className="size-4" /> Gateways
      </Link>
      <PageHeader
        title={g.name}
        description={
          <>
            {g.description && <span className="block">{g.description}</span>}
            <code className="font-mono text-xs">{g.url}</code>{' '}
            <Badge tone={g.visibility === 'org' ? 'brand' : 'amber'} className="ml-1">
              {g.visibility === 'org' ? 'Organization' : 'Teams'}
            </Badge>
          </>
        }
        actions={<Button onClick={() => setConnecting(true)}>Connect</Button>}
      />
      <ToolPicker
        key={g.updatedAt}
        gatewayId={g.id}
        assignments={g.assignments}
        isAdmin={isAdmin}
        tenantSlug={tenantSlug}
      />
      <ConnectDialog open={connecting} onClose={() => setConnecting(false)} name={g.slug} url={g.url} />
    </>
  );
}

function ToolPicker({
  gatewayId,
  assignments,
  isAdmin,
  tenantSlug,
}: {
  gatewayId: string;
  assignments: Assignment[];
  isAdmin: boolean;
  tenantSlug: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const installations = useQuery(trpc.installations.list.queryOptions());
  const registry = useQuery(trpc.registry.list.queryOptions());
  const [picks, setPicks] = useState<Map<string, Pick>>(
    () =>
      new Map(
        assignments
          .filter((a) => a.kind === 'tool')
          .map((a) => [key(a.registryEntryId, a.toolName), { alias: a.alias ?? '' }]),
      ),
  );
  const [saved, setSaved] = useState<string[] | null>(null);

  const save = useMutation(
    trpc.gateways.setAssignments.mutationOptions({
      onSuccess: async (result) => {
        setSaved(result.exposedTools);
        await queryClient.invalidateQueries(trpc.gateways.list.queryFilter());
      },
    }),
  );

  // One group per server: the union of tools discovered on its visible installations.
  const groups = useMemo(() => {
    const entries = new Map((registry.data ?? []).map((e) => [e.id, e]));
    const byEntry = new Map<string, { id: string; name: string; slug: string; tools: Map<string, string> }>();
    for (const { installation, tools } of installations.data ?? []) {
      const entry = entries.get(installation.registryEntryId);
      const group = byEntry.get(installation.registryEntryId) ?? {
        id: installation.registryEntryId,
        name: entry?.name ?? installation.name,
        slug: entry?.slug ?? '',
        tools: new Map<string, string>(),
      };
      for (const t of tools) group.tools.set(t.name, t.description);
      byEntry.set(group.id, group);
    }
    return [...byEntry.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [installations.data, registry.data]);

  const loading = installations.isPending || registry.isPending;
  const error = installations.error ?? registry.error;

  function toggle(k: string, on: boolean) {
    setSaved(null);
    setPicks((prev) => {
      const next = new Map(prev);
      if (on) next.set(k, next.get(k) ?? { alias: '' });
      else next.delete(k);
      return next;
    });
  }

  function onSave() {
    setSaved(null);
    save.mutate({
      id: gatewayId,
      assignments: [...picks.entries()].map(([k, p]) => {
        const [registryEntryId, toolName] = k.split('\u0000') as [string, string];
        return { registryEntryId, toolName, alias: p.alias.trim() || null };
      }),
    });
  }

  return (
    <section aria-labelledby="tools-heading" className="mt-8 flex flex-col gap-4">
      <div className="flex items-end justify-between gap-4">
        <div>
          <h2 id="tools-heading" className="text-base font-semibold text-slate-900">
            Tools
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Pick the tools this gateway exposes. Clients see them as{' '}
            <code className="font-mono">server__tool</code> unless you give an alias.
          </p>
        </div>
        {isAdmin && (
          <Button onClick={onSave} pending={save.isPending} disabled={loading}>
            {save.isPending ? 'Saving…' : 'Save'}
          </Button>
        )}
      </div>
      {save.error && (
        <Alert>
          {save.error.data?.code === 'CONFLICT' ? 'Name collision: ' : ''}
          {save.error.message}
        </Alert>
      )}
      {saved && (
        <Alert tone="success">
          Saved. Clients now see {saved.length} {saved.length === 1 ? 'tool' : 'tools'}
          {saved.length > 0 && (
            <>
              : <span className="font-mono">{saved.join(', ')}</span>
            </>
          )}
          .
        </Alert>
      )}
      {error ? (
        <Alert>{error.message}</Alert>
      ) : loading ? (
        <div className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-4" /> Loading tools…
        </div>
      ) : groups.length === 0 ? (
        <EmptyState
          icon={GatewayIcon}
          title="No tools discovered yet"
          description="Install a server first; its tools appear here once discovery has run."
          className="rounded-xl ring-1 ring-slate-200"
        >
          <ButtonLink href={`/t/${tenantSlug}/servers`} variant="secondary">
            Go to servers
          </ButtonLink>
        </EmptyState>
      ) : (
        groups.map((group) => (
          <fieldset
            key={group.id}
            className="overflow-hidden rounded-xl bg-white shadow-xs ring-1 ring-slate-200"
            disabled={!isAdmin}
          >
            <legend className="sr-only">{group.name}</legend>
            <div className="flex items-center justify-between border-b border-slate-200 bg-slate-50 px-4 py-2.5">
              <p className="font-medium text-slate-900">
                {group.name} <span className="font-mono text-xs text-slate-500">{group.slug}</span>
              </p>
              <span className="text-xs text-slate-500">{group.tools.size} tools</span>
            </div>
            <ul className="divide-y divide-slate-100">
              {[...group.tools.entries()].map(([tool, description]) => {
                const k = key(group.id, tool);
                const pick = picks.get(k);
                return (
                  <li key={tool} className="flex items-center gap-3 px-4 py-2.5">
                    <input
                      type="checkbox"
                      id={`tool-${group.id}-${tool}`}
                      aria-label={`${group.slug}__${tool}`}
                      className="size-4 accent-brand-600"
                      checked={Boolean(pick)}
                      onChange={(e) => toggle(k, e.target.checked)}
                    />
                    <label htmlFor={`tool-${group.id}-${tool}`} className="min-w-0 flex-1">
                      <code className="font-mono text-sm text-slate-900">{tool}</code>
                      {description && <p className="line-clamp-1 text-xs text-slate-500">{description}</p>}
                    </label>
                    {pick && (
                      <input
                        aria-label={`Alias for ${tool}`}
                        placeholder={`${group.slug}__${tool}`}
                        value={pick.alias}
                        onChange={(e) => {
                          const alias = e.target.value;
                          setPicks((prev) => new Map(prev).set(k, { alias }));
                        }}
                        className="h-8 w-56 rounded-md bg-white px-2 font-mono text-xs ring-1 ring-slate-300 outline-none focus:ring-2 focus:ring-brand-500"
                      />
                    )}
                  </li>
                );
              })}
            </ul>
          </fieldset>
        ))
      )}
    </section>
  );
}
