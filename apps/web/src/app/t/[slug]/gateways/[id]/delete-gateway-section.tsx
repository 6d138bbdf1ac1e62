'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Gateway } from '@toolgate/api/schemas/gateways';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { useTRPC } from '~/trpc/react';

/** Deleting a gateway stops it at once on every proxy; the admin confirms by typing its slug. */
export function DeleteGatewaySection({ gateway, tenantSlug }: { gateway: Gateway; tenantSlug: string }) {
  const [open, setOpen] = useState(false);
  return (
    <section
      aria-labelledby="danger-heading"
      className="max-w-2xl rounded-xl p-5 ring-1 ring-red-200 ring-inset"
    >
      <h2 id="danger-heading" className="text-base font-semibold text-red-700">
        Delete this gateway
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        Clients connected to it stop working immediately. Its tool assignments are deleted; the servers and
        their installations stay.
      </p>
      <Button variant="danger" className="mt-4" onClick={() => setOpen(true)}>
        Delete gateway
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Delete gateway?"
        description={
          <>
            This deletes <strong>{gateway.name}</strong> and cannot be undone.
          </>
        }
      >
        <ConfirmDelete gateway={gateway} tenantSlug={tenantSlug} onCancel={() => setOpen(false)} />
      </Dialog>
    </section>
  );
}

function ConfirmDelete({
  gateway,
  tenantSlug,
  onCancel,
}: {
  gateway: Gateway;
  tenantSlug: string;
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState('');
  const remove = useMutation(
    trpc.gateways.delete.mutationOptions({
      onSuccess: async () => {
        // The list refetches when it mounts; this page's own query is left alone so it does not
        // flash "not found" while the router leaves.
        await queryClient.invalidateQueries(trpc.gateways.list.queryFilter());
        router.push(`/t/${tenantSlug}/gateways`);
      },
    }),
  );
  const confirmed = typed.trim() === gateway.slug;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (confirmed) remove.mutate({ id: gateway.id });
  }

  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {remove.error && <Alert>{remove.error.message}</Alert>}
      <TextField
        label={`Type ${gateway.slug} to confirm`}
        name="confirm"
        autoFocus
        autoComplete="off"
        spellCheck={false}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
      />
      <div className="flex justify-end gap-3">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="danger" disabled={!confirmed} pending={remove.isPending}>
          Delete gateway
        </Button>
      </div>
    </form>
  );
}
