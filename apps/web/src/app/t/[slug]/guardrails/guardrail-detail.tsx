'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ShieldIcon, TrashIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Button, ButtonLink } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/dialog';
import { EmptyState } from '~/components/ui/empty-state';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { Loading } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { GuardrailForm } from './guardrail-form';
import { GuardrailReadOnly } from './guardrail-read-only';
import { ACTION_LABELS, ACTION_TONES, endpointHost, type Guardrail } from './labels';
import { SigningSecretPanel } from './signing-secret';

/**
 * One guardrail: the form, delete and secret rotation for owners and admins, what it does for
 * members. A signing secret just made shows above the form, this once; the draft below is kept.
 */
export function GuardrailDetail({
  tenantSlug,
  guardrailId,
  isAdmin,
}: {
  tenantSlug: string;
  guardrailId: string;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const guardrail = useQuery(trpc.guardrails.get.queryOptions({ id: guardrailId }));
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [deleting, setDeleting] = useState(false);
  const back = `/t/${tenantSlug}/guardrails`;
  const remove = useMutation(
    trpc.guardrails.remove.mutationOptions({
      onSuccess: async () => {
        router.push(back);
        queryClient.removeQueries(trpc.guardrails.get.queryFilter({ id: guardrailId }));
        await queryClient.invalidateQueries(trpc.guardrails.list.queryFilter());
      },
    }),
  );

  if (guardrail.isPending) return <Loading>Loading guardrail…</Loading>;
  if (guardrail.error)
    return (
      <EmptyState icon={ShieldIcon} title="Guardrail not available" description={guardrail.error.message}>
        <ButtonLink href={back} variant="secondary">
          Back to guardrails
        </ButtonLink>
      </EmptyState>
    );
  const g = guardrail.data;
  return (
    <>
      <BackLink href={back}>Guardrails</BackLink>
      <PageHeader
        title={g.name}
        description={g.description || undefined}
        actions={
          <span className="flex items-center gap-2">
            <Badge tone={ACTION_TONES[g.action]}>{ACTION_LABELS[g.action]}</Badge>
            {!g.enabled && <Badge tone="slate">Disabled</Badge>}
            {isAdmin && (
              <Button
                variant="secondary"
                size="sm"
                onClick={() => {
                  remove.reset();
                  setDeleting(true);
                }}
              >
                <TrashIcon className="size-4" />
                Delete
              </Button>
            )}
          </span>
        }
      />
      <div className="mt-6 flex flex-col gap-6">
        {isAdmin ? (
          <>
            {secret && (
              <SigningSecretPanel
                guardrailName={secret.name}
                secret={secret.value}
                doneLabel="I have stored it"
                onDone={() => setSecret(null)}
              />
            )}
            <GuardrailForm
              tenantSlug={tenantSlug}
              guardrail={g}
              onSecret={(saved) => setSecret({ name: saved.name, value: saved.signingSecret })}
            />
            {g.external && (
              <RotateSecret
                guardrail={g}
                host={endpointHost(g.external.url)}
                onRotated={(value) => setSecret({ name: g.name, value })}
              />
            )}
          </>
        ) : (
          <GuardrailReadOnly guardrail={g} />
        )}
      </div>
      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        title="Delete guardrail?"
        description={
          <>
            <strong>{g.name}</strong> stops applying to calls at once and cannot be restored
            {g.external ? ', and its signing secret is deleted' : ''}. To pause it instead, switch it off.
          </>
        }
        error={remove.error}
        confirmLabel="Delete guardrail"
        pending={remove.isPending}
        onConfirm={() => remove.mutate({ id: g.id })}
      />
    </>
  );
}

/** A new signing secret on request: the old one is no longer used, the new one is shown once. */
function RotateSecret({
  guardrail,
  host,
  onRotated,
}: {
  guardrail: Guardrail;
  host: string;
  onRotated: (secret: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const rotate = useMutation(
    trpc.guardrails.update.mutationOptions({
      onSuccess: async (saved) => {
        setConfirming(false);
        if (saved.signingSecret) onRotated(saved.signingSecret);
        await queryClient.invalidateQueries(trpc.guardrails.get.queryFilter({ id: saved.id }));
      },
    }),
  );
  return (
    <section
      aria-labelledby="rotate-heading"
      className="flex flex-col gap-3 rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200 sm:flex-row sm:items-center sm:justify-between"
    >
      <div>
        <h2 id="rotate-heading" className="text-sm font-medium text-slate-900">
          Signing secret
        </h2>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          Requests to {host} are signed with a secret that was shown once, when it was made. If it was lost or
          exposed, rotate it: a new one is made and shown once.
        </p>
      </div>
      <Button
        variant="secondary"
        onClick={() => {
          rotate.reset();
          setConfirming(true);
        }}
      >
        Rotate signing secret
      </Button>
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title="Rotate the signing secret?"
        description={
          <>
            Requests to {host} are signed with the new secret from now on, and the current one is no longer
            used. Until your endpoint has the new secret, its signature checks fail.
          </>
        }
        error={rotate.error}
        confirmLabel="Rotate secret"
        pending={rotate.isPending}
        onConfirm={() => rotate.mutate({ id: guardrail.id, patch: { rotateSecret: true } })}
      />
    </section>
  );
}
