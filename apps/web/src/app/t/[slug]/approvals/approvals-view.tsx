'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Approval } from '@toolgate/api/schemas/approvals';
import { useMemo, useState } from 'react';
import { DataTable } from '~/components/data-table';
import { DecisionNoteForm } from '~/components/decision-note-form';
import { CheckIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { cx } from '~/components/ui/cx';
import { Dialog } from '~/components/ui/dialog';
import { PageHeader } from '~/components/ui/page-header';
import { useNow } from '~/components/use-now';
import { useTRPC } from '~/trpc/react';
import { approvalColumns } from './approval-columns';

type Show = 'pending' | 'all';
type Decision = 'approve' | 'deny';

export function ApprovalsView({ isAdmin, highlightId }: { isAdmin: boolean; highlightId: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow();
  // A link to one request shows it whatever its status.
  const [show, setShow] = useState<Show>(highlightId ? 'all' : 'pending');
  const approvals = useQuery({
    ...trpc.approvals.list.queryOptions({ status: show }),
    // Requests arrive while the page is open; decisions by others too.
    refetchInterval: 15_000,
  });

  const [deciding, setDeciding] = useState<{ row: Approval; decision: Decision } | null>(null);
  const [decided, setDecided] = useState<Approval | null>(null);
  const decide = useMutation(
    trpc.approvals.decide.mutationOptions({
      onSuccess: async (result) => {
        setDecided(result);
        setDeciding(null);
        await Promise.all([
          queryClient.invalidateQueries(trpc.approvals.list.queryFilter()),
          queryClient.invalidateQueries(trpc.approvals.pendingCount.queryFilter()),
        ]);
      },
    }),
  );
  const open = (row: Approval, decision: Decision) => {
    decide.reset();
    setDeciding({ row, decision });
  };

  const columns = useMemo(() => approvalColumns({ now, onDecide: open }), [now]);

  return (
    <>
      <PageHeader
        title="Approvals"
        description={
          isAdmin
            ? 'Tool calls that policies hold until someone approves them. Approve and the caller’s retry of the same call passes once within 15 minutes; deny and your note goes back to their agent.'
            : 'Tool calls that policies hold until someone approves them: your own calls, and those of teams you maintain, which you decide.'
        }
      />
      <div className="mt-6 flex flex-col gap-3">
        {decided && (
          <Alert tone="success">
            {decided.status === 'approved' ? 'Approved' : 'Denied'} the call of{' '}
            <strong className="font-mono">{decided.tool}</strong>
            {decided.status === 'approved'
              ? '. If it is still waiting it runs now; otherwise the same call passes once if retried within 15 minutes.'
              : '.'}
          </Alert>
        )}
        <div role="group" aria-label="Show" className="inline-flex self-start rounded-lg bg-slate-100 p-1">
          {(
            [
              ['pending', 'Pending'],
              ['all', 'All requests'],
            ] as const
          ).map(([value, label]) => (
            <button
              key={value}
              type="button"
              aria-pressed={show === value}
              onClick={() => setShow(value)}
              className={cx(
                'rounded-md px-3 py-1.5 text-sm font-medium',
                show === value ? 'bg-white text-slate-900 shadow-xs' : 'text-slate-600 hover:text-slate-900',
              )}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      <div className="mt-4">
        <DataTable
          noun="approval requests"
          columns={columns}
          data={approvals.data}
          getRowId={(r) => r.id}
          isLoading={approvals.isPending}
          error={approvals.error}
          onRetry={() => void approvals.refetch()}
          searchPlaceholder="Search tools, callers, policies"
          initialSorting={[{ id: 'createdAt', desc: true }]}
          highlightRowId={highlightId}
          empty={{
            icon: CheckIcon,
            title: show === 'pending' ? 'Nothing waits for approval' : 'No approval requests yet',
            description:
              'When a policy whose action is “require approval” holds a call for the admins or a team, it appears here.',
          }}
        />
      </div>
      <Dialog
        open={deciding !== null}
        onClose={() => setDeciding(null)}
        title={deciding?.decision === 'deny' ? 'Deny this call?' : 'Approve this call?'}
        description={
          deciding && (
            <>
              <span className="font-mono">{deciding.row.tool}</span>, called by{' '}
              {deciding.row.caller.label || deciding.row.caller.principalId}
              {deciding.row.agent ? ` through ${deciding.row.agent}` : ''}.{' '}
              {deciding.decision === 'approve'
                ? 'The call runs once: now if it is still waiting, or when retried within 15 minutes.'
                : 'The call does not run; the note is returned to the caller’s agent.'}
            </>
          )
        }
      >
        {deciding && (
          <DecisionNoteForm
            key={`${deciding.row.id}-${deciding.decision}`}
            decision={deciding.decision}
            hint={
              deciding.decision === 'deny' ? 'Say why, or what to do instead: the agent reads it.' : undefined
            }
            pending={decide.isPending}
            error={decide.error}
            onCancel={() => setDeciding(null)}
            onSubmit={(note) => decide.mutate({ id: deciding.row.id, decision: deciding.decision, note })}
          />
        )}
      </Dialog>
    </>
  );
}
