'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { ChevronLeftIcon, GatewayIcon } from '~/components/icons';
import { ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { PageHeader } from '~/components/ui/page-header';
import { Spinner } from '~/components/ui/spinner';
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
  if (gateway.isPending)
    return (
      <div role="status" className="flex items-center gap-2 py-16 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading gateway…
      </div>
    );
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
      <Link
        href={`${base}/gateways/${g.id}`}
        className="mb-4 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-800"
      >
        <ChevronLeftIcon className="size-4" /> {g.name}
      </Link>
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
