'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { InstallationDetail as Detail, Tool } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { DataTable, dataTableColumnHelper } from '~/components/data-table';
import { RetryIcon, ServerIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button, ButtonLink } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { EmptyState } from '~/components/ui/empty-state';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { Spinner } from '~/components/ui/spinner';
import { Switch } from '~/components/ui/switch';
import { useMaintainedTeams } from '~/components/use-maintained-teams';
import { useTRPC } from '~/trpc/react';
import { canManage, scopeLabel, STDIO_UNAVAILABLE, TRANSPORT_LABELS } from '../labels';
import { InstallationHealth } from '../installation-health';
import { InstallationVersions } from './installation-versions';
import { EditInstallationDialog } from './edit-installation-dialog';
import { ServerLog } from './server-log';
import { ServerVersion, ServerVersionChangeNotice } from './server-version';
import { ToolLabelsCell } from './tool-labels-cell';
import { ToolLimitCell } from './tool-limit-cell';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * One installed server: its status and last error, on/off, re-discovery and deletion, and the
 * discovered tools, each of which can be turned off for every gateway.
 */
export function InstallationDetail({
  tenantSlug,
  installationId,
  userId,
  isAdmin,
  allowStdio,
}: {
  tenantSlug: string;
  installationId: string;
  userId: string;
  isAdmin: boolean;
  allowStdio: boolean;
}) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.installations.get.queryOptions({ id: installationId }));
  const registry = useQuery(trpc.registry.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  const maintained = useMaintainedTeams(isAdmin);
  const [saved, setSaved] = useState<string | null>(null);
  const back = `/t/${tenantSlug}/servers`;

  if (detail.isPending)
    return (
      <div className="flex items-center gap-2 py-16 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading server…
      </div>
    );
  if (detail.error)
    return (
      <EmptyState icon={ServerIcon} title="Server not available" description={detail.error.message}>
        <ButtonLink href={back} variant="secondary">
          Back to servers
        </ButtonLink>
      </EmptyState>
    );

  const { installation } = detail.data;
  const entry = registry.data?.find((e) => e.id === installation.registryEntryId);
  const teamNames = new Map((teams.data ?? []).map((t) => [t.id, t.name]));
  const manageable = canManage(installation, isAdmin, userId, maintained);
  const stdioBlocked = entry?.transport === 'stdio' && !allowStdio;
  return (
    <>
      <BackLink href={back}>Servers</BackLink>
      <PageHeader
        title={installation.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            {entry && (
              <>
                <code className="font-mono text-xs">{entry.slug}</code>
                <span className="text-slate-400">·</span>
                <span>{TRANSPORT_LABELS[entry.transport]}</span>
              </>
            )}
            <Badge tone={installation.scope === 'org' ? 'brand' : 'slate'}>
              {scopeLabel(installation, teamNames)}
            </Badge>
            {!installation.enabled && <Badge tone="amber">Disabled</Badge>}
          </span>
        }
        actions={
          manageable ? (
            <HeaderActions
              detail={detail.data}
              entry={entry}
              stdioBlocked={stdioBlocked}
              back={back}
              onSaved={setSaved}
            />
          ) : undefined
        }
      />
      <div className="mt-6 flex flex-col gap-6">
        {stdioBlocked && (
          <Alert>{STDIO_UNAVAILABLE} This installation cannot be refreshed or turned on.</Alert>
        )}
        {saved && <Alert tone="success">{saved}</Alert>}
        <ServerVersionChangeNotice installation={installation} tenantSlug={tenantSlug} isAdmin={isAdmin} />
        <dl className="grid gap-4 rounded-xl bg-white p-5 text-sm shadow-xs ring-1 ring-slate-200 sm:grid-cols-3">
          <div className="sm:col-span-3">
            <dt className="text-slate-500">Health</dt>
            <dd className="mt-1">
              <InstallationHealth
                installation={installation}
                canCheck={manageable && entry !== undefined && entry.transport !== 'stdio'}
              />
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Tools discovered</dt>
            <dd className="mt-1 text-slate-900">
              {installation.discoveredAt ? dateTime.format(new Date(installation.discoveredAt)) : 'Never'}
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Credentials</dt>
            <dd className="mt-1 text-slate-900">
              {installation.hasCredentials ? 'Stored encrypted' : 'None stored'}
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Server version</dt>
            <dd className="mt-1">
              <ServerVersion installation={installation} />
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Pinned by gateways</dt>
            <dd className="mt-1 flex flex-wrap gap-2 text-slate-900">
              {detail.data.pinnedBy.length === 0
                ? 'None'
                : detail.data.pinnedBy.map((g) => (
                    <Link
                      key={g.id}
                      href={`/t/${tenantSlug}/gateways/${g.id}`}
                      className="text-brand-700 hover:underline"
                    >
                      {g.name}
                    </Link>
                  ))}
            </dd>
          </div>
        </dl>
        <InstallationVersions installation={installation} entry={entry} manageable={manageable} />
        <ToolsTable
          installationId={installation.id}
          tools={detail.data.tools}
          manageable={manageable}
          entry={entry}
          canLabel={isAdmin}
        />
        {entry?.transport === 'stdio' && manageable && (
          <ServerLog installationId={installation.id} canary={installation.canary} />
        )}
      </div>
    </>
  );
}

function HeaderActions({
  detail,
  entry,
  stdioBlocked,
  back,
  onSaved,
}: {
  detail: Detail;
  entry: RegistryEntry | undefined;
  stdioBlocked: boolean;
  back: string;
  onSaved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { installation } = detail;
  const [deleting, setDeleting] = useState(false);
  const [editing, setEditing] = useState(false);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installation.id })),
      queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
    ]);
  const discover = useMutation(trpc.installations.discover.mutationOptions({ onSettled: refresh }));
  const setEnabled = useMutation(trpc.installations.setEnabled.mutationOptions({ onSettled: refresh }));
  const error = discover.error ?? setEnabled.error;
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex items-center gap-3">
        <span className="flex items-center gap-2 text-sm text-slate-700">
          <Switch
            label={`${installation.name} enabled`}
            checked={setEnabled.isPending ? setEnabled.variables.enabled : installation.enabled}
            pending={setEnabled.isPending}
            disabled={stdioBlocked && !installation.enabled}
            onChange={(enabled) => setEnabled.mutate({ id: installation.id, enabled })}
          />
          Enabled
        </span>
        <Button
          variant="secondary"
          pending={discover.isPending}
          disabled={stdioBlocked}
          onClick={() => discover.mutate({ id: installation.id })}
        >
          {!discover.isPending && <RetryIcon className="size-4" />}
          {discover.isPending ? 'Refreshing…' : 'Refresh tools'}
        </Button>
        <Button variant="secondary" onClick={() => setEditing(true)}>
          Edit
        </Button>
        <Button variant="danger" onClick={() => setDeleting(true)}>
          Delete
        </Button>
      </div>
      {error && <p className="text-sm text-red-600">{error.message}</p>}
      <EditInstallationDialog
        open={editing}
        installation={installation}
        entry={entry}
        onClose={() => setEditing(false)}
        onSaved={(message) => {
          setEditing(false);
          onSaved(message);
        }}
      />
      <DeleteDialog open={deleting} detail={detail} back={back} onClose={() => setDeleting(false)} />
    </div>
  );
}

function DeleteDialog({
  open,
  detail,
  back,
  onClose,
}: {
  open: boolean;
  detail: Detail;
  back: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { installation, pinnedBy } = detail;
  const close = () => {
    remove.reset();
    onClose();
  };
  const remove = useMutation(
    trpc.installations.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.installations.list.queryFilter());
        router.push(back);
      },
    }),
  );
  return (
    <Dialog
      open={open}
      onClose={close}
      title={`Delete ${installation.name}?`}
      description="Its tools and stored credentials are deleted. Gateways that resolve this server at call time use another installation, if the caller has one."
    >
      <div className="flex flex-col gap-4">
        {pinnedBy.length > 0 && (
          <Alert>
            Gateways pin tools to this installation: {pinnedBy.map((g) => g.name).join(', ')}. Change those
            assignments first.
          </Alert>
        )}
        {remove.error && <Alert>{remove.error.message}</Alert>}
        <div className="flex justify-end gap-3">
          <Button variant="secondary" onClick={close}>
            Keep it
          </Button>
          <Button
            variant="danger"
            pending={remove.isPending}
            disabled={pinnedBy.length > 0}
            onClick={() => remove.mutate({ id: installation.id })}
          >
            Delete installation
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

const column = dataTableColumnHelper<Tool>();

function ToolsTable({
  installationId,
  tools,
  manageable,
  entry,
  canLabel,
}: {
  installationId: string;
  tools: Tool[];
  manageable: boolean;
  entry: RegistryEntry | undefined;
  /** Owners and admins label tools (policies read the labels). */
  canLabel: boolean;
}) {
  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((t) => `${t.name} ${t.title ?? ''} ${t.description}`, {
          id: 'name',
          header: 'Tool',
          sortFn: 'text',
          cell: (info) => {
            const t = info.row.original;
            return (
              <div className="min-w-0">
                <code className="font-mono text-sm text-slate-900">{t.name}</code>
                {t.title && <span className="ml-2 text-slate-600">{t.title}</span>}
                {t.description && <p className="line-clamp-2 text-xs text-slate-500">{t.description}</p>}
              </div>
            );
          },
        }),
        column.accessor((t) => hints(t).join(' '), {
          id: 'hints',
          header: 'Hints',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-44' },
          cell: (info) => (
            <span className="flex flex-wrap gap-1">
              {hints(info.row.original).map((h) => (
                <Badge key={h} tone={h === 'destructive' ? 'amber' : 'slate'}>
                  {h}
                </Badge>
              ))}
            </span>
          ),
        }),
        column.accessor((t) => [...t.labels, ...(entry?.toolLabels[t.name] ?? [])].join(' '), {
          id: 'labels',
          header: 'Labels',
          enableSorting: false,
          meta: { className: 'w-72' },
          cell: (info) => (
            <ToolLabelsCell
              installationId={installationId}
              tool={info.row.original}
              entry={entry}
              canEdit={canLabel}
            />
          ),
        }),
        column.accessor((t) => t.callsPerMinute ?? Number.POSITIVE_INFINITY, {
          id: 'limit',
          header: 'Limit',
          sortFn: 'basic',
          enableGlobalFilter: false,
          meta: { className: 'w-36' },
          cell: (info) => (
            <ToolLimitCell installationId={installationId} tool={info.row.original} canEdit={manageable} />
          ),
        }),
        column.accessor((t) => (t.enabled ? 'on' : 'off'), {
          id: 'enabled',
          header: 'Enabled',
          sortFn: 'text',
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-28' },
          cell: (info) => (
            <ToolSwitch installationId={installationId} tool={info.row.original} manageable={manageable} />
          ),
        }),
      ]),
    [installationId, manageable, entry, canLabel],
  );
  return (
    <section aria-labelledby="tools-heading" className="flex flex-col gap-3">
      <h2 id="tools-heading" className="text-base font-semibold text-slate-900">
        Discovered tools
      </h2>
      <DataTable
        noun="tools"
        columns={columns}
        data={tools}
        getRowId={(t) => t.id}
        searchPlaceholder="Search tools"
        initialSorting={[{ id: 'name', desc: false }]}
        facets={[
          {
            columnId: 'enabled',
            allLabel: 'All tools',
            options: [
              { value: 'on', label: 'Enabled' },
              { value: 'off', label: 'Turned off' },
            ],
          },
        ]}
        empty={{
          icon: ServerIcon,
          title: 'No tools discovered',
          description: 'Refresh tools to ask the server again.',
        }}
      />
    </section>
  );
}

/** MCP tool annotations worth a glance. */
function hints(tool: Tool): string[] {
  const a = tool.annotations ?? {};
  const out: string[] = [];
  if (a.readOnlyHint === true) out.push('read-only');
  if (a.destructiveHint === true) out.push('destructive');
  if (a.openWorldHint === true) out.push('open world');
  return out;
}

function ToolSwitch({
  installationId,
  tool,
  manageable,
}: {
  installationId: string;
  tool: Tool;
  manageable: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const set = useMutation(
    trpc.installations.setToolEnabled.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installationId })),
          queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
        ]),
    }),
  );
  return (
    <span className="flex flex-col gap-1">
      <Switch
        label={`${tool.name} enabled`}
        checked={set.isPending ? set.variables.enabled : tool.enabled}
        pending={set.isPending}
        disabled={!manageable}
        onChange={(enabled) => set.mutate({ id: installationId, toolId: tool.id, enabled })}
      />
      {set.error && <span className="text-xs text-red-600">{set.error.message}</span>}
    </span>
  );
}
