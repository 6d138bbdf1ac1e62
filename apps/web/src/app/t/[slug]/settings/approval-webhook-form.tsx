'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApprovalWebhookChange } from '@toolgate/api/schemas/approval-webhook';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { CopyableValue } from '~/components/copy-button';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { Spinner } from '~/components/ui/spinner';
import { errorFields, useTRPC } from '~/trpc/react';

const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The approval webhook: where new and decided approval requests are POSTed, signed. Owners and
 * admins set its URL, rotate its signing secret (shown once, right after it is made) and remove
 * it; members only learn whether there is one.
 */
export function ApprovalWebhookForm({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const webhook = useQuery(trpc.approvals.webhook.queryOptions());
  const current = webhook.data;

  return (
    <section
      aria-labelledby="approval-webhook-title"
      className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs"
    >
      <h2
        id="approval-webhook-title"
        className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900"
      >
        Approval webhook
      </h2>
      <div className="flex flex-col gap-5 px-5 py-4">
        <p className="text-sm text-slate-600">
          Each tool call a policy holds for approval is emailed to its approvers (when this server sends mail)
          and, with a webhook, POSTed as JSON to your endpoint, as is its decision. Requests are signed in the{' '}
          <code className="font-mono text-xs">toolgate-signature</code> header with a secret Toolgate makes.
        </p>
        {webhook.isPending ? (
          <p role="status" className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading…
          </p>
        ) : webhook.error ? (
          <Alert>{webhook.error.message}</Alert>
        ) : !isAdmin ? (
          <p className="text-sm text-slate-600" data-testid="approval-webhook-status">
            {current?.configured ? 'A webhook is set up.' : 'No webhook is set up.'} Owners and admins manage
            it.
          </p>
        ) : (
          <AdminControls
            url={current?.url ?? null}
            secretCreatedAt={current?.secretCreatedAt ?? null}
            previousSecretExpiresAt={current?.previousSecretExpiresAt ?? null}
          />
        )}
      </div>
    </section>
  );
}

function AdminControls({
  url,
  secretCreatedAt,
  previousSecretExpiresAt,
}: {
  url: string | null;
  secretCreatedAt: string | null;
  previousSecretExpiresAt: string | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(url ?? '');
  const [secret, setSecret] = useState<string | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const onChanged = async (change: ApprovalWebhookChange) => {
    queryClient.setQueryData(trpc.approvals.webhook.queryKey(), change.webhook);
    if (change.secret) setSecret(change.secret);
    await queryClient.invalidateQueries(trpc.approvals.webhook.queryFilter());
  };
  const save = useMutation(
    trpc.approvals.setWebhook.mutationOptions({
      onSuccess: async (change) => {
        await onChanged(change);
        if (!change.secret) setSaved('Saved. Requests go to the new URL, signed with the same secret.');
      },
    }),
  );
  const rotate = useMutation(trpc.approvals.rotateWebhookSecret.mutationOptions({ onSuccess: onChanged }));
  const remove = useMutation(
    trpc.approvals.removeWebhook.mutationOptions({
      onSuccess: async (data) => {
        queryClient.setQueryData(trpc.approvals.webhook.queryKey(), data);
        setConfirmRemove(false);
        setDraft('');
        setSaved('Removed. Nothing more is sent.');
        await queryClient.invalidateQueries(trpc.approvals.webhook.queryFilter());
      },
    }),
  );
  const urlError = errorFields(save.error).url;
  const busy = save.isPending || rotate.isPending || remove.isPending;

  if (secret) return <NewSecret secret={secret} onDone={() => setSecret(null)} />;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    save.mutate({ url: draft.trim() });
  }

  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4 sm:max-w-xl">
      {saved && <Alert tone="success">{saved}</Alert>}
      <TextField
        label="Endpoint URL"
        name="approvalWebhookUrl"
        type="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://hooks.example.com/toolgate"
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          setSaved(null);
          save.reset();
        }}
        error={urlError}
        hint="https only. Addresses in private networks are refused."
      />
      {save.error && !urlError && <Alert>{save.error.message}</Alert>}
      {rotate.error && <Alert>{rotate.error.message}</Alert>}
      {remove.error && <Alert>{remove.error.message}</Alert>}
      {url && secretCreatedAt && (
        <p className="text-sm text-slate-600">
          Signing secret made {when(secretCreatedAt)}.
          {previousSecretExpiresAt &&
            ` Until ${when(previousSecretExpiresAt)} requests are also signed with the previous one.`}
        </p>
      )}
      {confirmRemove ? (
        <Notice role="status">
          <p className="font-medium">
            Remove the webhook? Nothing more is sent to it, and its secret is forgotten.
          </p>
          <div className="mt-3 flex gap-2">
            <Button variant="danger" size="sm" pending={remove.isPending} onClick={() => remove.mutate()}>
              Remove webhook
            </Button>
            <Button variant="secondary" size="sm" onClick={() => setConfirmRemove(false)}>
              Cancel
            </Button>
          </div>
        </Notice>
      ) : (
        <div className="flex flex-wrap gap-2">
          <Button
            type="submit"
            pending={save.isPending}
            disabled={busy || !draft.trim() || draft.trim() === url}
          >
            {url ? 'Save URL' : 'Add webhook'}
          </Button>
          {url && (
            <>
              <Button
                variant="secondary"
                pending={rotate.isPending}
                disabled={busy}
                onClick={() => rotate.mutate()}
              >
                Rotate secret
              </Button>
              <Button variant="ghost" disabled={busy} onClick={() => setConfirmRemove(true)}>
                Remove…
              </Button>
            </>
          )}
        </div>
      )}
    </form>
  );
}

/** The signing secret just made: the only time it is shown. */
function NewSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => panel.current?.focus(), []);
  return (
    <div ref={panel} tabIndex={-1} className="flex flex-col gap-4 outline-none sm:max-w-xl">
      <p className="text-sm font-medium text-slate-900">Signing secret</p>
      <CopyableValue value={secret} label="Copy signing secret" testId="approval-webhook-secret" />
      <Notice>
        <strong>Shown once.</strong> Store it with your endpoint, which checks each request with it: Toolgate
        keeps it sealed and will not show it again. If it is lost, rotate it.
      </Notice>
      <div>
        <Button onClick={onDone}>Done</Button>
      </div>
    </div>
  );
}
