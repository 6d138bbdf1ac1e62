'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { DecisionNoteForm } from '~/components/decision-note-form';
import { ShieldIcon } from '~/components/icons';
import { Alert, Notice } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { Dialog } from '~/components/ui/dialog';
import { EmptyState } from '~/components/ui/empty-state';
import { PageHeader } from '~/components/ui/page-header';
import { Spinner } from '~/components/ui/spinner';
import { timeAgo } from '~/components/time-ago';
import { useNow } from '~/components/use-now';
import { useTRPC } from '~/trpc/react';
import type { ToolChange } from './definition-changes';
import { DefinitionDiff } from './definition-diff';

type Show = 'pending' | 'rejected';
type Decision = 'approve' | 'reject';

const SCOPE_LABELS = { org: 'Organization', team: 'Team', personal: 'Personal' } as const;

/** What gateways serve of this tool while the change stands as it is. */
function servedNow(change: ToolChange, onToolChange: 'serve_approved' | 'disable' | undefined): string {
  if (change.kind === 'new')
    return change.status === 'pending'
      ? 'Not served by any gateway until approved.'
      : 'Rejected: not served by any gateway.';
  if (change.status === 'rejected') return 'Rejected: gateways serve the approved definition.';
  return onToolChange === 'disable'
    ? 'Switched off on every gateway until approved (workspace setting).'
    : 'Gateways keep serving the approved definition until this is approved.';
}

export function ToolChangesView({ tenantSlug, isAdmin }: { tenantSlug: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow();
  const [show, setShow] = useState<Show>('pending');
  const changes = useQuery({
    ...trpc.toolChanges.list.queryOptions({ status: show }),
    enabled: isAdmin,
    // Discoveries record changes while the page is open.
    refetchInterval: 30_000,
  });
  const settings = useQuery({ ...trpc.toolChanges.settings.queryOptions(), enabled: isAdmin });
  const [deciding, setDeciding] = useState<{ change: ToolChange; decision: Decision } | null>(null);
  const [decided, setDecided] = useState<{ tool: string; outcome: 'approved' | 'rejected' } | null>(null);
  const decide = useMutation(
    trpc.toolChanges.decide.mutationOptions({
      onSuccess: async (result) => {
        setDecided({ tool: result.toolChange.tool.name, outcome: result.outcome });
        setDeciding(null);
        await Promise.all([
          queryClient.invalidateQueries(trpc.toolChanges.list.queryFilter()),
          queryClient.invalidateQueries(trpc.toolChanges.pendingCount.queryFilter()),
        ]);
      },
      // The server may have changed the tool again: show what it lists now.
      onError: () => void queryClient.invalidateQueries(trpc.toolChanges.list.queryFilter()),
    }),
  );
  const open = (change: ToolChange, decision: Decision) => {
    decide.reset();
    setDeciding({ change, decision });
  };

  return (
    <>
      <PageHeader
        title="Tool changes"
        description="Gateways serve the tool definitions you approved. When a server adds a tool or changes one (its description, schemas or annotations), the change waits here: compare it with what gateways serve, then approve or reject it."
      />
      {!isAdmin ? (
        <Notice className="mt-6">Owners and admins review tool changes.</Notice>
      ) : (
        <>
          <div className="mt-6 flex flex-col gap-3">
            {decided && (
              <Alert tone="success">
                {decided.outcome === 'approved' ? 'Approved' : 'Rejected'} the change of{' '}
                <strong className="font-mono">{decided.tool}</strong>.{' '}
                {decided.outcome === 'approved'
                  ? 'Gateways serve the new definition now.'
                  : 'Gateways keep serving what they served.'}
              </Alert>
            )}
            <div className="flex flex-wrap items-center justify-between gap-3">
              <div role="group" aria-label="Show" className="inline-flex rounded-lg bg-slate-100 p-1">
                {(
                  [
                    ['pending', 'Waiting for review'],
                    ['rejected', 'Rejected'],
                  ] as const
                ).map(([value, label]) => (
                  <button
                    key={value}
                    type="button"
                    aria-pressed={show === value}
                    onClick={() => setShow(value)}
                    className={cx(
                      'rounded-md px-3 py-1.5 text-sm font-medium',
                      show === value
                        ? 'bg-white text-slate-900 shadow-xs'
                        : 'text-slate-600 hover:text-slate-900',
                    )}
                  >
                    {label}
                  </button>
                ))}
              </div>
              {settings.data && (
                <p className="text-sm text-slate-500">
                  New tools {settings.data.autoApproveNewTools ? 'are approved on sight' : 'wait for review'};
                  changed ones{' '}
                  {settings.data.onToolChange === 'disable'
                    ? 'are switched off meanwhile'
                    : 'keep their approved definition meanwhile'}
                  .{' '}
                  <Link href={`/t/${tenantSlug}/settings`} className="text-brand-700 hover:underline">
                    Settings
                  </Link>
                </p>
              )}
            </div>
          </div>
          <div className="mt-4 flex flex-col gap-4">
            {changes.isPending ? (
              <p role="status" className="flex items-center gap-2 text-sm text-slate-500">
                <Spinner className="size-4" /> Loading…
              </p>
            ) : changes.error ? (
              <Alert>{changes.error.message}</Alert>
            ) : changes.data.length === 0 ? (
              <div className="rounded-xl border border-slate-200 bg-white">
                <EmptyState
                  icon={ShieldIcon}
                  title={show === 'pending' ? 'No tool changes wait for review' : 'No rejected tool changes'}
                  description="When a discovery finds a tool whose definition differs from the approved one, or a new tool while new tools wait for review, it appears here."
                />
              </div>
            ) : (
              changes.data.map((change) => (
                <ChangeCard
                  key={change.id}
                  change={change}
                  now={now}
                  served={servedNow(change, settings.data?.onToolChange)}
                  onDecide={(decision) => open(change, decision)}
                />
              ))
            )}
          </div>
        </>
      )}
      <Dialog
        open={deciding !== null}
        onClose={() => setDeciding(null)}
        title={deciding?.decision === 'reject' ? 'Reject this change?' : 'Approve this change?'}
        description={
          deciding && (
            <>
              <span className="font-mono">{deciding.change.tool.name}</span> of {deciding.change.server.name}.{' '}
              {deciding.decision === 'approve'
                ? 'Every gateway exposing it serves the definition the server lists now.'
                : deciding.change.kind === 'new'
                  ? 'The tool stays off every gateway; this definition is not raised again.'
                  : 'Gateways keep serving the approved definition; this definition is not raised again.'}
            </>
          )
        }
      >
        {deciding && (
          <DecisionNoteForm
            key={`${deciding.change.id}-${deciding.decision}`}
            decision={deciding.decision}
            pending={decide.isPending}
            error={decide.error}
            onCancel={() => setDeciding(null)}
            onSubmit={(note) =>
              decide.mutate({
                id: deciding.change.id,
                decision: deciding.decision,
                note,
                pendingHash: deciding.change.pendingHash,
              })
            }
          />
        )}
      </Dialog>
    </>
  );
}

function ChangeCard({
  change,
  now,
  served,
  onDecide,
}: {
  change: ToolChange;
  now: number;
  served: string;
  onDecide: (decision: Decision) => void;
}) {
  const titleId = `change-${change.id}`;
  return (
    <article
      aria-labelledby={titleId}
      className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
    >
      <header className="flex flex-col gap-3 border-b border-slate-200 px-5 py-3.5 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <h2 id={titleId} className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
            <span className="font-mono">{change.tool.name}</span>
            <Badge tone="amber">{change.kind === 'new' ? 'New tool' : 'Changed'}</Badge>
            {change.status === 'rejected' && <Badge tone="slate">Rejected</Badge>}
          </h2>
          <p className="mt-0.5 text-sm text-slate-600">
            {change.server.name} · {change.installation.name} ({SCOPE_LABELS[change.installation.scope]}) ·
            listed since {timeAgo(change.since, now)}
          </p>
          <p className="mt-1 text-sm text-slate-500">{served}</p>
        </div>
        <div className="flex shrink-0 gap-2">
          {change.status === 'pending' && (
            <Button variant="secondary" size="sm" onClick={() => onDecide('reject')}>
              Reject
            </Button>
          )}
          <Button size="sm" onClick={() => onDecide('approve')}>
            Approve
          </Button>
        </div>
      </header>
      <div className="px-5 py-4">
        {change.kind === 'changed' && (
          <p className="mb-3 text-xs text-slate-500">
            <del className="rounded-sm bg-red-100 px-1 text-red-800">Removed</del> from the approved
            definition,{' '}
            <ins className="rounded-sm bg-emerald-100 px-1 text-emerald-900 no-underline">added</ins> by the
            server.
          </p>
        )}
        <DefinitionDiff approved={change.approved} pending={change.pending} />
      </div>
    </article>
  );
}
