'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { GuardrailAction, GuardrailDirection } from '@toolgate/core/dlp';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { GatewayScope } from '~/components/gateway-scope';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { SelectField, TextAreaField, TextField } from '~/components/ui/field';
import { Switch } from '~/components/ui/switch';
import { useTRPC, type TrpcError } from '~/trpc/react';
import { ExternalField } from './external-field';
import {
  draftErrors,
  draftOf,
  emptyDraft,
  guardrailInput,
  patternRow,
  serverErrors,
  withoutErrorsUnder,
  type DraftErrors,
  type GuardrailDraft,
} from './guardrail-draft';
import {
  ACTION_HINTS,
  ACTION_LABELS,
  DETECTORS,
  DIRECTION_HINTS,
  DIRECTION_LABELS,
  endpointHost,
  type Guardrail,
  type GuardrailWithSecret,
} from './labels';
import { PatternsField } from './patterns-field';

/**
 * Adds a guardrail or changes one (owners and admins). The browser checks what it can (custom
 * patterns with the server's own RE2 check); the server's refusals show at the same fields, and the
 * draft is kept as typed. A save that makes a signing secret hands it to `onSecret` to be shown
 * once; any other save goes back to the list.
 */
export function GuardrailForm({
  tenantSlug,
  guardrail,
  onSecret,
}: {
  tenantSlug: string;
  guardrail?: Guardrail;
  onSecret: (saved: GuardrailWithSecret & { signingSecret: string }) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  const [draft, setDraft] = useState<GuardrailDraft>(() => (guardrail ? draftOf(guardrail) : emptyDraft()));
  const [errors, setErrors] = useState<DraftErrors>({});
  // Focus moves once the messages are on the page.
  const [focusRequests, setFocusRequests] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const back = `/t/${tenantSlug}/guardrails`;
  useEffect(() => {
    if (focusRequests > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequests]);

  const showErrors = (found: DraftErrors) => {
    setErrors(found);
    setFocusRequests((n) => n + 1);
  };
  const onSaved = async (saved: GuardrailWithSecret) => {
    await queryClient.invalidateQueries(trpc.guardrails.list.queryFilter());
    await queryClient.invalidateQueries(trpc.guardrails.get.queryFilter({ id: saved.id }));
    if (saved.signingSecret) onSecret({ ...saved, signingSecret: saved.signingSecret });
    else router.push(`${back}?saved=${saved.id}`);
  };
  const onError = (error: TrpcError) => showErrors(serverErrors(error));
  const create = useMutation(trpc.guardrails.create.mutationOptions({ onSuccess: onSaved, onError }));
  const update = useMutation(trpc.guardrails.update.mutationOptions({ onSuccess: onSaved, onError }));
  const saving = create.isPending || update.isPending;
  const saveError = create.error ?? update.error;

  /** Changes fields and drops the messages about them (and about what they contain). */
  const change = (patch: Partial<GuardrailDraft>, ...fields: string[]) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((e) => fields.reduce(withoutErrorsUnder, e));
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found = draftErrors(draft);
    if (Object.values(found).some(Boolean)) return showErrors(found);
    setErrors({});
    const input = guardrailInput(draft);
    if (guardrail) update.mutate({ id: guardrail.id, patch: input });
    else create.mutate(input);
  }

  const fieldError = Object.values(errors).some(Boolean);
  return (
    <form
      ref={form}
      noValidate
      onSubmit={onSubmit}
      aria-label={guardrail ? `Edit ${guardrail.name}` : 'New guardrail'}
      className="flex flex-col gap-6 rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200"
    >
      {saveError && !fieldError && <Alert>{saveError.message}</Alert>}
      <TextField
        label="Name"
        name="name"
        maxLength={100}
        value={draft.name}
        onChange={(e) => change({ name: e.target.value }, 'name')}
        error={errors.name}
        hint="Shown in the audit log with what it found."
      />
      <TextAreaField
        label="Description"
        name="description"
        rows={2}
        maxLength={2000}
        value={draft.description}
        onChange={(e) => change({ description: e.target.value }, 'description')}
        error={errors.description}
        hint="Optional, for admins."
      />
      <GatewayScope
        subject="guardrail"
        gateways={gateways.data ?? []}
        loading={gateways.isPending}
        allGateways={draft.allGateways}
        gatewayIds={draft.gatewayIds}
        onChange={(allGateways, gatewayIds) => change({ allGateways, gatewayIds }, 'gatewayIds')}
        error={errors.gatewayIds}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="Looks at"
          name="direction"
          value={draft.direction}
          onChange={(e) => change({ direction: e.target.value as GuardrailDirection }, 'direction')}
          options={Object.entries(DIRECTION_LABELS).map(([value, label]) => ({ value, label }))}
          error={errors.direction}
          hint={DIRECTION_HINTS[draft.direction]}
        />
        <div className="flex flex-col gap-1.5">
          <span className="text-sm font-medium text-slate-800">Enabled</span>
          <span className="flex h-10 items-center gap-2 text-sm text-slate-600">
            <Switch
              label="Enabled"
              checked={draft.enabled}
              onChange={(enabled) => change({ enabled }, 'enabled')}
            />
            {draft.enabled ? 'Applied to every call it covers' : 'Kept, but never applied'}
          </span>
        </div>
      </div>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1.5 text-sm font-medium text-slate-800">Detectors</legend>
        <ul
          aria-label="Detectors"
          className={cx(
            'grid gap-1 rounded-lg p-1.5 ring-1 sm:grid-cols-2',
            errors.detectors ? 'ring-red-400' : 'ring-slate-200',
          )}
        >
          {DETECTORS.map((d, i) => (
            <li key={d.name}>
              <label className="flex items-start gap-2 rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-50">
                <input
                  type="checkbox"
                  className="mt-0.5 size-4 accent-brand-600"
                  checked={draft.detectors.includes(d.name)}
                  aria-invalid={i === 0 && errors.detectors ? true : undefined}
                  onChange={(e) =>
                    change(
                      {
                        detectors: e.target.checked
                          ? [...draft.detectors, d.name]
                          : draft.detectors.filter((x) => x !== d.name),
                      },
                      'detectors',
                    )
                  }
                />
                <span>
                  {d.label}
                  <span className="block text-xs text-slate-500">{d.hint}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
        {errors.detectors && <p className="text-sm text-red-600">{errors.detectors}</p>}
      </fieldset>
      <PatternsField
        patterns={draft.patterns}
        errors={errors}
        onChange={(i, field, value) => {
          setDraft((d) => ({
            ...d,
            patterns: d.patterns.map((p, j) => (j === i ? { ...p, [field]: value } : p)),
          }));
          setErrors((e) => withoutErrorsUnder(withoutErrorsUnder(e, `patterns.${i}.${field}`), 'detectors'));
        }}
        onAdd={() => change({ patterns: [...draft.patterns, patternRow()] }, 'detectors')}
        // Rows below move up, so their messages would sit at the wrong row: all go.
        onRemove={(i) => change({ patterns: draft.patterns.filter((_, j) => j !== i) }, 'patterns')}
      />
      <SelectField
        label="Action"
        name="action"
        value={draft.action}
        onChange={(e) => change({ action: e.target.value as GuardrailAction }, 'action')}
        options={Object.entries(ACTION_LABELS).map(([value, label]) => ({ value, label }))}
        error={errors.action}
        hint={ACTION_HINTS[draft.action]}
      />
      <ExternalField
        value={draft}
        errors={errors}
        savedEndpoint={guardrail?.external ? endpointHost(guardrail.external.url) : null}
        onChange={(field, value) =>
          field === 'external'
            ? // Switching the endpoint on or off answers "look for something" too.
              change({ external: value as boolean }, 'external', 'detectors')
            : change({ [field]: value }, `external.${field}`)
        }
      />
      <div className="flex justify-end gap-3">
        <Button variant="secondary" onClick={() => router.push(back)}>
          Cancel
        </Button>
        <Button type="submit" pending={saving}>
          {saving ? 'Saving…' : guardrail ? 'Save changes' : 'Create guardrail'}
        </Button>
      </div>
    </form>
  );
}
