'use client';

import { useMutation } from '@tanstack/react-query';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { useState, type FormEvent } from 'react';
import { CopyableValue } from '~/components/copy-button';
import { useFieldErrors } from '~/components/use-field-errors';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { errorFields, useTRPC } from '~/trpc/react';

const REGISTRATION_LABELS = {
  manual: 'registered by hand',
  cimd: 'Client ID Metadata Document',
  dcr: 'Dynamic Client Registration',
} as const;

/**
 * For an OAuth server whose authorization server accepts neither Client ID Metadata Documents nor
 * Dynamic Client Registration: the admin registers a client there by hand (with Toolgate's redirect
 * URI) and enters it here. The secret is write-only: sealed by the service, never sent back.
 */
export function OAuthClientDialog({
  entry,
  open,
  redirectUri,
  onClose,
}: {
  entry: RegistryEntry;
  open: boolean;
  /** Toolgate's callback (`{PUBLIC_WEB_URL}/oauth/upstream/callback`): register it at the server. */
  redirectUri: string;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`OAuth client for ${entry.name}`}
      description="For a server whose authorization server accepts neither Client ID Metadata Documents nor Dynamic Client Registration: register a client there by hand, then enter it here. Every account connected at this server from this workspace signs in through it."
    >
      <OAuthClientForm entry={entry} redirectUri={redirectUri} onDone={onClose} />
    </Dialog>
  );
}

function OAuthClientForm({
  entry,
  redirectUri,
  onDone,
}: {
  entry: RegistryEntry;
  redirectUri: string;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const { form, errors, setErrors, showErrors, clearError } = useFieldErrors<'clientId' | 'clientSecret'>();
  const save = useMutation(
    trpc.registry.setOAuthClient.mutationOptions({
      onSuccess: () => setClientSecret(''),
      onError: (error) => showErrors(errorFields(error)),
    }),
  );
  const saved = save.data;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = { clientId: clientId.trim(), ...(clientSecret ? { clientSecret } : {}) };
    // The rest (lengths) is the inputs' own limits and the service's schema.
    if (!input.clientId)
      return showErrors({ clientId: 'Enter the client ID the server’s authorization server gave you.' });
    setErrors({});
    save.mutate({ entryId: entry.id, ...input });
  }

  const fieldError = Object.values(errorFields(save.error)).some(Boolean);

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      <div className="flex flex-col gap-1.5">
        <p className="text-sm font-medium text-slate-800">Redirect URI to register at the server</p>
        <CopyableValue value={redirectUri} label="Copy redirect URI" testId="oauth-redirect-uri" />
      </div>
      {saved && (
        <Alert tone="success">
          <p className="font-medium">
            Saved: client <code className="font-mono break-all">{saved.clientId}</code> at{' '}
            <code className="font-mono break-all">{saved.issuer}</code> (
            {REGISTRATION_LABELS[saved.registration]}).
          </p>
          <p className="mt-1" data-testid="oauth-client-secret-state">
            {saved.confidential
              ? 'A client secret is stored, encrypted; it is never shown again.'
              : 'No client secret is stored: Toolgate signs in as a public client.'}
          </p>
          {saved.redirectUri !== redirectUri && (
            <p className="mt-1">
              Register this redirect URI: <code className="font-mono break-all">{saved.redirectUri}</code>
            </p>
          )}
        </Alert>
      )}
      {save.error && !fieldError && <Alert>{save.error.message}</Alert>}
      <TextField
        label="Client ID"
        name="clientId"
        autoComplete="off"
        spellCheck={false}
        maxLength={500}
        value={clientId}
        onChange={(e) => {
          setClientId(e.target.value);
          clearError('clientId');
        }}
        error={errors.clientId}
      />
      <TextField
        label="Client secret"
        name="clientSecret"
        type="password"
        autoComplete="new-password"
        maxLength={2000}
        value={clientSecret}
        onChange={(e) => {
          setClientSecret(e.target.value);
          clearError('clientSecret');
        }}
        error={errors.clientSecret}
        hint="Leave empty for a public client. Stored encrypted; never shown again. Saving again replaces the client and its secret."
      />
      {saved ? (
        <div className="mt-2 flex justify-end gap-3">
          <Button variant="secondary" type="submit" pending={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save again'}
          </Button>
          <Button onClick={onDone}>Done</Button>
        </div>
      ) : (
        <FormActions
          onCancel={onDone}
          pending={save.isPending}
          pendingLabel="Checking the server…"
          submitLabel="Save client"
        />
      )}
    </form>
  );
}
