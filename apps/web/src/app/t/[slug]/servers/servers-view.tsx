'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { InstallationRequest } from '@toolgate/api/schemas/installation-requests';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import Link from 'next/link';
import { useCallback, useMemo, useState } from 'react';
import { DataTable } from '~/components/data-table';
import { ChevronRightIcon, PlusIcon, RetryIcon, ServerIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { PageHeader } from '~/components/ui/page-header';
import { Spinner } from '~/components/ui/spinner';
import { useMaintainedTeams } from '~/components/use-maintained-teams';
import { useTRPC } from '~/trpc/react';
import { AddServerDialog } from './add-server-dialog';
import { InstallDialog, type InstallIntent } from './install-dialog';
import { InstallationHealth } from './installation-health';
import { canManage, scopeLabel, STDIO_UNAVAILABLE } from './labels';
import { RequestsSection } from './requests-section';
import { serverColumns, type InstalledServer, type ServerRow } from './server-columns';

const SCOPE_ORDER = { org: 0, team: 1, personal: 2 } as const;

export interface ServersViewProps {
  tenantSlug: string;
  userId: string;
  isAdmin: boolean;
  /** TOOLGATE_ALLOW_STDIO: whether this deployment runs local (stdio) servers. */
  allowStdio: boolean;
  /** Toolgate's JWKS (PUBLIC_WEB_URL), which Forwarded JWT servers verify tokens with. */
  jwksUrl: string;
  /** Toolgate's callback for connected accounts: the redirect URI of a hand-registered OAuth client. */
  oauthRedirectUri: string;
}

export function ServersView({
  tenantSlug,
  userId,
  isAdmin,
  allowStdio,
  jwksUrl,
  oauthRedirectUri,
}: ServersViewProps) {
  const trpc = useTRPC();
  const registry = useQuery(trpc.registry.list.queryOptions());
  const installations = useQuery(trpc.installations.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [adding, setAdding] = useState(false);
  /** A server just added: the table shows it. */
  const [added, setAdded] = useState<string | null>(null);
  const [intent, setIntent] = useState<InstallIntent | null>(null);

  const rows = useMemo<ServerRow[] | undefined>(() => {
    if (!registry.data) return undefined;
    const byEntry = new Map<string, InstalledServer[]>();
    for (const i of installations.data ?? []) {
      const list = byEntry.get(i.installation.registryEntryId) ?? [];
      list.push(i);
      byEntry.set(i.installation.registryEntryId, list);
    }
    return registry.data.map((entry) => ({
      entry,
      installed: (byEntry.get(entry.id) ?? []).sort(
        (x, y) => SCOPE_ORDER[x.installation.scope] - SCOPE_ORDER[y.installation.scope],
      ),
      unavailable: entry.transport === 'stdio' && !allowStdio,
    }));
  }, [registry.data, installations.data, allowStdio]);

  const columns = useMemo(
    () => serverColumns({ isAdmin, jwksUrl, oauthRedirectUri, onIntent: setIntent }),
    [isAdmin, jwksUrl, oauthRedirectUri],
  );

  const approve = useCallback(
    (request: InstallationRequest) => {
      const entry = registry.data?.find((e) => e.id === request.registryEntryId);
      if (entry) setIntent({ kind: 'approve', entry, request });
    },
    [registry.data],
  );

  const addButton = isAdmin ? (
    <Button onClick={() => setAdding(true)}>
      <PlusIcon className="size-4" />
      Add server
    </Button>
  ) : undefined;
  const teamNames = new Map((teams.data ?? []).map((t) => [t.id, t.name]));

  return (
    <>
      <PageHeader
        title="Servers"
        description="Your private registry of MCP servers — the built-in catalog plus servers you add — and the connections installed from them."
        actions={addButton}
      />
      <div className="mt-8 flex flex-col gap-10">
        {!allowStdio && (
          <p className="-mb-6 text-sm text-slate-500">
            {STDIO_UNAVAILABLE} Remote servers (Streamable HTTP and SSE) are available.
          </p>
        )}
        <DataTable
          noun="servers"
          columns={columns}
          data={rows}
          getRowId={(r) => r.entry.id}
          highlightRowId={added}
          isLoading={registry.isPending}
          error={registry.error}
          onRetry={() => void registry.refetch()}
          searchPlaceholder="Search servers"
          initialSorting={[{ id: 'name', desc: false }]}
          empty={{
            icon: ServerIcon,
            title: 'No servers yet',
            description: isAdmin
              ? 'Add an MCP server by its URL to make it available to your workspace.'
              : 'Ask an owner or admin to add MCP servers to the registry.',
            action: addButton,
          }}
        />
        <InstalledServers
          data={installations.data}
          isLoading={installations.isPending}
          error={installations.error}
          entries={registry.data}
          teamNames={teamNames}
          tenantSlug={tenantSlug}
          userId={userId}
          isAdmin={isAdmin}
          allowStdio={allowStdio}
        />
        <RequestsSection isAdmin={isAdmin} onApprove={approve} />
      </div>
      {isAdmin && (
        <AddServerDialog
          open={adding}
          allowStdio={allowStdio}
          jwksUrl={jwksUrl}
          onClose={() => setAdding(false)}
          onAdded={setAdded}
        />
      )}
      <InstallDialog intent={intent} isAdmin={isAdmin} onClose={() => setIntent(null)} />
    </>
  );
}

function InstalledServers({
  data,
  isLoading,
  error,
  entries,
  teamNames,
  tenantSlug,
  userId,
  isAdmin,
  allowStdio,
}: {
  data: InstalledServer[] | undefined;
  isLoading: boolean;
  error: { message: string } | null;
  entries: RegistryEntry[] | undefined;
  teamNames: ReadonlyMap<string, string>;
  tenantSlug: string;
  userId: string;
  isAdmin: boolean;
  allowStdio: boolean;
}) {
  const byId = new Map((entries ?? []).map((e) => [e.id, e]));
  const maintained = useMaintainedTeams(isAdmin);
  return (
    <section aria-labelledby="installed-heading" className="flex flex-col gap-4">
      <div>
        <h2 id="installed-heading" className="text-base font-semibold text-slate-900">
          Installed servers
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Connections your gateways can use, with the tools discovered on each.
        </p>
      </div>
      {error ? (
        <Alert>{error.message}</Alert>
      ) : isLoading ? (
        <div className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-4" /> Loading installations…
        </div>
      ) : !data || data.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
          Nothing installed yet.{' '}
          {isAdmin
            ? 'Use Install on a server above.'
            : 'Install one for yourself, or request one for your organization or team.'}
        </p>
      ) : (
        <ul className="grid gap-4 lg:grid-cols-2">
          {data.map((item) => {
            const entry = byId.get(item.installation.registryEntryId);
            return (
              <InstalledCard
                key={item.installation.id}
                item={item}
                entry={entry}
                scope={scopeLabel(item.installation, teamNames)}
                href={`/t/${tenantSlug}/servers/${item.installation.id}`}
                canRefresh={
                  canManage(item.installation, isAdmin, userId, maintained) &&
                  (entry?.transport !== 'stdio' || allowStdio)
                }
                canCheck={
                  canManage(item.installation, isAdmin, userId, maintained) &&
                  entry !== undefined &&
                  entry.transport !== 'stdio'
                }
              />
            );
          })}
        </ul>
      )}
    </section>
  );
}

function InstalledCard({
  item,
  entry,
  scope,
  href,
  canRefresh,
  canCheck,
}: {
  item: InstalledServer;
  entry: RegistryEntry | undefined;
  scope: string;
  href: string;
  canRefresh: boolean;
  /** "Check now": remote servers the caller manages. */
  canCheck: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const discover = useMutation(
    trpc.installations.discover.mutationOptions({
      onSettled: () => queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
    }),
  );
  const { installation, tools } = item;
  return (
    <li
      className="rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200"
      aria-label={`Installation ${installation.name}`}
    >
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="truncate font-medium text-slate-900">
            <Link href={href} className="hover:underline">
              {installation.name}
            </Link>
          </p>
          <p className="mt-0.5 flex flex-wrap items-center gap-2 text-xs text-slate-500">
            <span className="font-mono">{entry?.slug ?? installation.registryEntryId}</span>
            <Badge tone={installation.scope === 'org' ? 'brand' : 'slate'}>{scope}</Badge>
            {!installation.enabled && <Badge tone="amber">Disabled</Badge>}
          </p>
        </div>
        <div className="flex shrink-0 items-center gap-2">
          {canRefresh && (
            <Button
              size="sm"
              variant="ghost"
              pending={discover.isPending}
              onClick={() => discover.mutate({ id: installation.id })}
              aria-label={`Re-discover ${installation.name}`}
              title="Discover its tools again"
            >
              {!discover.isPending && <RetryIcon className="size-4" />}
            </Button>
          )}
          <Link
            href={href}
            aria-label={`Manage ${installation.name}`}
            className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-800"
          >
            <ChevronRightIcon className="size-4" />
          </Link>
        </div>
      </div>
      <InstallationHealth installation={installation} canCheck={canCheck} className="mt-3" />
      {discover.error && <Alert className="mt-3">{discover.error.message}</Alert>}
      {tools.length > 0 ? (
        <ul className="mt-4 flex flex-wrap gap-1.5" aria-label="Discovered tools">
          {tools.map((t) => (
            <li key={t.id} title={t.description}>
              <code
                className={
                  t.enabled
                    ? 'rounded-md bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-700'
                    : 'rounded-md bg-slate-50 px-2 py-0.5 font-mono text-xs text-slate-400 line-through'
                }
              >
                {t.name}
              </code>
              {!t.enabled && <span className="sr-only"> (turned off)</span>}
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-4 text-sm text-slate-500">No tools discovered.</p>
      )}
    </li>
  );
}
