'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ROLE_LABELS } from '~/components/shell/role-labels';
import { Alert, Notice } from '~/components/ui/alert';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { SelectField } from '~/components/ui/field';
import { Spinner } from '~/components/ui/spinner';
import { errorFields, useTRPC } from '~/trpc/react';

/** The owner picks another member to own the workspace; they stay on as an admin. */
export function TransferOwnershipDialog({
  open,
  workspaceName,
  userId,
  onClose,
}: {
  open: boolean;
  workspaceName: string;
  /** The owner handing it over. */
  userId: string;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Transfer ownership"
      description={`The member you choose becomes an owner of ${workspaceName}; you stay on as an admin and can no longer delete the workspace or hand it over.`}
    >
      <TransferForm ownerId={userId} onDone={onClose} />
    </Dialog>
  );
}

function TransferForm({ ownerId, onDone }: { ownerId: string; onDone: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  // Fresh each time: someone may have joined since the list was last loaded.
  const members = useQuery({ ...trpc.members.list.queryOptions(), refetchOnMount: 'always' });
  const [userId, setUserId] = useState('');
  const [error, setError] = useState<string | undefined>();
  const transfer = useMutation(
    trpc.workspace.transferOwnership.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.members.list.queryFilter());
        onDone();
        // The page is rendered for the caller's role, which is now admin.
        router.refresh();
      },
      onError: (err) => setError(errorFields(err).userId),
    }),
  );

  const others = (members.data ?? []).filter((m) => m.userId !== ownerId && m.role !== 'owner');
  // The cached list may predate someone's joining: wait for the fresh one before saying no one is there.
  if (members.isPending || (others.length === 0 && members.isFetching))
    return (
      <p role="status" className="flex items-center gap-2 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading members…
      </p>
    );
  if (members.error) return <Alert>{members.error.message}</Alert>;
  if (others.length === 0)
    return (
      <Notice>
        There is no one to hand the workspace to yet: invite someone on the Members page first. Members who
        are already owners are not listed.
      </Notice>
    );
  const chosen = others.find((m) => m.userId === userId);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!userId) return setError('Choose the member who will own the workspace');
    setError(undefined);
    transfer.mutate({ userId });
  }

  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {transfer.error && !error && <Alert>{transfer.error.message}</Alert>}
      <SelectField
        label="New owner"
        name="userId"
        value={userId}
        onChange={(e) => {
          setUserId(e.target.value);
          setError(undefined);
        }}
        options={[
          { value: '', label: 'Choose a member' },
          ...others.map((m) => ({
            value: m.userId,
            label: `${m.name ? `${m.name} (${m.email})` : m.email} · ${ROLE_LABELS[m.role]}`,
          })),
        ]}
        error={error}
      />
      {chosen && (
        <Notice role="status">
          {chosen.name ?? chosen.email} will own the workspace. You will be an admin.
        </Notice>
      )}
      <FormActions
        onCancel={onDone}
        pending={transfer.isPending}
        pendingLabel="Transferring…"
        submitLabel="Transfer ownership"
        variant="danger"
      />
    </form>
  );
}
