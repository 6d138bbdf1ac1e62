'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { GatewayIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Button, ButtonLink } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { EmptyState } from '~/components/ui/empty-state';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { Loading } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { ConnectDialog } from './connect-dialog';
import { GatewaySettings } from './gateway-settings';
import { PassthroughNote } from './passthrough-server-select';
import { ToolAssignments } from './tool-assignments';

type Tab = 'tools' | 'settings';

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
  const [tab, setTab] = useState<Tab>('tools');

  if (gateway.isPending) return <Loading>Loading gateway…</Loading>;
  if (gateway.error)
    return (
      <EmptyState
        icon={GatewayIcon}
        title="Gateway not available"
        description={
          gateway.error.data?.code === 'NOT_FOUND'
            ? 'It does not exist, was deleted, or is not shared with your teams.'
            : gateway.error.message
        }
      >
        <ButtonLink href={`/t/${tenantSlug}/gateways`} variant="secondary">
          Back to gateways
        </ButtonLink>
        {gateway.error.data?.code !== 'NOT_FOUND' && (
          <Button variant="secondary" onClick={() => void gateway.refetch()}>
            Try again
          </Button>
        )}
      </EmptyState>
    );
  const g = gateway.data;
  // Members cannot change settings; they see the tools read-only.
  const tabs: { id: Tab; label: string }[] = isAdmin
    ? [
        { id: 'tools', label: 'Tools' },
        { id: 'settings', label: 'Settings' },
      ]
    : [];

  return (
    <>
      <BackLink href={`/t/${tenantSlug}/gateways`}>Gateways</BackLink>
      <PageHeader
        title={g.name}
        description={
          <>
            {g.description && <span className="block">{g.description}</span>}
            <code className="font-mono text-xs">{g.url}</code>{' '}
            <Badge tone={g.visibility === 'org' ? 'brand' : 'amber'} className="ml-1">
              {g.visibility === 'org' ? 'Organization' : 'Teams'}
            </Badge>
            {g.clientAuthMethods.includes('passthrough') && (
              <Badge tone="slate" className="ml-1">
                Pass-through
              </Badge>
            )}
            {g.toolExposure === 'search' && !g.clientAuthMethods.includes('passthrough') && (
              <Badge tone="slate" className="ml-1">
                Load tools when needed
              </Badge>
            )}
          </>
        }
        actions={
          <>
            <ButtonLink href={`/t/${tenantSlug}/gateways/${g.id}/usage`} variant="secondary">
              Usage
            </ButtonLink>
            <Button onClick={() => setConnecting(true)}>Connect</Button>
          </>
        }
      />
      {tabs.length > 0 && (
        <div role="tablist" aria-label="Gateway" className="mt-6 flex gap-1 border-b border-slate-200">
          {tabs.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`gateway-tab-${t.id}`}
              aria-controls={`gateway-panel-${t.id}`}
              aria-selected={tab === t.id}
              onClick={() => setTab(t.id)}
              className={cx(
                '-mb-px border-b-2 px-3 py-2 text-sm font-medium',
                tab === t.id
                  ? 'border-brand-600 text-brand-700'
                  : 'border-transparent text-slate-600 hover:text-slate-900',
              )}
            >
              {t.label}
            </button>
          ))}
        </div>
      )}
      {/* Both panels stay mounted so unsaved edits survive switching tabs. */}
      <div
        role={tabs.length > 0 ? 'tabpanel' : undefined}
        id="gateway-panel-tools"
        aria-labelledby={tabs.length > 0 ? 'gateway-tab-tools' : undefined}
        hidden={tab !== 'tools'}
      >
        {g.clientAuthMethods.includes('passthrough') ? (
          <PassthroughNote entryId={g.passthroughEntryId} tenantSlug={tenantSlug} />
        ) : (
          <ToolAssignments
            gatewayId={g.id}
            assignments={g.assignments}
            isAdmin={isAdmin}
            tenantSlug={tenantSlug}
          />
        )}
      </div>
      {isAdmin && (
        <div
          role="tabpanel"
          id="gateway-panel-settings"
          aria-labelledby="gateway-tab-settings"
          hidden={tab !== 'settings'}
        >
          <GatewaySettings gateway={g} tenantSlug={tenantSlug} />
        </div>
      )}
      <ConnectDialog
        // Its sign-in choice is made when it mounts: a change of client methods starts it afresh.
        key={g.clientAuthMethods.join(',')}
        open={connecting}
        onClose={() => setConnecting(false)}
        gatewayId={g.id}
        name={g.slug}
        url={g.url}
        clientAuthMethods={g.clientAuthMethods}
      />
    </>
  );
}
