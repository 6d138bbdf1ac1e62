'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ZCreateOAuthClientRequest, type CreatedOAuthClient } from '@toolgate/api/schemas/oauth';
import { useState, type FormEvent } from 'react';
import { sentence, type FieldErrors } from '@toolgate/api/schemas/field-errors';
import { CopyableValue } from '~/components/copy-button';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { FormActions } from '~/components/ui/dialog';
import { TextAreaField, TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';

type Field = 'name' | 'redirectUris' | 'confidential';

const linesOf = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export function CreateClientForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [redirectUris, setRedirectUris] = useState('');
  const [confidential, setConfidential] = useState(false);
  const { form, errors, setErrors, showErrors, clearError } = useFieldErrors<Field>();
  const [created, setCreated] = useState<CreatedOAuthClient | null>(null);

  const create = useMutation(
    trpc.oauth.createClient.mutationOptions({
      onSuccess: async (client) => {
        setCreated(client);
        await queryClient.invalidateQueries(trpc.oauth.clients.queryFilter());
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const uris = linesOf(redirectUris);
    const input = { name, redirectUris: uris, confidential };
    const parsed = ZCreateOAuthClientRequest.safeParse(input);
    const found: FieldErrors<Field> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const [field, index] = issue.path;
        const key = String(field) as Field;
        // Name the offending line, so a long list is easy to fix.
        found[key] ??=
          key === 'redirectUris' && typeof index === 'number'
            ? `Line ${index + 1} (${uris[index]}): ${issue.message}`
            : sentence(issue.message);
      }
    }
    if (Object.values(found).some(Boolean)) return showErrors(found);
    setErrors({});
    create.mutate(input);
  }

  if (created)
    return (
      <div className="flex flex-col gap-4">
        <Alert tone="success">Client “{created.name}” registered.</Alert>
        <div>
          <p className="text-sm font-medium text-slate-800">Client ID</p>
          <CopyableValue
            value={created.clientId}
            label="Copy client ID"
            testId="new-client-id"
            className="mt-1.5"
          />
        </div>
        {created.clientSecret && (
          <div>
            <p className="text-sm font-medium text-slate-800">Client secret</p>
            <Notice className="mt-1.5">
              Copy it now — it will not be shown again. The app sends it to the token endpoint (HTTP Basic).
            </Notice>
            <CopyableValue
              value={created.clientSecret}
              label="Copy client secret"
              testId="new-client-secret"
              className="mt-2"
            />
          </div>
        )}
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
        label="Name"
        name="name"
        autoFocus
        placeholder="Support agent"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          clearError('name');
        }}
        error={errors.name}
        hint="Shown to users on the consent page."
      />
      <TextAreaField
        label="Redirect URIs"
        name="redirectUris"
        rows={3}
        spellCheck={false}
        placeholder={'https://agent.example.com/oauth/callback\nhttp://127.0.0.1:33418/callback'}
        value={redirectUris}
        onChange={(e) => {
          setRedirectUris(e.target.value);
          clearError('redirectUris');
        }}
        error={errors.redirectUris}
        hint="One per line, matched exactly. https, http://localhost or 127.0.0.1, or an app scheme like com.example.app:/cb."
      />
      <label className="flex items-start gap-2 text-sm text-slate-700">
        <input
          type="checkbox"
          className="mt-0.5 size-4 accent-brand-600"
          checked={confidential}
          onChange={(e) => setConfidential(e.target.checked)}
        />
        <span>
          <span className="font-medium text-slate-800">Confidential client</span>
          <span className="block text-slate-500">
            For server-side apps that can keep a secret. Desktop and command-line apps are public.
          </span>
        </span>
      </label>
      <FormActions
        onCancel={onDone}
        pending={create.isPending}
        pendingLabel="Registering…"
        submitLabel="Register client"
      />
    </form>
  );
}
