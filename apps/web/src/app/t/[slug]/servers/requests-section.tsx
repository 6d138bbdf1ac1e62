'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { InstallationRequest } from '@toolgate/api/schemas/installation-requests';
import { useMemo, useState, type FormEvent } from 'react';
import { DataTable, dataTableColumnHelper } from '~/components/data-table';
import { ServerIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { TextAreaField } from '~/components/ui/field';
import { useTRPC } from '~/trpc/react';
import { REQUEST_STATUS_LABELS, scopeLabel } from './labels';

const column = dataTableColumnHelper<InstallationRequest>();

const STATUS_TONES = {
  pending: 'amber',
  approved: 'green',
  rejected: 'slate',
  cancelled: 'slate',
} as const;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const person = (p: InstallationRequest['requestedBy']) => p?.name ?? p?.email ?? 'A former member';

/**
 * Installation requests: owners and admins see everyone's and decide on pending ones (Approve
 * opens the install dialog for the credentials); members see their own and may cancel them.
 */
export function RequestsSection({
  isAdmin,
  onApprove,
}: {
  isAdmin: boolean;
  onApprove: (request: InstallationRequest) => void;
}) {
  const trpc = useTRPC();
  const requests = useQuery(trpc.installationRequests.list.queryOptions());
  const [rejecting, setRejecting] = useState<InstallationRequest | null>(null);

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((r) => `${r.entry.name} ${r.entry.slug} ${r.reason}`, {
          id: 'server',
          header: 'Server',
          sortFn: 'text',
          cell: (info) => {
            const r = info.row.original;
            return (
              <div className="min-w-0">
                <p className="truncate font-medium text-slate-900">{r.entry.name}</p>
                {r.reason && <p className="line-clamp-2 text-xs text-slate-500">“{r.reason}”</p>}
              </div>
            );
          },
        }),
        column.accessor(
          (r) => scopeLabel(r, new Map(r.teamId && r.teamName ? [[r.teamId, r.teamName]] : [])),
          {
            id: 'scope',
            header: 'For',
            sortFn: 'text',
            meta: { className: 'w-40' },
          },
        ),
        column.accessor((r) => person(r.requestedBy), {
          id: 'requestedBy',
          header: 'Requested by',
          sortFn: 'text',
          meta: { className: 'w-48' },
        }),
        column.accessor((r) => r.createdAt, {
          id: 'createdAt',
          header: 'Asked',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-32' },
          cell: (info) => (
            <span className="text-slate-600 tabular-nums">
              {dateFormat.format(new Date(info.getValue()))}
            </span>
          ),
        }),
        column.accessor((r) => r.status, {
          id: 'status',
          header: 'Status',
          sortFn: 'text',
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-56', skeleton: 'badge' },
          cell: (info) => {
            const r = info.row.original;
            return (
              <div className="flex flex-col items-start gap-1">
                <Badge tone={STATUS_TONES[r.status]}>{REQUEST_STATUS_LABELS[r.status]}</Badge>
                {r.decisionNote && <p className="text-xs text-slate-500">“{r.decisionNote}”</p>}
                {r.decidedBy && r.status !== 'pending' && (
                  <p className="text-xs text-slate-400">by {person(r.decidedBy)}</p>
                )}
              </div>
            );
          },
        }),
        column.display({
          id: 'actions',
          header: () => <span className="sr-only">Actions</span>,
          meta: { className: 'w-48 text-right' },
          cell: (info) => (
            <RequestActions
              request={info.row.original}
              isAdmin={isAdmin}
              onApprove={onApprove}
              onReject={setRejecting}
            />
          ),
        }),
      ]),
    [isAdmin, onApprove],
  );

  return (
    <section aria-labelledby="requests-heading" className="flex flex-col gap-4">
      <div>
        <h2 id="requests-heading" className="text-base font-semibold text-slate-900">
          Requests
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          {isAdmin
            ? 'Members ask for servers for the organization or their team. Approving installs the server with credentials you enter.'
            : 'What you asked owners and admins to install, and what they decided.'}
        </p>
      </div>
      <DataTable
        noun="requests"
        columns={columns}
        data={requests.data}
        getRowId={(r) => r.id}
        isLoading={requests.isPending}
        error={requests.error}
        onRetry={() => void requests.refetch()}
        searchPlaceholder="Search requests"
        initialSorting={[{ id: 'createdAt', desc: true }]}
        facets={[
          {
            columnId: 'status',
            allLabel: 'All statuses',
            options: Object.entries(REQUEST_STATUS_LABELS).map(([value, label]) => ({ value, label })),
          },
        ]}
        empty={{
          icon: ServerIcon,
          title: 'No requests',
          description: isAdmin
            ? 'When a member asks for a server for the organization or a team, it shows up here.'
            : 'Use Request on a server above to ask for it for the organization or your team.',
        }}
      />
      <RejectDialog request={rejecting} onClose={() => setRejecting(null)} />
    </section>
  );
}

function RequestActions({
  request: r,
  isAdmin,
  onApprove,
  onReject,
}: {
  request: InstallationRequest;
  isAdmin: boolean;
  onApprove: (request: InstallationRequest) => void;
  onReject: (request: InstallationRequest) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cancel = useMutation(
    trpc.installationRequests.cancel.mutationOptions({
      onSettled: () => queryClient.invalidateQueries(trpc.installationRequests.list.queryFilter()),
    }),
  );
  if (r.status !== 'pending') return null;
  const label = `${r.entry.name} for ${person(r.requestedBy)}`;
  if (isAdmin)
    return (
      <div className="flex justify-end gap-2">
        <Button size="sm" variant="secondary" onClick={() => onApprove(r)} aria-label={`Approve ${label}`}>
          Approve
        </Button>
        <Button size="sm" variant="ghost" onClick={() => onReject(r)} aria-label={`Reject ${label}`}>
          Reject
        </Button>
      </div>
    );
  return (
    <div className="flex flex-col items-end gap-1">
      <Button
        size="sm"
        variant="ghost"
        pending={cancel.isPending}
        onClick={() => cancel.mutate({ id: r.id })}
        aria-label={`Cancel request for ${r.entry.name}`}
      >
        Cancel
      </Button>
      {cancel.error && <p className="text-xs text-red-600">{cancel.error.message}</p>}
    </div>
  );
}

function RejectDialog({ request, onClose }: { request: InstallationRequest | null; onClose: () => void }) {
  return (
    <Dialog
      open={request !== null}
      onClose={onClose}
      title={request ? `Reject ${request.entry.name}` : 'Reject'}
      description="The requester sees your note."
    >
      {request && <RejectForm key={request.id} request={request} onDone={onClose} />}
    </Dialog>
  );
}

function RejectForm({ request, onDone }: { request: InstallationRequest; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const reject = useMutation(
    trpc.installationRequests.reject.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.installationRequests.list.queryFilter());
        onDone();
      },
    }),
  );
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    reject.mutate({ id: request.id, note });
  }
  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {reject.error && <Alert>{reject.error.message}</Alert>}
      <TextAreaField
        label="Note"
        rows={3}
        maxLength={2000}
        autoFocus
        value={note}
        onChange={(e) => setNote(e.target.value)}
        placeholder="Why not, or what to use instead"
      />
      <FormActions
        onCancel={onDone}
        cancelLabel="Keep pending"
        pending={reject.isPending}
        submitLabel="Reject request"
        variant="danger"
      />
    </form>
  );
}
