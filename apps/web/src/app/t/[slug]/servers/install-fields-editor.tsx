'use client';

import type { InstallFieldInput } from '@toolgate/api/schemas/registry';
import { useId } from 'react';
import { PlusIcon, XMarkIcon } from '~/components/icons';
import { Button } from '~/components/ui/button';
import { SelectField, TextField } from '~/components/ui/field';

/** One install-time field as the form edits it (strings everywhere, target kind "" = none). */
export interface FieldDraft {
  /** Stable React key; not sent. */
  id: string;
  key: string;
  label: string;
  required: boolean;
  secret: boolean;
  targetKind: '' | 'header' | 'env' | 'arg';
  targetName: string;
  targetPrefix: string;
}

export const newFieldDraft = (): FieldDraft => ({
  id: crypto.randomUUID(),
  key: '',
  label: '',
  required: true,
  secret: false,
  targetKind: '',
  targetName: '',
  targetPrefix: '',
});

export function toInstallField(d: FieldDraft): InstallFieldInput {
  return {
    key: d.key.trim(),
    label: d.label.trim(),
    required: d.required,
    secret: d.secret,
    ...(d.targetKind
      ? {
          target: {
            kind: d.targetKind,
            name: d.targetName.trim(),
            ...(d.targetPrefix ? { prefix: d.targetPrefix } : {}),
          },
        }
      : {}),
  };
}

/** Messages keyed by dotted path ("installFields.0.key"), as the schema reports them. */
export type PathErrors = Record<string, string | undefined>;

/**
 * The values an installer enters (API keys, regions, a root directory…) and where each goes:
 * an HTTP header for a remote server, an environment variable or an argument for a local one.
 */
export function InstallFieldsEditor({
  fields,
  onChange,
  local,
  errors,
  reservedNote,
}: {
  fields: FieldDraft[];
  onChange: (fields: FieldDraft[]) => void;
  /** stdio: env and arg targets; remote: header targets. */
  local: boolean;
  errors: PathErrors;
  /** Said under the heading, e.g. that header auth adds a token field by itself. */
  reservedNote?: string;
}) {
  const update = (i: number, patch: Partial<FieldDraft>) =>
    onChange(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  const targets = local
    ? [
        { value: '', label: 'Not passed on' },
        { value: 'env', label: 'Environment variable' },
        { value: 'arg', label: 'Argument' },
      ]
    : [
        { value: '', label: 'Not passed on' },
        { value: 'header', label: 'HTTP header' },
      ];
  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="text-sm font-medium text-slate-800">Install-time fields</legend>
      <p className="-mt-1 text-sm text-slate-500">
        What the person installing enters. {reservedNote}
        {errors.installFields && <span className="block text-red-600">{errors.installFields}</span>}
      </p>
      {fields.map((f, i) => {
        const at = (name: string) => errors[`installFields.${i}.${name}`];
        return (
          <div
            key={f.id}
            role="group"
            aria-label={`Field ${i + 1}`}
            className="relative flex flex-col gap-3 rounded-lg p-3 ring-1 ring-slate-200"
          >
            <button
              type="button"
              aria-label={`Remove field ${i + 1}`}
              onClick={() => onChange(fields.filter((_, j) => j !== i))}
              className="absolute top-2 right-2 rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600"
            >
              <XMarkIcon className="size-4" />
            </button>
            <div className="grid gap-3 pr-6 sm:grid-cols-2">
              <TextField
                label="Key"
                spellCheck={false}
                placeholder="apiKey"
                maxLength={64}
                value={f.key}
                onChange={(e) => update(i, { key: e.target.value })}
                error={at('key')}
              />
              <TextField
                label="Label"
                placeholder="API key"
                maxLength={100}
                value={f.label}
                onChange={(e) => update(i, { label: e.target.value })}
                error={at('label')}
              />
            </div>
            <div className="flex flex-wrap gap-x-6 gap-y-2 text-sm text-slate-700">
              <Check label="Required" checked={f.required} onChange={(required) => update(i, { required })} />
              <Check
                label="Secret (stored encrypted, never shown again)"
                checked={f.secret}
                onChange={(secret) => update(i, { secret })}
              />
            </div>
            <div className="grid gap-3 sm:grid-cols-3">
              <SelectField
                label="Passed as"
                value={f.targetKind}
                onChange={(e) => update(i, { targetKind: e.target.value as FieldDraft['targetKind'] })}
                options={targets}
                error={at('target.kind')}
              />
              {f.targetKind && (
                <>
                  <TextField
                    label={
                      f.targetKind === 'header' ? 'Header' : f.targetKind === 'env' ? 'Variable' : 'Option'
                    }
                    spellCheck={false}
                    placeholder={
                      f.targetKind === 'header' ? 'X-Api-Key' : f.targetKind === 'env' ? 'API_KEY' : '--root'
                    }
                    maxLength={200}
                    value={f.targetName}
                    onChange={(e) => update(i, { targetName: e.target.value })}
                    error={at('target.name')}
                    hint={f.targetKind === 'arg' ? 'Empty for a bare value.' : undefined}
                  />
                  <TextField
                    label="Prefix"
                    spellCheck={false}
                    placeholder={f.targetKind === 'header' ? 'Bearer ' : ''}
                    maxLength={100}
                    value={f.targetPrefix}
                    onChange={(e) => update(i, { targetPrefix: e.target.value })}
                    error={at('target.prefix')}
                    hint="Optional."
                  />
                </>
              )}
            </div>
          </div>
        );
      })}
      <div>
        <Button size="sm" variant="secondary" onClick={() => onChange([...fields, newFieldDraft()])}>
          <PlusIcon className="size-4" />
          Add field
        </Button>
      </div>
    </fieldset>
  );
}

function Check({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <span className="flex items-center gap-2">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        className="size-4 accent-brand-600"
      />
      <label htmlFor={id}>{label}</label>
    </span>
  );
}

/** A list of strings (arguments) or pairs (environment) with add and remove. */
export function ListEditor({
  legend,
  hint,
  rows,
  onChange,
  pairs,
  errors,
  errorPath,
  addLabel,
}: {
  legend: string;
  hint: string;
  rows: { id: string; key: string; value: string }[];
  onChange: (rows: { id: string; key: string; value: string }[]) => void;
  /** Key and value per row (env); else one value per row (args). */
  pairs: boolean;
  errors: PathErrors;
  /** "args" or "env": where the schema reports this list's problems. */
  errorPath: string;
  addLabel: string;
}) {
  const update = (i: number, patch: Partial<{ key: string; value: string }>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <p className="-mt-1 text-sm text-slate-500">{hint}</p>
      {errors[errorPath] && <p className="text-sm text-red-600">{errors[errorPath]}</p>}
      {rows.map((r, i) => (
        <div key={r.id} className="flex items-start gap-2">
          {pairs && (
            <TextField
              label={`Variable ${i + 1}`}
              className="flex-1 [&_label]:sr-only"
              spellCheck={false}
              placeholder="NAME"
              maxLength={128}
              value={r.key}
              onChange={(e) => update(i, { key: e.target.value })}
              error={errors[`${errorPath}.${r.key}`]}
            />
          )}
          <TextField
            label={pairs ? `Value ${i + 1}` : `Argument ${i + 1}`}
            className="flex-[2] [&_label]:sr-only"
            spellCheck={false}
            placeholder={pairs ? 'value' : '-y'}
            maxLength={pairs ? 10_000 : 1000}
            value={r.value}
            onChange={(e) => update(i, { value: e.target.value })}
            error={pairs ? undefined : errors[`${errorPath}.${i}`]}
          />
          <button
            type="button"
            aria-label={`Remove ${pairs ? 'variable' : 'argument'} ${i + 1}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            className="mt-2 rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600"
          >
            <XMarkIcon className="size-4" />
          </button>
        </div>
      ))}
      <div>
        <Button
          size="sm"
          variant="secondary"
          onClick={() => onChange([...rows, { id: crypto.randomUUID(), key: '', value: '' }])}
        >
          <PlusIcon className="size-4" />
          {addLabel}
        </Button>
      </div>
    </fieldset>
  );
}
