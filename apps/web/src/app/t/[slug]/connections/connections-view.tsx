'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { usePathname, useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { DataTable } from '~/components/data-table';
import { ShieldIcon } from '~/components/icons';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/dialog';
import { PageHeader } from '~/components/ui/page-header';
import { useMaintainedTeams } from '~/components/use-maintained-teams';
import { useTRPC } from '~/trpc/react';
import { connectionColumns, type ConnectionRow as Row } from './connection-columns';
import { ConnectSection, type ConnectScope, type WhoseChoice } from './connect-section';
import {
  canManageConnection,
  canReconnectConnection,
  whoseAccount,
  whoseLabel,
  type Connection,
} from './labels';

const NO_NAMES: ReadonlyMap<string, string> = new Map();

export interface ConnectionsViewProps {
  tenantSlug: string;
  userId: string;
  isAdmin: boolean;
  /** `?connect=`: the server whose account a tool call asked for. */
  connectEntryId: string | null;
  /** `?connected=`: the connection the upstream callback just saved. */
  connectedId: string | null;
}

export function ConnectionsView({
  tenantSlug,
  userId,
  isAdmin,
  connectEntryId,
  connectedId,
}: ConnectionsViewProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const connections = useQuery(trpc.connections.list.queryOptions());
  const registry = useQuery(trpc.registry.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  // Names for other members' personal accounts, which only owners and admins see.
  const members = useQuery({ ...trpc.members.list.queryOptions(), enabled: isAdmin });
  const maintained = useMaintainedTeams(isAdmin);

  /** The server whose sign-in is starting: the browser then leaves for its consent page. */
  const [starting, setStarting] = useState<{ entry: RegistryEntry; reconnect: Connection | null } | null>(
    null,
  );
  const start = useMutation(
    trpc.connections.start.mutationOptions({
      onSuccess: ({ authorizationUrl }) => window.location.assign(authorizationUrl),
    }),
  );
  const [removing, setRemovingRow] = useState<Row | null>(null);
  const [removed, setRemoved] = useState<{ name: string; revokedAtServer: boolean } | null>(null);
  const remove = useMutation(
    trpc.connections.remove.mutationOptions({
      onSuccess: async (result) => {
        const gone = connections.data?.find((c) => c.id === result.id);
        if (gone) setRemoved({ name: gone.server.name, revokedAtServer: result.revokedAtServer });
        setRemovingRow(null);
        // "Connected …" no longer holds once that account is gone.
        if (result.id === connectedId) router.replace(pathname, { scroll: false });
        await Promise.all([
          queryClient.invalidateQueries(trpc.connections.list.queryFilter()),
          queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
        ]);
      },
    }),
  );
  // A stale error of an earlier attempt must not greet the next one.
  const setRemoving = (row: Row | null) => {
    remove.reset();
    setRemovingRow(row);
  };

  const teamNames = useMemo(() => new Map((teams.data ?? []).map((t) => [t.id, t.name])), [teams.data]);
  const memberNames = useMemo(
    () => (members.data ? new Map(members.data.map((m) => [m.userId, m.name ?? m.email])) : NO_NAMES),
    [members.data],
  );
  const oauthEntries = useMemo(
    () => registry.data?.filter((e) => e.authKind === 'oauth' && e.url),
    [registry.data],
  );

  const rows = useMemo(
    () =>
      connections.data?.map((c): Row => ({
        ...c,
        whose: whoseLabel(c, userId, teamNames, memberNames),
        canManage: canManageConnection(c, isAdmin, userId, maintained),
        canReconnect: canReconnectConnection(c, isAdmin, userId, maintained),
      })),
    [connections.data, userId, teamNames, memberNames, isAdmin, maintained],
  );
  // The servers where the caller's own account works, and where it must be connected again.
  const mine = useMemo(() => {
    const active = new Set<string>();
    const stale = new Set<string>();
    for (const c of connections.data ?? []) {
      if (c.scope !== 'personal' || c.userId !== userId) continue;
      (c.status === 'active' ? active : stale).add(c.server.registryEntryId);
    }
    return { active, stale };
  }, [connections.data, userId]);

  const choices = useMemo<WhoseChoice[]>(() => {
    const list: WhoseChoice[] = [{ value: 'personal', label: 'Your account', target: { scope: 'personal' } }];
    if (isAdmin) list.push({ value: 'org', label: "The organization's account", target: { scope: 'org' } });
    for (const team of teams.data ?? []) {
      if (isAdmin || maintained.has(team.id))
        list.push({
          value: `team:${team.id}`,
          label: `Team ${team.name}'s account`,
          target: { scope: 'team', teamId: team.id },
        });
    }
    return list;
  }, [isAdmin, teams.data, maintained]);

  // Pending until the browser has left for the server's sign-in page.
  const startingNow = starting && (start.isPending || start.isSuccess) ? starting : null;
  const reconnectingId = startingNow?.reconnect?.id ?? null;

  function connect(entry: RegistryEntry, target: ConnectScope) {
    setStarting({ entry, reconnect: null });
    start.mutate({ registryEntryId: entry.id, ...target });
  }
  function reconnect(row: Row) {
    const entry = registry.data?.find((e) => e.id === row.server.registryEntryId);
    setStarting({
      entry: entry ?? ({ id: row.server.registryEntryId, name: row.server.name } as RegistryEntry),
      reconnect: row,
    });
    start.mutate({
      registryEntryId: row.server.registryEntryId,
      scope: row.scope,
      ...(row.teamId ? { teamId: row.teamId } : {}),
      installationId: row.installationId,
    });
  }
  const startError = starting && start.error ? { ...starting, message: start.error.message } : null;

  const columns = useMemo(
    () => connectionColumns({ reconnectingId, onReconnect: reconnect, onDisconnect: setRemoving }),
    // reconnect and setRemoving read only the registry list, state setters and the stable mutate.
    [registry.data, reconnectingId],
  );

  const justConnected = connectedId ? connections.data?.find((c) => c.id === connectedId) : undefined;
  const asked = connectEntryId ? oauthEntries?.find((e) => e.id === connectEntryId) : undefined;

  return (
    <>
      <PageHeader
        title="Connected accounts"
        description={
          isAdmin
            ? 'Accounts Toolgate signs in with at OAuth servers, for you, your teams or the whole organization. You see every connected account of the workspace.'
            : 'Accounts Toolgate signs in with at OAuth servers: yours, your teams’ and the organization’s.'
        }
      />
      <div className="mt-6 flex flex-col gap-3">
        {/* A reload much later must not call an account that now needs reconnecting connected. */}
        {connectedId && connections.data && justConnected?.status !== 'needs_reconnect' && (
          <Alert tone="success">
            {justConnected ? (
              <>
                Connected {whoseAccount(justConnected, userId, teamNames, memberNames)} at{' '}
                <strong>{justConnected.server.name}</strong>
                {justConnected.account ? ` (${justConnected.account})` : ''}.
              </>
            ) : (
              'The account was connected.'
            )}
          </Alert>
        )}
        {connectEntryId && oauthEntries && (
          <Notice role="status">
            {asked && mine.stale.has(asked.id) ? (
              <>
                Your account at <strong>{asked.name}</strong> must be connected again to use its tools.
              </>
            ) : asked ? (
              <>
                Connect your account at <strong>{asked.name}</strong> to use its tools.
              </>
            ) : (
              'The server this link names is not one you can connect an account at in this workspace.'
            )}
          </Notice>
        )}
        {removed && (
          <RemovalOutcome
            name={removed.name}
            revokedAtServer={removed.revokedAtServer}
            onDismiss={() => setRemoved(null)}
          />
        )}
        {startError?.reconnect && (
          <Alert>
            Could not reconnect {startError.entry.name}: {startError.message}
          </Alert>
        )}
      </div>
      <div className="mt-6">
        <DataTable
          noun="connected accounts"
          columns={columns}
          data={rows}
          getRowId={(c) => c.id}
          isLoading={connections.isPending}
          error={connections.error}
          onRetry={() => void connections.refetch()}
          searchPlaceholder="Search accounts"
          initialSorting={[{ id: 'server', desc: false }]}
          highlightRowId={connectedId}
          facets={[
            {
              columnId: 'status',
              allLabel: 'All statuses',
              options: [
                { value: 'active', label: 'Active' },
                { value: 'needs_reconnect', label: 'Reconnect needed' },
              ],
            },
          ]}
          empty={{
            icon: ShieldIcon,
            title: 'No connected accounts yet',
            description:
              'Servers that sign in with OAuth need an account before the gateways can call their tools. Connect one below.',
          }}
        />
      </div>
      <ConnectSection
        tenantSlug={tenantSlug}
        isAdmin={isAdmin}
        entries={oauthEntries}
        loadError={registry.error}
        onRetry={() => void registry.refetch()}
        choices={choices}
        connectedByMe={mine.active}
        reconnectByMe={mine.stale}
        highlightEntryId={connectEntryId}
        onConnect={connect}
        pendingEntryId={startingNow && !startingNow.reconnect ? startingNow.entry.id : null}
        error={
          startError && !startError.reconnect
            ? { entryId: startError.entry.id, message: startError.message }
            : null
        }
      />
      <ConfirmDialog
        open={removing !== null}
        onClose={() => setRemoving(null)}
        title="Disconnect this account?"
        description={
          removing && (
            <>
              Toolgate asks <strong>{removing.server.name}</strong> to revoke the tokens of{' '}
              {whoseAccount(removing, userId, teamNames, memberNames)}
              {removing.account ? ` (${removing.account})` : ''}, then forgets them.{' '}
              {removing.scope === 'personal'
                ? `The personal installation of ${removing.server.name} it backs is removed with it.`
                : 'The installation stays, without a credential, until someone connects an account again.'}
            </>
          )
        }
        error={remove.error}
        confirmLabel="Disconnect"
        pending={remove.isPending}
        onConfirm={() => removing && remove.mutate({ id: removing.id })}
      />
    </>
  );
}

function RemovalOutcome({
  name,
  revokedAtServer,
  onDismiss,
}: {
  name: string;
  revokedAtServer: boolean;
  onDismiss: () => void;
}) {
  const text = revokedAtServer ? (
    <>
      Disconnected <strong>{name}</strong>. The server confirmed it revoked the tokens.
    </>
  ) : (
    <>
      Disconnected <strong>{name}</strong>. The server did not confirm revoking the tokens; Toolgate no longer
      holds them. To be sure, remove Toolgate&apos;s access in the account&apos;s settings at the server.
    </>
  );
  return (
    <div className="flex items-start gap-2">
      {revokedAtServer ? (
        <Alert tone="success" className="flex-1">
          {text}
        </Alert>
      ) : (
        <Notice role="status" className="flex-1">
          {text}
        </Notice>
      )}
      <Button variant="ghost" size="sm" onClick={onDismiss}>
        Dismiss
      </Button>
    </div>
  );
}
