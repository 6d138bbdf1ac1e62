'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { InstallationRequest } from '@toolgate/api/schemas/installation-requests';
import type { DiscoveredInstallation, Installation } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { useId, useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { SelectField, TextAreaField, TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { useMaintainedTeams } from '~/components/use-maintained-teams';
import { errorFields, useTRPC } from '~/trpc/react';
import { scopeLabel } from './labels';
import { StatusBadge } from './status-badge';

type Scope = Installation['scope'];

/**
 * What the dialog is for: installing (an admin for anyone; a member for themselves, or asking
 * for the organization or a team), or an admin approving a member's request.
 */
export type InstallIntent =
  | { kind: 'install'; entry: RegistryEntry; scope: Scope }
  | { kind: 'approve'; entry: RegistryEntry; request: InstallationRequest };

export function InstallDialog({
  intent,
  isAdmin,
  onClose,
}: {
  intent: InstallIntent | null;
  isAdmin: boolean;
  onClose: () => void;
}) {
  const title = !intent
    ? 'Install'
    : intent.kind === 'approve'
      ? `Approve ${intent.entry.name}`
      : `Install ${intent.entry.name}`;
  const description =
    intent?.kind === 'approve'
      ? 'Enter the credentials for this connection; the requester never sees them.'
      : isAdmin
        ? "Creates a connection and discovers the server's tools."
        : 'Install it for yourself, or ask an owner or admin to install it for everyone or a team.';
  return (
    <Dialog open={intent !== null} onClose={onClose} title={title} description={description}>
      {intent && (
        <InstallForm
          key={intent.kind === 'approve' ? intent.request.id : `${intent.entry.id}:${intent.scope}`}
          intent={intent}
          isAdmin={isAdmin}
          onDone={onClose}
        />
      )}
    </Dialog>
  );
}

function InstallForm({
  intent,
  isAdmin,
  onDone,
}: {
  intent: InstallIntent;
  isAdmin: boolean;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { entry } = intent;
  const approving = intent.kind === 'approve';
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [scope, setScope] = useState<Scope>(intent.kind === 'approve' ? intent.request.scope : intent.scope);
  const [teamId, setTeamId] = useState(intent.kind === 'approve' ? (intent.request.teamId ?? '') : '');
  const [reason, setReason] = useState('');
  /** '' = the registry entry's name. */
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  // The server's field messages, with the focus on the first field that has one.
  const { form: formRef, errors, setErrors, showErrors: showServerErrors } = useFieldErrors<string>();
  const [result, setResult] = useState<DiscoveredInstallation | null>(null);
  const [requested, setRequested] = useState<InstallationRequest | null>(null);

  // Members install for themselves and for the teams they maintain; for the rest they ask.
  const maintained = useMaintainedTeams(isAdmin);
  const asking =
    !approving && !isAdmin && scope !== 'personal' && !(scope === 'team' && maintained.has(teamId));

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
      queryClient.invalidateQueries(trpc.installationRequests.list.queryFilter()),
    ]);
  const install = useMutation(
    trpc.installations.create.mutationOptions({
      onSuccess: async (discovered) => {
        setResult(discovered);
        await refresh();
      },
      onError: (error) => showServerErrors(errorFields(error)),
    }),
  );
  const approve = useMutation(
    trpc.installationRequests.approve.mutationOptions({
      onSuccess: async (approved) => {
        setResult(approved.installation);
        await refresh();
      },
      onError: (error) => showServerErrors(errorFields(error)),
    }),
  );
  const ask = useMutation(
    trpc.installationRequests.create.mutationOptions({
      onSuccess: async (created) => {
        setRequested(created);
        await refresh();
      },
      onError: (error) => showServerErrors(errorFields(error)),
    }),
  );
  const pending = install.isPending || approve.isPending || ask.isPending;
  const failure = install.error ?? approve.error ?? ask.error;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (scope === 'team' && !teamId) found.teamId = 'Choose a team';
    if (!asking) {
      for (const f of entry.installFields) {
        if (f.required && !values[f.key]?.trim()) found[f.key] = `Enter ${f.label.toLowerCase()}`;
      }
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const team = scope === 'team' ? { teamId } : {};
    if (asking) {
      ask.mutate({ registryEntryId: entry.id, scope, ...team, reason });
      return;
    }
    const filled = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== ''));
    const named = name.trim() ? { name: name.trim() } : {};
    if (intent.kind === 'approve') approve.mutate({ id: intent.request.id, ...named, values: filled });
    else install.mutate({ registryEntryId: entry.id, ...named, scope, ...team, values: filled });
  }

  if (requested) {
    return (
      <div className="flex flex-col gap-4" aria-live="polite">
        <Alert tone="success">
          Request sent. An owner or admin will review it; follow it under Requests on this page.
        </Alert>
        <div className="flex justify-end">
          <Button onClick={onDone}>Done</Button>
        </div>
      </div>
    );
  }
  if (result) return <DiscoveryResult result={result} entry={entry} onDone={onDone} />;

  const teamNames = new Map((teams.data ?? []).map((t) => [t.id, t.name]));
  const fieldError = Object.values(errors).some(Boolean);
  return (
    <form ref={formRef} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {failure && !fieldError && <Alert>{failure.message}</Alert>}
      {errors.values && <Alert>{errors.values}</Alert>}
      {approving ? (
        <p className="text-sm text-slate-700">
          For <span className="font-medium">{scopeLabel({ scope, teamId }, teamNames)}</span>, requested by{' '}
          {intent.request.requestedBy?.name ?? intent.request.requestedBy?.email ?? 'a former member'}
          {intent.request.reason ? `: “${intent.request.reason}”` : '.'}
        </p>
      ) : (
        <ScopePicker
          scope={scope}
          onScope={(s) => {
            setScope(s);
            setErrors({});
          }}
          teamId={teamId}
          onTeam={(id) => {
            setTeamId(id);
            setErrors((err) => ({ ...err, teamId: undefined }));
          }}
          teams={teams.data ?? []}
          teamsLoading={teams.isPending}
          isAdmin={isAdmin}
          maintainsTeams={maintained.size > 0}
          teamError={errors.teamId}
        />
      )}
      {!asking && (
        <TextField
          label="Name"
          name="name"
          autoComplete="off"
          maxLength={100}
          placeholder={entry.name}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setErrors((err) => ({ ...err, name: undefined }));
          }}
          error={errors.name}
          hint={`Optional: “${entry.name}” unless you name it. A second installation in the same place needs a name of its own.`}
        />
      )}
      {asking ? (
        <TextAreaField
          label="Why do you need it?"
          rows={3}
          maxLength={2000}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          hint="Optional. Owners and admins see this with your request, and enter the credentials when they approve it."
        />
      ) : entry.installFields.length === 0 ? (
        <p className="text-sm text-slate-600">This server needs no credentials.</p>
      ) : (
        entry.installFields.map((f, i) => (
          <TextField
            key={f.key}
            label={f.label}
            name={f.key}
            type={f.secret ? 'password' : 'text'}
            autoComplete="off"
            autoFocus={i === 0}
            maxLength={10_000}
            value={values[f.key] ?? ''}
            onChange={(e) => {
              setValues((v) => ({ ...v, [f.key]: e.target.value }));
              setErrors((err) => ({ ...err, [f.key]: undefined }));
            }}
            error={errors[f.key]}
            hint={f.secret ? 'Stored encrypted; never shown again.' : f.description}
          />
        ))
      )}
      <FormActions
        onCancel={onDone}
        pending={pending}
        pendingLabel={asking ? 'Sending…' : 'Installing and discovering…'}
        submitLabel={asking ? 'Request' : approving ? 'Approve and install' : 'Install'}
      />
    </form>
  );
}

const SCOPES: { value: Scope; label: string; hint: string }[] = [
  { value: 'org', label: 'Everyone in the organization', hint: 'One shared connection.' },
  { value: 'team', label: 'A team', hint: "The team's members use this connection." },
  { value: 'personal', label: 'Just me', hint: 'Your own connection, with your own credentials.' },
];

function ScopePicker({
  scope,
  onScope,
  teamId,
  onTeam,
  teams,
  teamsLoading,
  isAdmin,
  maintainsTeams,
  teamError,
}: {
  scope: Scope;
  onScope: (scope: Scope) => void;
  teamId: string;
  onTeam: (id: string) => void;
  teams: { id: string; name: string }[];
  teamsLoading: boolean;
  isAdmin: boolean;
  /** A maintainer installs for the teams they maintain without asking. */
  maintainsTeams: boolean;
  teamError?: string;
}) {
  const name = useId();
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1.5 text-sm font-medium text-slate-800">Who is it for?</legend>
      {SCOPES.map((option) => (
        <label
          key={option.value}
          className="flex cursor-pointer items-start gap-3 rounded-lg px-3 py-2 ring-1 ring-slate-200 has-checked:bg-brand-50/60 has-checked:ring-brand-500"
        >
          <input
            type="radio"
            name={name}
            value={option.value}
            checked={scope === option.value}
            onChange={() => onScope(option.value)}
            className="mt-1 accent-brand-600"
          />
          <span className="text-sm">
            <span className="font-medium text-slate-900">{option.label}</span>
            {!isAdmin && option.value !== 'personal' && (
              <span className="ml-1.5 text-xs text-amber-700">
                {option.value === 'team' && maintainsTeams
                  ? 'needs approval unless you maintain the team'
                  : 'needs approval'}
              </span>
            )}
            <span className="block text-slate-500">{option.hint}</span>
          </span>
        </label>
      ))}
      {scope === 'team' && (
        <SelectField
          label="Team"
          name="teamId"
          value={teamId}
          onChange={(e) => onTeam(e.target.value)}
          options={[
            { value: '', label: teamsLoading ? 'Loading teams…' : 'Choose a team' },
            ...teams.map((t) => ({ value: t.id, label: t.name })),
          ]}
          error={teamError}
          hint={!teamsLoading && teams.length === 0 ? 'This workspace has no teams yet.' : undefined}
        />
      )}
    </fieldset>
  );
}

function DiscoveryResult({
  result,
  entry,
  onDone,
}: {
  result: DiscoveredInstallation;
  entry: RegistryEntry;
  onDone: () => void;
}) {
  const { installation, tools } = result;
  return (
    <div className="flex flex-col gap-4" aria-live="polite">
      <div className="flex items-center gap-2 text-sm text-slate-700">
        Discovery: <StatusBadge status={installation.status} />
      </div>
      {installation.lastError && <Alert>{installation.lastError}</Alert>}
      {installation.status === 'ready' && (
        <Alert tone="success">
          Found {tools.length} {tools.length === 1 ? 'tool' : 'tools'} on {entry.name}.
        </Alert>
      )}
      {tools.length > 0 && (
        <ul
          className="flex max-h-60 flex-col divide-y divide-slate-100 overflow-auto rounded-lg ring-1 ring-slate-200"
          aria-label="Discovered tools"
        >
          {tools.map((t) => (
            <li key={t.id} className="px-3 py-2">
              <code className="font-mono text-sm text-slate-900">{t.name}</code>
              {t.description && <p className="line-clamp-1 text-xs text-slate-500">{t.description}</p>}
            </li>
          ))}
        </ul>
      )}
      <div className="flex justify-end">
        <Button onClick={onDone}>Done</Button>
      </div>
    </div>
  );
}
