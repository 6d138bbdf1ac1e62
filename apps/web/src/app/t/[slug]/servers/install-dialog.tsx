'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { DiscoveredInstallation } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { errorFields, useTRPC } from '~/trpc/react';
import { StatusBadge } from './status-badge';

export function InstallDialog({ entry, onClose }: { entry: RegistryEntry | null; onClose: () => void }) {
  return (
    <Dialog
      open={entry !== null}
      onClose={onClose}
      title={entry ? `Install ${entry.name}` : 'Install'}
      description="Creates an organization-wide connection and discovers the server's tools."
    >
      {entry && <InstallForm key={entry.id} entry={entry} onDone={onClose} />}
    </Dialog>
  );
}

function InstallForm({ entry, onDone }: { entry: RegistryEntry; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [result, setResult] = useState<DiscoveredInstallation | null>(null);

  const install = useMutation(
    trpc.installations.create.mutationOptions({
      onSuccess: async (discovered) => {
        setResult(discovered);
        await queryClient.invalidateQueries(trpc.installations.list.queryFilter());
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const missing: Record<string, string> = {};
    for (const f of entry.installFields) {
      if (f.required && !values[f.key]?.trim()) missing[f.key] = `Enter ${f.label.toLowerCase()}`;
    }
    setErrors(missing);
    if (Object.keys(missing).length > 0) return;
    const filled = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== ''));
    install.mutate({ registryEntryId: entry.id, scope: 'org', values: filled });
  }

  if (result) {
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

  const fieldError = Object.values(errors).some(Boolean);
  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {install.error && !fieldError && <Alert>{install.error.message}</Alert>}
      {errors.values && <Alert>{errors.values}</Alert>}
      {entry.installFields.length === 0 ? (
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
      <div className="mt-2 flex justify-end gap-3">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" pending={install.isPending}>
          {install.isPending ? 'Installing and discovering…' : 'Install'}
        </Button>
      </div>
    </form>
  );
}
