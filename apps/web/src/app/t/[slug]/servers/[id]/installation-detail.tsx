'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { ServerIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { Spinner } from '~/components/ui/spinner';
import { useMaintainedTeams } from '~/components/use-maintained-teams';
import { useTRPC } from '~/trpc/react';
import { canManage, scopeLabel, STDIO_UNAVAILABLE, TRANSPORT_LABELS } from '../labels';
import { InstallationHealth } from '../installation-health';
import { HeaderActions } from './installation-actions';
import { InstallationVersions } from './installation-versions';
import { ServerLog } from './server-log';
import { ServerVersion, ServerVersionChangeNotice } from './server-version';
import { ToolsTable } from './tools-table';

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
