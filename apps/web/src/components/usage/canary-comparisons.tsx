'use client';

import { useQuery } from '@tanstack/react-query';
import type { Installation } from '@toolgate/api/schemas/installations';
import Link from 'next/link';
import { Alert } from '~/components/ui/alert';
import { useTRPC } from '~/trpc/react';
import { CanaryComparisonTable } from './canary-comparison-table';

const REFRESH_MS = 30_000;

/**
 * The workspace's running canaries on the usage dashboard: for each, stable and canary side by side
 * since it started (promote or roll back on the installation's page). Nothing when none runs.
 */
export function CanaryComparisons({ tenantSlug }: { tenantSlug: string }) {
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.installations.list.queryOptions(), refetchInterval: REFRESH_MS });
  const running = (list.data ?? []).map((i) => i.installation).filter((i) => i.canary !== null);
  if (running.length === 0) return null;
  return (
    <section aria-label="Canaries" className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
      <h2 className="mb-3 text-sm font-semibold text-slate-900">Canaries</h2>
      <div className="flex flex-col gap-5">
        {running.map((installation) => (
          <CanaryComparison key={installation.id} installation={installation} tenantSlug={tenantSlug} />
        ))}
      </div>
    </section>
  );
}

function CanaryComparison({ installation, tenantSlug }: { installation: Installation; tenantSlug: string }) {
  const trpc = useTRPC();
  const report = useQuery({
    ...trpc.installationVersions.canary.queryOptions({ installationId: installation.id }),
    refetchInterval: REFRESH_MS,
  });
  const canary = installation.canary!;
  return (
    <div className="flex flex-col gap-2">
      <p className="text-sm text-slate-700">
        <Link
          href={`/t/${tenantSlug}/servers/${installation.id}`}
          className="font-medium text-brand-700 hover:underline"
        >
          {installation.name}
        </Link>{' '}
        · <code className="font-mono text-xs">{canary.version}</code> for {canary.percent}% of callers
      </p>
      {report.error && <Alert>{report.error.message}</Alert>}
      {report.data?.comparison && (
        <CanaryComparisonTable
          comparison={report.data.comparison}
          label={`${installation.name}: stable and canary`}
        />
      )}
    </div>
  );
}
