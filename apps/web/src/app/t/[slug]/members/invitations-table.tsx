'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { canInviteAs } from '@toolgate/api/member-permissions';
import type { Invitation, IssuedInvitation } from '@toolgate/api/schemas/invitations';
import { useMemo, useState, type ReactNode } from 'react';
import type { MemberRole } from '@toolgate/api/schemas/members';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { EnvelopeIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { ConfirmDialog, Dialog } from '~/components/ui/dialog';
import { useTRPC } from '~/trpc/react';
import { IssuedLink } from './issued-link';
import { RoleBadge } from './members-table';

const column = dataTableColumnHelper<Invitation>();

/** Pending invitations (owners and admins only): who, as what, by whom, until when; resend or revoke. */
export function InvitationsTable({ role, inviteButton }: { role: MemberRole; inviteButton: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invitations = useQuery(trpc.invitations.list.queryOptions());
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const [resent, setResent] = useState<IssuedInvitation | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.invitations.list.queryFilter());

  const resend = useMutation(
    trpc.invitations.resend.mutationOptions({
      onMutate: () => setRowError(null),
      onSuccess: async (invitation) => {
        setResent(invitation);
        await refresh();
      },
      onError: (error) => setRowError(error.message),
    }),
  );
  const revoke = useMutation(
    trpc.invitations.revoke.mutationOptions({
      onSuccess: async () => {
        setRevoking(null);
        await refresh();
      },
    }),
  );

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor('email', {
          header: 'Email',
          sortFn: 'text',
          cell: (info) => <span className="font-medium text-slate-900">{info.getValue()}</span>,
        }),
        column.accessor('role', {
          header: 'Role',
          enableGlobalFilter: false,
          meta: { className: 'w-32', skeleton: 'badge' },
          cell: (info) => <RoleBadge role={info.getValue()} />,
        }),
        column.accessor((i) => i.invitedBy?.name ?? i.invitedBy?.email ?? '', {
          id: 'invitedBy',
          header: 'Invited by',
          sortFn: 'text',
          meta: { className: 'w-48' },
          cell: (info) => info.getValue() || <span className="text-slate-400">—</span>,
        }),
        column.accessor('expiresAt', {
          header: 'Expires',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-36' },
          cell: (info) =>
            info.row.original.expired ? (
              <Badge tone="amber">Expired</Badge>
            ) : (
              <DateCell value={info.getValue()} />
            ),
        }),
        column.display({
          id: 'actions',
          header: () => <span className="sr-only">Actions</span>,
          meta: { className: 'w-44 text-right' },
          cell: (info) => {
            const invitation = info.row.original;
            return (
              <div className="flex justify-end gap-1">
                {canInviteAs(role, invitation.role) && (
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-label={`Resend invitation to ${invitation.email}`}
                    pending={resend.isPending && resend.variables?.invitationId === invitation.id}
                    onClick={() => resend.mutate({ invitationId: invitation.id })}
                  >
                    Resend
                  </Button>
                )}
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Revoke invitation to ${invitation.email}`}
                  onClick={() => setRevoking(invitation)}
                >
                  Revoke
                </Button>
              </div>
            );
          },
        }),
      ]),
    [role, resend],
  );

  return (
    <section aria-labelledby="pending-invitations" className="flex flex-col gap-4">
      <div>
        <h2 id="pending-invitations" className="text-base font-semibold text-slate-900">
          Pending invitations
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Invitations not accepted yet. Resending makes a new link (valid 7 days) and retires the old one.
        </p>
      </div>
      {rowError && <Alert>{rowError}</Alert>}
      <DataTable
        noun="invitations"
        columns={columns}
        data={invitations.data}
        getRowId={(i) => i.id}
        isLoading={invitations.isPending}
        error={invitations.error}
        onRetry={() => void invitations.refetch()}
        searchPlaceholder="Search by email"
        initialSorting={[{ id: 'expiresAt', desc: true }]}
        empty={{
          icon: EnvelopeIcon,
          title: 'No pending invitations',
          description:
            'Invite colleagues by email. Their invitations wait here until they accept, and you can resend or revoke them.',
          action: inviteButton,
        }}
      />
      <Dialog
        open={resent !== null}
        onClose={() => setResent(null)}
        title="Invitation sent again"
        description="The previous link no longer works."
      >
        {resent && (
          <div className="flex flex-col gap-6">
            <IssuedLink invitation={resent} />
            <div className="flex justify-end">
              <Button onClick={() => setResent(null)}>Done</Button>
            </div>
          </div>
        )}
      </Dialog>
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => {
          revoke.reset();
          setRevoking(null);
        }}
        title="Revoke invitation?"
        description={
          <>
            The link sent to <strong>{revoking?.email}</strong> stops working immediately. You can invite them
            again later.
          </>
        }
        error={revoke.error}
        confirmLabel="Revoke invitation"
        pending={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate({ invitationId: revoking.id })}
      />
    </section>
  );
}
