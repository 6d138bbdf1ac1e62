'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { errorFields, useTRPC } from '~/trpc/react';
import type { WorkspaceInfo } from './workspace-section';

/** Deletes the workspace once its owner has typed its slug. */
export function DeleteWorkspaceDialog({
  open,
  workspace,
  onClose,
}: {
  open: boolean;
  workspace: WorkspaceInfo;
  onClose: () => void;
}) {
  return (
    <Dialog open={open} onClose={onClose} title={`Delete ${workspace.name}?`}>
      <DeleteForm workspace={workspace} onCancel={onClose} />
    </Dialog>
  );
}

function DeleteForm({ workspace, onCancel }: { workspace: WorkspaceInfo; onCancel: () => void }) {
  const trpc = useTRPC();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>();
  const remove = useMutation(
    trpc.workspace.delete.mutationOptions({
      // A full load: every cached page and query of this workspace is gone; /t picks another
      // workspace of the caller's, or offers to create one.
      onSuccess: () => window.location.assign('/t'),
      onError: (err) => setError(errorFields(err).confirmSlug),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (typed.trim() !== workspace.slug) return setError(`Type "${workspace.slug}" to confirm`);
    setError(undefined);
    remove.mutate({ confirmSlug: typed.trim() });
  }

  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      <div className="flex flex-col gap-2 text-sm text-slate-700">
        <p>
          Everyone loses access at once: its gateways stop answering, its API tokens stop working and its
          members can no longer open it.
        </p>
        <p>
          A background job then erases all of its data: servers and their stored credentials, gateways, teams,
          tokens, usage and the audit log. This cannot be undone.
        </p>
      </div>
      {remove.error && !error && <Alert>{remove.error.message}</Alert>}
      <TextField
        label={`Type ${workspace.slug} to confirm`}
        name="confirmSlug"
        autoComplete="off"
        spellCheck={false}
        autoFocus
        maxLength={200}
        value={typed}
        onChange={(e) => {
          setTyped(e.target.value);
          setError(undefined);
        }}
        error={error}
      />
      <FormActions
        onCancel={onCancel}
        pending={remove.isPending}
        pendingLabel="Deleting…"
        submitLabel="Delete workspace"
        variant="danger"
      />
    </form>
  );
}
