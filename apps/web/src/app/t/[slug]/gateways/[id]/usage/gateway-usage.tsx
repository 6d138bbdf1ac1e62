'use client';

import { useQuery } from '@tanstack/react-query';
import { GatewayIcon } from '~/components/icons';
import { ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { Loading } from '~/components/ui/spinner';
import { UsageDashboard } from '~/components/usage/usage-dashboard';
import { useTRPC } from '~/trpc/react';

/** The usage dashboard of one gateway, with links to its logs and its graph. */
export function GatewayUsage({
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
  if (gateway.isPending) return <Loading>Loading gateway…</Loading>;
  if (gateway.error)
    return (
      <EmptyState
        icon={GatewayIcon}
        title="Gateway not available"
        description="It does not exist, was deleted, or is not shared with your teams."
      >
        <ButtonLink href={`/t/${tenantSlug}/gateways`} variant="secondary">
          Back to gateways
        </ButtonLink>
      </EmptyState>
    );
  const g = gateway.data;
  const base = `/t/${tenantSlug}`;
  return (
    <>
      <BackLink href={`${base}/gateways/${g.id}`}>{g.name}</BackLink>
      <PageHeader
        title={`Usage of ${g.name}`}
        description={
          isAdmin
            ? 'Every call through this gateway.'
            : 'The calls you made through this gateway with your own tokens.'
        }
        actions={
          <>
            <ButtonLink href={`${base}/logs?gatewayId=${g.id}`} variant="secondary">
              Logs
            </ButtonLink>
            <ButtonLink href={`${base}/usage/graph?gatewayId=${g.id}`} variant="secondary">
              Graph
            </ButtonLink>
          </>
        }
      />
      <UsageDashboard tenantSlug={tenantSlug} isAdmin={isAdmin} gatewayId={g.id} />
    </>
  );
}
