'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  ZCreateIdentityProviderRequest,
  type IdentityProvider,
} from '@toolgate/api/schemas/identity-providers';
import { useState, type FormEvent } from 'react';
import { fieldErrors, type FieldErrors } from '@toolgate/api/schemas/field-errors';
import { Alert } from '~/components/ui/alert';
import { FormActions } from '~/components/ui/dialog';
import { SelectField, TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';

type Field =
  'name' | 'issuer' | 'jwksUri' | 'audience' | 'userClaim' | 'groupsClaim' | 'trustIdJag' | 'enabled';

interface Values {
  name: string;
  issuer: string;
  jwksUri: string;
  audience: string;
  userClaim: IdentityProvider['userClaim'];
  groupsClaim: string;
  trustIdJag: boolean;
  enabled: boolean;
}

const valuesOf = (idp: IdentityProvider | null): Values => ({
  name: idp?.name ?? '',
  issuer: idp?.issuer ?? '',
  jwksUri: idp?.jwksUri ?? '',
  audience: idp?.audience ?? '',
  userClaim: idp?.userClaim ?? 'email',
  groupsClaim: idp?.groupsClaim ?? '',
  trustIdJag: idp?.trustIdJag ?? false,
  enabled: idp?.enabled ?? true,
});

/** Adds an identity provider, or edits `existing`. */
export function IdentityProviderForm({
  existing,
  onDone,
}: {
  existing: IdentityProvider | null;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(() => valuesOf(existing));
  const { form, errors, setErrors, showErrors } = useFieldErrors<Field>();
  const done = async () => {
    await queryClient.invalidateQueries(trpc.identityProviders.list.queryFilter());
    await queryClient.invalidateQueries(trpc.gateways.list.queryFilter());
    onDone();
  };
  const onError = (error: Parameters<typeof errorFields>[0]) => setErrors(errorFields(error));
  const create = useMutation(trpc.identityProviders.create.mutationOptions({ onSuccess: done, onError }));
  const update = useMutation(trpc.identityProviders.update.mutationOptions({ onSuccess: done, onError }));
  const mutation = existing ? update : create;

  function set<K extends keyof Values>(key: K, value: Values[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = { ...values, groupsClaim: values.groupsClaim.trim() || null };
    const parsed = ZCreateIdentityProviderRequest.safeParse(input);
    const found: FieldErrors<Field> = parsed.success ? {} : fieldErrors(parsed.error);
    if (Object.values(found).some(Boolean)) return showErrors(found);
    setErrors({});
    if (existing) update.mutate({ id: existing.id, patch: input });
    else create.mutate(input);
  }

  const fieldError = Object.values(errors).some(Boolean);
  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {mutation.error && !fieldError && <Alert>{mutation.error.message}</Alert>}
      <TextField
        label="Name"
        name="name"
        autoFocus
        placeholder="Okta"
        value={values.name}
        onChange={(e) => set('name', e.target.value)}
        error={errors.name}
      />
      <TextField
        label="Issuer"
        name="issuer"
        type="url"
        spellCheck={false}
        placeholder="https://example.okta.com/oauth2/default"
        value={values.issuer}
        onChange={(e) => set('issuer', e.target.value.trim())}
        error={errors.issuer}
        hint="Exactly the iss claim of its tokens."
      />
      <TextField
        label="JWKS URL"
        name="jwksUri"
        type="url"
        spellCheck={false}
        placeholder="https://example.okta.com/oauth2/default/v1/keys"
        value={values.jwksUri}
        onChange={(e) => set('jwksUri', e.target.value.trim())}
        error={errors.jwksUri}
        hint="Where its signing keys are published."
      />
      <TextField
        label="Audience"
        name="audience"
        spellCheck={false}
        placeholder="api://toolgate"
        value={values.audience}
        onChange={(e) => set('audience', e.target.value)}
        error={errors.audience}
        hint="The aud claim its tokens carry for Toolgate."
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="User claim"
          name="userClaim"
          value={values.userClaim}
          onChange={(e) => set('userClaim', e.target.value as Values['userClaim'])}
          options={[
            { value: 'email', label: 'email — matches members by email' },
            { value: 'sub', label: 'sub — linked on first sign-in' },
          ]}
          error={errors.userClaim}
        />
        <TextField
          label="Groups claim"
          name="groupsClaim"
          spellCheck={false}
          placeholder="Optional, e.g. groups"
          value={values.groupsClaim}
          onChange={(e) => set('groupsClaim', e.target.value)}
          error={errors.groupsClaim}
          hint="Groups named like a team act for it."
        />
      </div>
      <fieldset className="flex flex-col gap-2">
        <legend className="sr-only">Options</legend>
        <label className="flex items-start gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            className="mt-0.5 size-4 accent-brand-600"
            checked={values.trustIdJag}
            onChange={(e) => set('trustIdJag', e.target.checked)}
          />
          <span>
            <span className="font-medium text-slate-800">Trust its ID-JAG assertions</span>
            <span className="block text-slate-500">
              Apps holding an identity assertion from this provider get gateway tokens without a consent page.
            </span>
          </span>
        </label>
        <label className="flex items-start gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            className="mt-0.5 size-4 accent-brand-600"
            checked={values.enabled}
            onChange={(e) => set('enabled', e.target.checked)}
          />
          <span>
            <span className="font-medium text-slate-800">Enabled</span>
            <span className="block text-slate-500">Disabled providers’ tokens are refused everywhere.</span>
          </span>
        </label>
      </fieldset>
      <FormActions
        onCancel={onDone}
        pending={mutation.isPending}
        pendingLabel={existing ? 'Saving…' : 'Adding…'}
        submitLabel={existing ? 'Save changes' : 'Add provider'}
      />
    </form>
  );
}
