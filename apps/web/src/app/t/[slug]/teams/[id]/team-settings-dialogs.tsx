'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  ZTeamGatewayRef,
  ZTeamUsage,
  ZUpdateTeamRequest,
  type TeamDetail,
  type TeamUsage,
} from '@toolgate/api/schemas/team-management';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import Link from 'next/link';
import { useState, type FormEvent, type ReactNode } from 'react';
import { z } from 'zod';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC, type TrpcError } from '~/trpc/react';

export function RenameTeamDialog({
  open,
  team,
  onClose,
  onRenamed,
}: {
  open: boolean;
  team: TeamDetail;
  onClose: () => void;
  onRenamed: (message: string) => void;
}) {
  return (
    <Dialog open={open} onClose={onClose} title="Rename team">
      <RenameForm team={team} onCancel={onClose} onRenamed={onRenamed} />
    </Dialog>
  );
}

function RenameForm({
  team,
  onCancel,
  onRenamed,
}: {
  team: TeamDetail;
  onCancel: () => void;
  onRenamed: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(team.name);
  const { form, errors, setErrors, showErrors } = useFieldErrors<'name'>();
  const rename = useMutation(
    trpc.teams.update.mutationOptions({
      onSuccess: async (renamed) => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.teams.get.queryFilter({ teamId: team.id })),
          queryClient.invalidateQueries(trpc.teams.list.queryFilter()),
        ]);
        onRenamed(`The team is now called ${renamed.name}.`);
      },
      onError: (error) => showErrors(errorFields(error)),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = ZUpdateTeamRequest.safeParse({ name });
    if (!parsed.success) return showErrors(fieldErrors(parsed.error));
    setErrors({});
    rename.mutate({ teamId: team.id, name });
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {rename.error && !errors.name && <Alert>{rename.error.message}</Alert>}
      <TextField
        label="Team name"
        name="name"
        autoFocus
        autoComplete="off"
        maxLength={100}
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setErrors({});
        }}
        error={errors.name}
        hint={
          <>
            The slug stays <code className="font-mono">{team.slug}</code>: API clients and identity providers
            that name the team by it keep working.
          </>
        }
      />
      <div className="mt-2 flex justify-end gap-3">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" pending={rename.isPending} disabled={name.trim() === team.name}>
          {rename.isPending ? 'Saving…' : 'Rename team'}
        </Button>
      </div>
    </form>
  );
}

/** Why a delete was refused, from the 409's details. */
const ZInUse = ZTeamUsage.extend({ reason: z.literal('team-in-use') });
const ZLastTeam = z.object({ reason: z.literal('last-team-of-gateway'), gateways: z.array(ZTeamGatewayRef) });
type Refusal =
  | { kind: 'in-use'; usage: TeamUsage }
  | { kind: 'last-team'; gateways: z.infer<typeof ZTeamGatewayRef>[]; message: string }
  | { kind: 'other'; message: string };

function refusalOf(error: TrpcError): Refusal {
  const details: unknown = error.data?.details;
  const inUse = ZInUse.safeParse(details);
  if (inUse.success) return { kind: 'in-use', usage: inUse.data };
  const lastTeam = ZLastTeam.safeParse(details);
  if (lastTeam.success)
    return { kind: 'last-team', gateways: lastTeam.data.gateways, message: error.message };
  return { kind: 'other', message: error.message };
}

/**
 * Deletes the team. A team still in use is refused with what uses it; "Detach and delete" then
 * takes it off its gateways and deletes its installations and tokens. A gateway shared with this
 * team only cannot be detached: the dialog says so and offers nothing that would fail.
 */
export function DeleteTeamDialog({
  open,
  team,
  tenantSlug,
  onClose,
  onDeleted,
}: {
  open: boolean;
  team: TeamDetail;
  tenantSlug: string;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const remove = useMutation(
    trpc.teams.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.teams.list.queryFilter());
        onDeleted();
      },
      onError: (error) => setRefusal(refusalOf(error)),
    }),
  );
  const close = () => {
    remove.reset();
    setRefusal(null);
    onClose();
  };
  const gatewayLink = (g: { id: string; name: string }) => (
    <Link key={g.id} href={`/t/${tenantSlug}/gateways/${g.id}`} className="text-brand-700 hover:underline">
      {g.name}
    </Link>
  );

  return (
    <Dialog
      open={open}
      onClose={close}
      title={`Delete ${team.name}?`}
      description="The team and its member list are deleted; its members stay in the workspace."
    >
      <div className="flex flex-col gap-4">
        {refusal?.kind === 'in-use' && (
          <Notice role="status">
            <p className="font-medium">{team.name} is still in use.</p>
            <TeamUsageList usage={refusal.usage} gatewayLink={gatewayLink} />
            <p className="mt-2">Detach and delete {detachEffects(refusal.usage)}.</p>
          </Notice>
        )}
        {refusal?.kind === 'last-team' && (
          <Alert>
            <p>{refusal.message}.</p>
            <p className="mt-1">
              Shared with this team only:{' '}
              {refusal.gateways.map((g, i) => (
                <span key={g.id}>
                  {i > 0 && ', '}
                  {gatewayLink(g)}
                </span>
              ))}
            </p>
          </Alert>
        )}
        {refusal?.kind === 'other' && <Alert>{refusal.message}</Alert>}
        <div className="flex justify-end gap-3">
          <Button variant="secondary" onClick={close}>
            {refusal?.kind === 'last-team' ? 'Close' : 'Cancel'}
          </Button>
          {refusal?.kind === 'in-use' ? (
            <Button
              variant="danger"
              pending={remove.isPending}
              onClick={() => remove.mutate({ teamId: team.id, detach: true })}
            >
              Detach and delete
            </Button>
          ) : refusal?.kind === 'last-team' ? null : (
            <Button
              variant="danger"
              pending={remove.isPending}
              onClick={() => remove.mutate({ teamId: team.id })}
            >
              Delete team
            </Button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

/** "takes the team off its gateway and deletes its API token (it stops working)". */
function detachEffects({ gateways, installations, tokens }: TeamUsage): string {
  const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
  const effects = [
    gateways.length > 0 && `takes the team off its ${plural(gateways.length, 'gateway', 'gateways')}`,
    installations.length > 0 &&
      `deletes its ${plural(installations.length, 'installation', 'installations')} with their stored credentials`,
    tokens.length > 0 &&
      `deletes its API ${plural(tokens.length, 'token (it stops working)', 'tokens (they stop working)')}`,
  ].filter((e): e is string => Boolean(e));
  return effects.length > 1 ? `${effects.slice(0, -1).join(', ')} and ${effects.at(-1)}` : (effects[0] ?? '');
}

function TeamUsageList({
  usage,
  gatewayLink,
}: {
  usage: TeamUsage;
  gatewayLink: (g: { id: string; name: string }) => ReactNode;
}) {
  return (
    <ul className="mt-2 flex list-disc flex-col gap-1 pl-5">
      {usage.gateways.length > 0 && (
        <li>
          Shared with {usage.gateways.length === 1 ? 'gateway' : 'gateways'}{' '}
          {usage.gateways.map((g, i) => (
            <span key={g.id}>
              {i > 0 && ', '}
              {gatewayLink(g)}
            </span>
          ))}
        </li>
      )}
      {usage.installations.map((i) => (
        <li key={i.id}>
          Installation <span className="font-medium">{i.name}</span>
          {i.pinnedBy.length > 0 &&
            ` — tools pinned to it on ${i.pinnedBy.map((g) => g.slug).join(', ')} go with it`}
        </li>
      ))}
      {usage.tokens.length > 0 && (
        <li>
          {usage.tokens.length} team API {usage.tokens.length === 1 ? 'token' : 'tokens'}:{' '}
          {usage.tokens.map((t) => t.name).join(', ')}
        </li>
      )}
    </ul>
  );
}
