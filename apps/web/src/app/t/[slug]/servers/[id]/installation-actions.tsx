'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { InstallationDetail as Detail } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { RetryIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { Switch } from '~/components/ui/switch';
import { useTRPC } from '~/trpc/react';
import { EditInstallationDialog } from './edit-installation-dialog';

/** The installation page's header: on/off, re-discovery, edit and delete, for those who manage it. */
export function HeaderActions({
  detail,
  entry,
  stdioBlocked,
  back,
  onSaved,
}: {
  detail: Detail;
  entry: RegistryEntry | undefined;
  stdioBlocked: boolean;
  back: string;
  onSaved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { installation } = detail;
  const [deleting, setDeleting] = useState(false);
  const [editing, setEditing] = useState(false);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installation.id })),
      queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
    ]);
  const discover = useMutation(trpc.installations.discover.mutationOptions({ onSettled: refresh }));
  const setEnabled = useMutation(trpc.installations.setEnabled.mutationOptions({ onSettled: refresh }));
  const error = discover.error ?? setEnabled.error;
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex items-center gap-3">
        <span className="flex items-center gap-2 text-sm text-slate-700">
          <Switch
            label={`${installation.name} enabled`}
            checked={setEnabled.isPending ? setEnabled.variables.enabled : installation.enabled}
            pending={setEnabled.isPending}
            disabled={stdioBlocked && !installation.enabled}
            onChange={(enabled) => setEnabled.mutate({ id: installation.id, enabled })}
          />
          Enabled
        </span>
        <Button
          variant="secondary"
          pending={discover.isPending}
          disabled={stdioBlocked}
          onClick={() => discover.mutate({ id: installation.id })}
        >
          {!discover.isPending && <RetryIcon className="size-4" />}
          {discover.isPending ? 'Refreshing…' : 'Refresh tools'}
        </Button>
        <Button variant="secondary" onClick={() => setEditing(true)}>
          Edit
        </Button>
        <Button variant="danger" onClick={() => setDeleting(true)}>
          Delete
        </Button>
      </div>
      {error && <p className="text-sm text-red-600">{error.message}</p>}
      <EditInstallationDialog
        open={editing}
        installation={installation}
        entry={entry}
        onClose={() => setEditing(false)}
        onSaved={(message) => {
          setEditing(false);
          onSaved(message);
        }}
      />
      <DeleteDialog open={deleting} detail={detail} back={back} onClose={() => setDeleting(false)} />
    </div>
  );
}

function DeleteDialog({
  open,
  detail,
  back,
  onClose,
}: {
  open: boolean;
  detail: Detail;
  back: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { installation, pinnedBy } = detail;
  const close = () => {
    remove.reset();
    onClose();
  };
  const remove = useMutation(
    trpc.installations.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.installations.list.queryFilter());
        router.push(back);
      },
    }),
  );
  return (
    <Dialog
      open={open}
      onClose={close}
      title={`Delete ${installation.name}?`}
      description="Its tools and stored credentials are deleted. Gateways that resolve this server at call time use another installation, if the caller has one."
    >
      <div className="flex flex-col gap-4">
        {pinnedBy.length > 0 && (
          <Alert>
            Gateways pin tools to this installation: {pinnedBy.map((g) => g.name).join(', ')}. Change those
            assignments first.
          </Alert>
        )}
        {remove.error && <Alert>{remove.error.message}</Alert>}
        <div className="flex justify-end gap-3">
          <Button variant="secondary" onClick={close}>
            Keep it
          </Button>
          <Button
            variant="danger"
            pending={remove.isPending}
            disabled={pinnedBy.length > 0}
            onClick={() => remove.mutate({ id: installation.id })}
          >
            Delete installation
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
