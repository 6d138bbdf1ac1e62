'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ZCreateApiTokenRequest, type CreatedApiToken } from '@toolgate/api/schemas/tokens';
import Link from 'next/link';
import { useId, useState, type FormEvent } from 'react';
import { fieldErrors, type FieldErrors } from '@toolgate/api/schemas/field-errors';
import { CopyableValue } from '~/components/copy-button';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { FormActions } from '~/components/ui/dialog';
import { SelectField, TextField } from '~/components/ui/field';
import { useMaintainedTeams } from '~/components/use-maintained-teams';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';

type Scope = 'user' | 'team' | 'org';
type Capability = 'mcp' | 'admin';
type Field = 'name' | 'scope' | 'teamId' | 'capabilities' | 'expiresAt' | 'gatewayIds';

const DAY = 86_400_000;
const EXPIRY = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: 'never', label: 'Never' },
  { value: 'custom', label: 'Custom date…' },
];

const CAPABILITIES: { value: Capability; label: string; hint: string }[] = [
  { value: 'mcp', label: 'Call gateways', hint: 'MCP clients and agents.' },
  { value: 'admin', label: 'Use the REST API', hint: 'Automation, with the rights of the token’s scope.' },
];

/** The local date `yyyy-mm-dd` of a time, for a date input's `min`. */
const isoDate = (time: number) => {
  const d = new Date(time);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** The expiry as an ISO timestamp, null for never, or a message. */
function expiresAtOf(expiry: string, customDate: string): { value: string | null } | { error: string } {
  if (expiry === 'never') return { value: null };
  if (expiry !== 'custom') return { value: new Date(Date.now() + Number(expiry) * DAY).toISOString() };
  if (!customDate) return { error: 'Pick a date' };
  // The end of the chosen day, in the browser's time zone.
  const end = new Date(`${customDate}T23:59:59`);
  if (Number.isNaN(end.getTime())) return { error: 'Pick a valid date' };
  if (end.getTime() <= Date.now()) return { error: 'Pick a date in the future' };
  return { value: end.toISOString() };
}

export function CreateTokenForm({
  tenantSlug,
  isAdmin,
  onDone,
}: {
  tenantSlug: string;
  isAdmin: boolean;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Admins create tokens for any team; maintainers for the teams they maintain.
  const maintained = useMaintainedTeams(isAdmin);
  const teamTokens = isAdmin || maintained.size > 0;
  const teams = useQuery({ ...trpc.teams.list.queryOptions(), enabled: teamTokens });
  const teamChoices = isAdmin ? teams.data : teams.data?.filter((t) => maintained.has(t.id));
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('user');
  const [teamId, setTeamId] = useState('');
  const [capabilities, setCapabilities] = useState<Capability[]>(['mcp']);
  const [expiry, setExpiry] = useState('90');
  const [customDate, setCustomDate] = useState('');
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  /** null: every gateway the token's scope allows. */
  const [gatewayIds, setGatewayIds] = useState<string[] | null>(null);
  const { form, errors, setErrors, showErrors } = useFieldErrors<Field>();
  const [created, setCreated] = useState<CreatedApiToken | null>(null);

  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: async (token) => {
        setCreated(token);
        await queryClient.invalidateQueries(trpc.tokens.list.queryFilter());
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );

  const clear = (field: Field) => setErrors((err) => ({ ...err, [field]: undefined }));

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const expiresAt = expiresAtOf(expiry, customDate);
    const input = {
      name,
      scope,
      ...(scope === 'team' && teamId ? { teamId } : {}),
      capabilities,
      expiresAt: 'value' in expiresAt ? expiresAt.value : null,
      // The restriction is about calling gateways; a REST-only token has none.
      gatewayIds: capabilities.includes('mcp') ? gatewayIds : null,
    };
    const parsed = ZCreateApiTokenRequest.safeParse(input);
    const found: FieldErrors<Field> = parsed.success ? {} : fieldErrors(parsed.error);
    if ('error' in expiresAt) found.expiresAt = expiresAt.error;
    if (found.teamId) found.teamId = 'Pick a team';
    if (found.gatewayIds) found.gatewayIds = 'Pick at least one gateway, or let the token call all of them';
    if (Object.values(found).some(Boolean)) return showErrors(found);
    setErrors({});
    create.mutate(input);
  }

  if (created)
    return (
      <div className="flex flex-col gap-4">
        <Alert tone="success">Token “{created.name}” created.</Alert>
        <Notice>
          Copy it now and keep it somewhere safe — it will not be shown again. Anyone holding it can act as
          this token.
        </Notice>
        <CopyableValue value={created.token} label="Copy token" testId="new-token" />
        <div className="flex justify-end">
          <Button onClick={onDone}>Done</Button>
        </div>
      </div>
    );

  const fieldError = Object.values(errors).some(Boolean);
  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {create.error && !fieldError && <Alert>{create.error.message}</Alert>}
      <TextField
        label="Token name"
        name="name"
        autoFocus
        maxLength={100}
        placeholder="My laptop"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          clear('name');
        }}
        error={errors.name}
      />
      <SelectField
        label="Scope"
        name="scope"
        value={scope}
        onChange={(e) => {
          setScope(e.target.value as Scope);
          clear('scope');
          clear('teamId');
        }}
        options={[
          { value: 'user', label: 'Personal — acts as you' },
          ...(teamTokens ? [{ value: 'team', label: 'Team — acts for one team' }] : []),
          ...(isAdmin ? [{ value: 'org', label: 'Organization — sees every gateway' }] : []),
        ]}
        hint={
          isAdmin
            ? undefined
            : teamTokens
              ? 'Team tokens for the teams you maintain; organization tokens are created by owners and admins.'
              : 'Team and organization tokens are created by owners and admins.'
        }
        error={errors.scope}
      />
      {scope === 'team' &&
        (teamChoices?.length === 0 ? (
          <p className="text-sm text-slate-600">
            No teams yet —{' '}
            <Link href={`/t/${tenantSlug}/teams`} className="text-brand-700 hover:underline">
              create one first
            </Link>
            .
          </p>
        ) : (
          <SelectField
            label="Team"
            name="teamId"
            value={teamId}
            disabled={teams.isPending}
            onChange={(e) => {
              setTeamId(e.target.value);
              clear('teamId');
            }}
            options={[
              { value: '', label: teams.isPending ? 'Loading teams…' : 'Choose a team' },
              ...(teamChoices ?? []).map((t) => ({ value: t.id, label: t.name })),
            ]}
            error={
              errors.teamId ?? (teams.error ? `Could not load teams: ${teams.error.message}` : undefined)
            }
          />
        ))}
      <fieldset className="flex flex-col gap-2" aria-invalid={errors.capabilities ? true : undefined}>
        <legend className="text-sm font-medium text-slate-800">Can use</legend>
        {CAPABILITIES.map((c) => (
          <label key={c.value} className="flex items-start gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              className="mt-0.5 size-4 accent-brand-600"
              checked={capabilities.includes(c.value)}
              onChange={(e) => {
                setCapabilities((caps) =>
                  e.target.checked ? [...caps, c.value] : caps.filter((x) => x !== c.value),
                );
                clear('capabilities');
              }}
            />
            <span>
              <span className="font-medium text-slate-800">{c.label}</span>
              <span className="block text-slate-500">{c.hint}</span>
            </span>
          </label>
        ))}
        {errors.capabilities && <p className="text-sm text-red-600">{errors.capabilities}</p>}
      </fieldset>
      {capabilities.includes('mcp') && (gateways.data?.length ?? 0) > 0 && (
        <GatewayRestriction
          gateways={gateways.data ?? []}
          value={gatewayIds}
          onChange={(ids) => {
            setGatewayIds(ids);
            clear('gatewayIds');
          }}
          error={errors.gatewayIds}
        />
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="Expires"
          name="expiry"
          value={expiry}
          onChange={(e) => {
            setExpiry(e.target.value);
            clear('expiresAt');
          }}
          options={EXPIRY}
          error={expiry === 'custom' ? undefined : errors.expiresAt}
        />
        {expiry === 'custom' && (
          <TextField
            label="Expiry date"
            name="expiresOn"
            type="date"
            min={isoDate(Date.now() + DAY)}
            value={customDate}
            onChange={(e) => {
              setCustomDate(e.target.value);
              clear('expiresAt');
            }}
            error={errors.expiresAt}
          />
        )}
      </div>
      <FormActions
        onCancel={onDone}
        pending={create.isPending}
        pendingLabel="Creating…"
        submitLabel="Create token"
      />
    </form>
  );
}

/**
 * "Only these gateways": off, the token calls every gateway its scope allows; on, only those
 * ticked (elsewhere the proxy refuses it like an unknown token).
 */
function GatewayRestriction({
  gateways,
  value,
  onChange,
  error,
}: {
  gateways: { id: string; name: string; slug: string }[];
  value: string[] | null;
  onChange: (ids: string[] | null) => void;
  error?: string;
}) {
  const listId = useId();
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="sr-only">Gateways</legend>
      <label className="flex items-start gap-2 text-sm text-slate-700">
        <input
          type="checkbox"
          className="mt-0.5 size-4 accent-brand-600"
          checked={value !== null}
          aria-controls={listId}
          onChange={(e) => onChange(e.target.checked ? [] : null)}
        />
        <span>
          <span className="font-medium text-slate-800">Only these gateways</span>
          <span className="block text-slate-500">
            {value === null
              ? 'Off: the token calls every gateway its scope allows.'
              : 'Other gateways refuse the token.'}
          </span>
        </span>
      </label>
      {value !== null && (
        <div className="ml-6 flex flex-col gap-1.5">
          <ul
            id={listId}
            aria-label="Gateways this token may call"
            className={cx(
              'flex max-h-44 flex-col gap-0.5 overflow-y-auto rounded-lg p-1.5 ring-1',
              error ? 'ring-red-400' : 'ring-slate-200',
            )}
          >
            {gateways.map((g) => (
              <li key={g.id}>
                <label className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-50">
                  <input
                    type="checkbox"
                    className="size-4 accent-brand-600"
                    checked={value.includes(g.id)}
                    onChange={(e) =>
                      onChange(e.target.checked ? [...value, g.id] : value.filter((id) => id !== g.id))
                    }
                  />
                  <span className="min-w-0 truncate">{g.name}</span>
                  <span className="truncate font-mono text-xs text-slate-500">{g.slug}</span>
                </label>
              </li>
            ))}
          </ul>
          {error && <p className="text-sm text-red-600">{error}</p>}
        </div>
      )}
    </fieldset>
  );
}
