'use client';

import { useQuery } from '@tanstack/react-query';
import { ShieldIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { Loading } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { ACTION_LABELS, ACTION_TONES, APPROVER_LABELS, scopeText, type Policy } from './labels';
import { PolicyForm } from './policy-form';

/** One policy: the form for owners and admins, what it says for members. */
export function PolicyDetail({
  tenantSlug,
  policyId,
  isAdmin,
}: {
  tenantSlug: string;
  policyId: string;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const policy = useQuery(trpc.policies.get.queryOptions({ id: policyId }));
  const back = `/t/${tenantSlug}/policies`;
  if (policy.isPending) return <Loading>Loading policy…</Loading>;
  if (policy.error)
    return (
      <EmptyState icon={ShieldIcon} title="Policy not available" description={policy.error.message}>
        <ButtonLink href={back} variant="secondary">
          Back to policies
        </ButtonLink>
      </EmptyState>
    );
  return (
    <>
      <BackLink href={back}>Policies</BackLink>
      <PageHeader
        title={policy.data.name}
        description={policy.data.description || undefined}
        actions={
          <span className="flex gap-2">
            <Badge tone={ACTION_TONES[policy.data.action]}>{ACTION_LABELS[policy.data.action]}</Badge>
            {!policy.data.enabled && <Badge tone="slate">Disabled</Badge>}
          </span>
        }
      />
      <div className="mt-6">
        {isAdmin ? (
          <PolicyForm key={policy.data.updatedAt} tenantSlug={tenantSlug} policy={policy.data} />
        ) : (
          <PolicyReadOnly policy={policy.data} />
        )}
      </div>
    </>
  );
}

function PolicyReadOnly({ policy }: { policy: Policy }) {
  const trpc = useTRPC();
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  const names = new Map((gateways.data ?? []).map((g) => [g.id, g.name]));
  const approvers = policy.approvers;
  const teamName =
    approvers?.kind === 'team'
      ? approvers.teamId
        ? ((teams.data ?? []).find((t) => t.id === approvers.teamId)?.name ?? 'a team')
        : null
      : null;
  return (
    <dl
      aria-label="Policy"
      className="grid gap-4 rounded-xl bg-white p-5 text-sm shadow-xs ring-1 ring-slate-200 sm:grid-cols-3"
    >
      <div>
        <dt className="text-slate-500">Applies to</dt>
        <dd className="mt-1 text-slate-900">{scopeText(policy.gatewayIds, names, false)}</dd>
      </div>
      <div>
        <dt className="text-slate-500">Priority</dt>
        <dd className="mt-1 text-slate-900 tabular-nums">{policy.priority}</dd>
      </div>
      <div>
        <dt className="text-slate-500">Enabled</dt>
        <dd className="mt-1 text-slate-900">{policy.enabled ? 'Yes' : 'No: kept, but never evaluated'}</dd>
      </div>
      <div className="sm:col-span-3">
        <dt className="text-slate-500">Condition</dt>
        <dd className="mt-1">
          <pre className="overflow-x-auto rounded-md bg-slate-50 px-3 py-2 font-mono text-xs whitespace-pre-wrap text-slate-800 ring-1 ring-slate-200 ring-inset">
            {policy.condition}
          </pre>
        </dd>
      </div>
      <div>
        <dt className="text-slate-500">Action</dt>
        <dd className="mt-1 text-slate-900">{ACTION_LABELS[policy.action]}</dd>
      </div>
      {approvers && (
        <div>
          <dt className="text-slate-500">Who approves</dt>
          <dd className="mt-1 text-slate-900">
            {approvers.kind === 'team'
              ? teamName
                ? `The maintainers of ${teamName}, and owners and admins`
                : 'Owners and admins (the team was deleted)'
              : APPROVER_LABELS[approvers.kind]}
          </dd>
        </div>
      )}
      <div className="sm:col-span-3">
        <dt className="text-slate-500">Message</dt>
        <dd className="mt-1 text-slate-900">
          {policy.message || <span className="text-slate-400">None</span>}
        </dd>
      </div>
      <p className="text-xs text-slate-500 sm:col-span-3">Owners and admins change policies.</p>
    </dl>
  );
}
