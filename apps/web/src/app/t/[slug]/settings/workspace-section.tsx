'use client';

import { useMutation } from '@tanstack/react-query';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { ZRenameWorkspaceRequest } from '@toolgate/api/schemas/workspace';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';
import { DeleteWorkspaceDialog } from './delete-workspace-dialog';
import { TransferOwnershipDialog } from './transfer-ownership-dialog';

export interface WorkspaceInfo {
  name: string;
  slug: string;
  roleLabel: string;
  /** `https://mcp.example.com/mcp/`: gateway URLs are this, the slug, then the gateway's slug. */
  mcpBase: string;
}

const SLUG_MAX = 40;
const NAME_MAX = 100;

/**
 * The workspace's name and URL: owners and admins rename it (a new slug moves every gateway URL,
 * which the form says before saving), owners also hand it over and delete it. Others read.
 */
export function WorkspaceSection({
  workspace,
  userId,
  canRename,
  isOwner,
}: {
  workspace: WorkspaceInfo;
  userId: string;
  canRename: boolean;
  isOwner: boolean;
}) {
  const rows: [string, string][] = [
    ['Workspace name', workspace.name],
    ['Workspace URL', `/t/${workspace.slug}`],
    ['Gateway URLs', `${workspace.mcpBase}${workspace.slug}/<gateway>`],
    ['Your role', workspace.roleLabel],
  ];
  return (
    <>
      <section
        aria-labelledby="workspace-general-title"
        className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
      >
        <h2
          id="workspace-general-title"
          className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900"
        >
          General
        </h2>
        {canRename ? (
          <RenameForm workspace={workspace} />
        ) : (
          <>
            <dl className="divide-y divide-slate-100">
              {rows.map(([label, value]) => (
                <div key={label} className="grid grid-cols-3 gap-4 px-5 py-3.5 text-sm">
                  <dt className="text-slate-500">{label}</dt>
                  <dd className="col-span-2 font-medium break-all text-slate-900">{value}</dd>
                </div>
              ))}
            </dl>
            <p className="border-t border-slate-100 px-5 py-3.5 text-sm text-slate-600">
              Owners and admins can rename the workspace; its owners can hand it over or delete it.
            </p>
          </>
        )}
      </section>
      {isOwner && <OwnerSection workspace={workspace} userId={userId} />}
    </>
  );
}

function RenameForm({ workspace }: { workspace: WorkspaceInfo }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState(workspace.name);
  const [slug, setSlug] = useState(workspace.slug);
  const [saved, setSaved] = useState<string | null>(null);
  const { form, errors, setErrors, showErrors, clearError } = useFieldErrors<'name' | 'slug' | ''>();
  const rename = useMutation(
    trpc.workspace.rename.mutationOptions({
      onSuccess: (renamed) => {
        if (renamed.slug !== workspace.slug) {
          // The old URL no longer answers: carry on at the new one.
          router.replace(`/t/${renamed.slug}/settings`);
          return;
        }
        setSaved(`Saved. The workspace is now called ${renamed.name}.`);
        router.refresh();
      },
      onError: (error) => showErrors(errorFields(error)),
    }),
  );

  const nextName = name.trim();
  const nextSlug = slug.trim();
  const slugChanged = nextSlug !== workspace.slug;
  const changed = nextName !== workspace.name || slugChanged;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = {
      ...(nextName !== workspace.name ? { name } : {}),
      ...(slugChanged ? { slug: nextSlug } : {}),
    };
    const parsed = ZRenameWorkspaceRequest.safeParse(input);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error));
    setErrors({});
    setSaved(null);
    rename.mutate(input);
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5 px-5 py-4 sm:max-w-xl">
      {rename.error && !errors.name && !errors.slug && <Alert>{rename.error.message}</Alert>}
      {saved && !changed && <Alert tone="success">{saved}</Alert>}
      <p className="text-sm text-slate-600">
        Your role: <span className="font-medium text-slate-900">{workspace.roleLabel}</span>
      </p>
      <TextField
        label="Workspace name"
        name="name"
        autoComplete="off"
        maxLength={NAME_MAX}
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setSaved(null);
          clearError('name');
        }}
        error={errors.name}
      />
      <TextField
        label="Workspace URL"
        name="slug"
        autoComplete="off"
        spellCheck={false}
        prefix="/t/"
        maxLength={SLUG_MAX}
        value={slug}
        onChange={(e) => {
          setSlug(e.target.value.toLowerCase());
          setSaved(null);
          clearError('slug');
        }}
        error={errors.slug}
        hint={
          <>
            Also the workspace&apos;s part of every gateway URL:{' '}
            <code className="font-mono break-all">
              {workspace.mcpBase}
              {nextSlug || workspace.slug}/&lt;gateway&gt;
            </code>
          </>
        }
      />
      {slugChanged && (
        <Notice role="status">
          <p className="font-medium">Changing the URL changes every gateway URL of this workspace.</p>
          <p className="mt-1">
            MCP clients set up with{' '}
            <code className="font-mono break-all">
              {workspace.mcpBase}
              {workspace.slug}/…
            </code>{' '}
            stop working at once: give them the new URLs. Bookmarks of this workspace&apos;s pages break too.
          </p>
        </Notice>
      )}
      {errors[''] && <Alert>{errors['']}</Alert>}
      <div>
        <Button type="submit" pending={rename.isPending} disabled={!changed}>
          {rename.isPending ? 'Saving…' : slugChanged ? 'Save and change URLs' : 'Save'}
        </Button>
      </div>
    </form>
  );
}

function OwnerSection({ workspace, userId }: { workspace: WorkspaceInfo; userId: string }) {
  const [open, setOpen] = useState<'transfer' | 'delete' | null>(null);
  return (
    <section
      aria-labelledby="workspace-owner-title"
      className="mt-8 overflow-hidden rounded-xl border border-red-200 bg-white shadow-xs"
    >
      <h2
        id="workspace-owner-title"
        className="border-b border-red-200 px-5 py-3.5 text-sm font-semibold text-slate-900"
      >
        Ownership and deletion
      </h2>
      <div className="divide-y divide-slate-100">
        <div className="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-center sm:justify-between">
          <div className="text-sm">
            <p className="font-medium text-slate-900">Transfer ownership</p>
            <p className="text-slate-600">Make another member the owner; you stay on as an admin.</p>
          </div>
          <Button variant="secondary" onClick={() => setOpen('transfer')}>
            Transfer ownership
          </Button>
        </div>
        <div className="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-center sm:justify-between">
          <div className="text-sm">
            <p className="font-medium text-slate-900">Delete this workspace</p>
            <p className="text-slate-600">
              Its gateways stop answering at once; all of its data is then erased. This cannot be undone.
            </p>
          </div>
          <Button variant="danger" onClick={() => setOpen('delete')}>
            Delete workspace
          </Button>
        </div>
      </div>
      <TransferOwnershipDialog
        open={open === 'transfer'}
        workspaceName={workspace.name}
        userId={userId}
        onClose={() => setOpen(null)}
      />
      <DeleteWorkspaceDialog open={open === 'delete'} workspace={workspace} onClose={() => setOpen(null)} />
    </section>
  );
}
