'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { z } from 'zod';
import { KeyIcon, PencilIcon, TrashIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { useTRPC, type TrpcError } from '~/trpc/react';
import { EditRegistryEntryDialog } from './edit-registry-entry-dialog';
import { OAuthClientDialog } from './oauth-client-dialog';

/**
 * Edit and Delete on a tenant-private entry's row, and OAuth client on a remote OAuth server's, for
 * owners and admins (the caller decides who sees them; the services refuse everyone else). Catalog
 * entries are read-only: no Edit or Delete.
 */
export function RegistryEntryActions({
  entry,
  jwksUrl,
  oauthRedirectUri,
}: {
  entry: RegistryEntry;
  /** Toolgate's JWKS, which the edit form's Forwarded JWT option names. */
  jwksUrl: string;
  /** Toolgate's callback, the redirect URI a hand-registered OAuth client needs. */
  oauthRedirectUri: string;
}) {
  const [open, setOpen] = useState<'edit' | 'delete' | 'oauth-client' | null>(null);
  const oauth = entry.authKind === 'oauth' && entry.url !== null;
  if (entry.builtIn && !oauth) return null;
  return (
    <>
      {oauth && (
        <Button
          size="sm"
          variant="ghost"
          aria-label={`OAuth client for ${entry.name}`}
          title="OAuth client"
          onClick={() => setOpen('oauth-client')}
        >
          <KeyIcon className="size-4" />
        </Button>
      )}
      {!entry.builtIn && (
        <>
          <Button
            size="sm"
            variant="ghost"
            aria-label={`Edit ${entry.name}`}
            title="Edit"
            onClick={() => setOpen('edit')}
          >
            <PencilIcon className="size-4" />
          </Button>
          <Button
            size="sm"
            variant="ghost"
            aria-label={`Delete ${entry.name}`}
            title="Delete"
            onClick={() => setOpen('delete')}
          >
            <TrashIcon className="size-4" />
          </Button>
        </>
      )}
      {/* The dialogs sit in a right-aligned table cell; their text reads from the left. */}
      <div className="contents text-left">
        {oauth && (
          <OAuthClientDialog
            entry={entry}
            open={open === 'oauth-client'}
            redirectUri={oauthRedirectUri}
            onClose={() => setOpen(null)}
          />
        )}
        {!entry.builtIn && (
          <>
            <EditRegistryEntryDialog
              entry={entry}
              open={open === 'edit'}
              jwksUrl={jwksUrl}
              onClose={() => setOpen(null)}
            />
            <DeleteRegistryEntryDialog entry={entry} open={open === 'delete'} onClose={() => setOpen(null)} />
          </>
        )}
      </div>
    </>
  );
}

/** The 409's details: the installations that still use the entry. */
const ZInUse = z.object({
  installations: z.array(z.object({ id: z.string(), name: z.string(), scope: z.string() })),
});
type InUse = z.infer<typeof ZInUse>['installations'];

const inUseOf = (error: TrpcError | null): InUse | null => {
  if (error?.data?.code !== 'CONFLICT') return null;
  const parsed = ZInUse.safeParse(error.data.details);
  return parsed.success ? parsed.data.installations : null;
};

const SCOPE_NAMES: Record<string, string> = {
  org: 'organization',
  team: 'team',
  personal: 'personal',
};

function DeleteRegistryEntryDialog({
  entry,
  open,
  onClose,
}: {
  entry: RegistryEntry;
  open: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug: tenantSlug } = useParams<{ slug: string }>();
  const remove = useMutation(
    trpc.registry.delete.mutationOptions({
      onSuccess: async () => {
        onClose();
        await queryClient.invalidateQueries(trpc.registry.list.queryFilter());
      },
    }),
  );
  const close = () => {
    remove.reset();
    onClose();
  };
  const inUse = inUseOf(remove.error);

  return (
    <Dialog
      open={open}
      onClose={close}
      title={`Delete ${entry.name}?`}
      description={
        <>
          The server leaves your registry and its tools leave every gateway (
          <code className="font-mono">{entry.slug}__…</code>). A server that is installed cannot be deleted:
          remove its installations first.
        </>
      }
    >
      <div className="flex flex-col gap-4">
        {inUse ? (
          <Alert>
            <p className="font-medium">
              {entry.name} is still installed. Remove{' '}
              {inUse.length === 1 ? 'this installation' : `these ${inUse.length} installations`} first, then
              delete the server:
            </p>
            <ul className="mt-2 flex list-disc flex-col gap-1 pl-5" aria-label="Installations using it">
              {inUse.map((i) => (
                <li key={i.id}>
                  <Link href={`/t/${tenantSlug}/servers/${i.id}`} className="font-medium underline">
                    {i.name}
                  </Link>{' '}
                  ({SCOPE_NAMES[i.scope] ?? i.scope})
                </li>
              ))}
            </ul>
          </Alert>
        ) : (
          remove.error && <Alert>{remove.error.message}</Alert>
        )}
        <div className="flex justify-end gap-3">
          <Button variant="secondary" onClick={close}>
            {inUse ? 'Close' : 'Cancel'}
          </Button>
          {!inUse && (
            <Button
              variant="danger"
              pending={remove.isPending}
              onClick={() => remove.mutate({ entryId: entry.id })}
            >
              {remove.isPending ? 'Deleting…' : 'Delete server'}
            </Button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
