'use client';

import { sentence } from '@toolgate/api/schemas/field-errors';
import type { InstallFieldInput, RegistryEntry } from '@toolgate/api/schemas/registry';
import { useState, type InputHTMLAttributes } from 'react';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { NetworkField, PackageFields, RunsFieldset } from './local-server-fields';
import {
  InstallFieldsEditor,
  ListEditor,
  toInstallField,
  type FieldDraft,
  type PathErrors,
} from './install-fields-editor';

/**
 * What adding a server and editing a workspace's own registry entry share: the values both forms
 * edit (as the form holds them and as the schema reads them), their inputs, and the schema's
 * messages shown under those inputs.
 */

export const URL_MAX = 2048;

type Row = { id: string; key: string; value: string };

const rowOf = (key: string, value: string): Row => ({ id: crypto.randomUUID(), key, value });

const draftOf = (field: RegistryEntry['installFields'][number]): FieldDraft => ({
  id: crypto.randomUUID(),
  key: field.key,
  label: field.label,
  required: field.required,
  secret: field.secret,
  targetKind: field.target?.kind ?? '',
  targetName: field.target?.name ?? '',
  targetPrefix: field.target?.prefix ?? '',
});

/** The form's values: empty for a new server, the entry's own when one is edited. */
export function useRegistryEntryForm(entry?: RegistryEntry) {
  const [description, setDescription] = useState(entry?.description ?? '');
  const [url, setUrl] = useState(entry?.url ?? '');
  const [command, setCommand] = useState(entry?.command ?? '');
  // A local server runs a command, or an npm package a runner installs at an exact version.
  const [runs, setRuns] = useState<'command' | 'package'>(entry?.package ? 'package' : 'command');
  const [pkg, setPkg] = useState(entry?.package ?? '');
  const [version, setVersion] = useState(entry?.version ?? '');
  const [bin, setBin] = useState(entry?.bin ?? '');
  const [network, setNetwork] = useState<'none' | 'egress'>(entry?.network ?? 'none');
  const [args, setArgs] = useState<Row[]>(() => (entry?.args ?? []).map((value) => rowOf('', value)));
  const [env, setEnv] = useState<Row[]>(() =>
    Object.entries(entry?.env ?? {}).map(([key, value]) => rowOf(key, value)),
  );
  const [docsUrl, setDocsUrl] = useState(entry?.docsUrl ?? '');
  const [initialFields] = useState<FieldDraft[]>(() => (entry?.installFields ?? []).map(draftOf));
  const [fields, setFields] = useState<FieldDraft[]>(initialFields);
  const { form, errors, setErrors, showErrors, clearError } = useFieldErrors<string>();

  // The form has no place for a field's description: it stays with the field's key.
  const descriptions = new Map(entry?.installFields.map((f) => [f.key, f.description]));
  const installFieldsOf = (drafts: FieldDraft[]): InstallFieldInput[] =>
    drafts.map((d) => {
      const field = toInstallField(d);
      const kept = descriptions.get(field.key);
      return kept === undefined ? field : { ...field, description: kept };
    });

  return {
    /** Put on the <form>: where the first invalid input is looked for. */
    form,
    errors,
    setErrors,
    showErrors,
    clear: clearError,
    description,
    setDescription,
    url,
    setUrl,
    command,
    setCommand,
    runs,
    setRuns,
    pkg,
    setPkg,
    version,
    setVersion,
    bin,
    setBin,
    network,
    setNetwork,
    args,
    setArgs,
    env,
    setEnv,
    docsUrl,
    setDocsUrl,
    fields,
    setFields,
    /** The values as the request carries them (trimmed; lists and pairs as the schema has them). */
    values: () => ({
      description: description.trim(),
      url: url.trim(),
      command: command.trim(),
      runs,
      package: pkg.trim(),
      version: version.trim(),
      bin: bin.trim(),
      network,
      args: args.map((a) => a.value),
      env: Object.fromEntries(env.map((e) => [e.key.trim(), e.value])),
      docsUrl: docsUrl.trim(),
      installFields: installFieldsOf(fields),
    }),
    /** The install fields the form started from, built like `values().installFields`. */
    initialInstallFields: () => installFieldsOf(initialFields),
  };
}

export type RegistryEntryForm = ReturnType<typeof useRegistryEntryForm>;

type ParseResult = {
  success: boolean;
  error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
};

/**
 * Adds each schema issue to `found` as a sentence keyed by its path ("installFields.0.key"),
 * the first one per path kept. Returns `found`.
 */
export function addIssues(found: PathErrors, ...results: ParseResult[]): PathErrors {
  for (const result of results) {
    for (const issue of result.error?.issues ?? []) {
      found[issue.path.map(String).join('.')] ??= sentence(issue.message);
    }
  }
  return found;
}

type InputProps = Pick<InputHTMLAttributes<HTMLInputElement>, 'placeholder' | 'autoComplete'>;

export function NameAndSlugFields({
  draft,
  name,
  slug,
  onName,
  onSlug,
  example,
  nameProps,
  slugPlaceholder,
}: {
  draft: RegistryEntryForm;
  name: string;
  slug: string;
  onName: (value: string) => void;
  onSlug: (value: string) => void;
  /** The slug the hint's example tool name shows. */
  example: string;
  nameProps?: InputProps;
  slugPlaceholder?: string;
}) {
  const { errors, clear } = draft;
  return (
    <>
      <TextField
        label="Name"
        name="name"
        autoFocus
        {...nameProps}
        maxLength={100}
        value={name}
        onChange={(e) => {
          onName(e.target.value);
          clear('name');
        }}
        error={errors.name}
      />
      <TextField
        label="Slug"
        name="slug"
        autoComplete="off"
        spellCheck={false}
        placeholder={slugPlaceholder}
        maxLength={40}
        value={slug}
        onChange={(e) => {
          onSlug(e.target.value);
          clear('slug');
        }}
        error={errors.slug}
        hint={
          <>
            Prefixes the server&apos;s tools in gateways:{' '}
            <code className="font-mono" data-testid="slug-example">
              {example}__search
            </code>
          </>
        }
      />
    </>
  );
}

/** A local server: what runs (a command or an npm package), its arguments, environment and network. */
export function CommandFields({ draft, placeholder }: { draft: RegistryEntryForm; placeholder?: string }) {
  const { errors, clear } = draft;
  return (
    <>
      <RunsFieldset draft={draft} />
      {draft.runs === 'package' ? (
        <PackageFields draft={draft} />
      ) : (
        <TextField
          label="Command"
          name="command"
          autoComplete="off"
          spellCheck={false}
          placeholder={placeholder}
          maxLength={500}
          value={draft.command}
          onChange={(e) => {
            draft.setCommand(e.target.value);
            clear('command');
          }}
          error={errors.command}
        />
      )}
      <ListEditor
        legend="Arguments"
        hint={
          draft.runs === 'package'
            ? "Passed to the package's bin in this order."
            : 'Passed to the command in this order.'
        }
        rows={draft.args}
        onChange={(next) => {
          draft.setArgs(next);
          clear('args');
        }}
        pairs={false}
        errors={errors}
        errorPath="args"
        addLabel="Add argument"
      />
      <ListEditor
        legend="Environment"
        hint="Fixed variables for every installation; per-installation values are install-time fields."
        rows={draft.env}
        onChange={(next) => {
          draft.setEnv(next);
          clear('env');
        }}
        pairs
        errors={errors}
        errorPath="env"
        addLabel="Add variable"
      />
      <NetworkField draft={draft} />
    </>
  );
}

/** A remote server's URL; `onEdit` hears every change (Add forgets what Detect found). */
export function UrlField({
  draft,
  placeholder,
  onEdit,
}: {
  draft: RegistryEntryForm;
  placeholder?: string;
  onEdit?: () => void;
}) {
  return (
    <TextField
      label="Server URL"
      name="url"
      type="url"
      autoComplete="off"
      spellCheck={false}
      placeholder={placeholder}
      maxLength={URL_MAX}
      value={draft.url}
      onChange={(e) => {
        draft.setUrl(e.target.value);
        draft.clear('url');
        onEdit?.();
      }}
      error={draft.errors.url}
    />
  );
}

export function DocsUrlField({ draft }: { draft: RegistryEntryForm }) {
  return (
    <TextField
      label="Documentation URL"
      name="docsUrl"
      type="url"
      spellCheck={false}
      placeholder="https://docs.example.com/mcp"
      maxLength={URL_MAX}
      value={draft.docsUrl}
      onChange={(e) => {
        draft.setDocsUrl(e.target.value);
        draft.clear('docsUrl');
      }}
      error={draft.errors.docsUrl}
    />
  );
}

export function EntryInstallFields({
  draft,
  local,
  reservedNote,
}: {
  draft: RegistryEntryForm;
  local: boolean;
  reservedNote?: string;
}) {
  return (
    <InstallFieldsEditor
      fields={draft.fields}
      onChange={(next) => {
        draft.setFields(next);
        draft.setErrors((err) =>
          Object.fromEntries(Object.entries(err).filter(([k]) => !k.startsWith('installFields'))),
        );
      }}
      local={local}
      errors={draft.errors}
      reservedNote={reservedNote}
    />
  );
}
