'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Tool } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import {
  TOOL_LABEL_EXTERNAL_SEND,
  TOOL_LABEL_PATTERN,
  TOOL_LABEL_UNTRUSTED_OUTPUT,
} from '@toolgate/core/policy';
import { useState } from 'react';
import { PlusIcon, XMarkIcon } from '~/components/icons';
import { cx } from '~/components/ui/cx';
import { errorFields, useTRPC } from '~/trpc/react';
import { FieldError, InlineForm, InlineInputRow, useInlineEdit, useInlineField } from './inline-cell-edit';

/** The two labels with a meaning of their own (docs/policies.md), offered first. */
export const LABEL_SUGGESTIONS = [
  {
    label: TOOL_LABEL_UNTRUSTED_OUTPUT,
    meaning:
      'Its results may carry outside content (web pages, email, tickets): calling it taints the session.',
  },
  {
    label: TOOL_LABEL_EXTERNAL_SEND,
    meaning: 'It can send data out (HTTP, email, chat, commits).',
  },
] as const;

const MAX_LABELS = 20;
const PATTERN_MESSAGE = 'Use 1–64 lower-case letters, digits and . _ : / - (starting with a letter or digit)';

/**
 * A tool's labels, which policies read as `tool.labels`: its own on this installation, and those
 * set on its server for every installation. Owners and admins add and remove them here.
 */
export function ToolLabelsCell({
  installationId,
  tool,
  entry,
  canEdit,
}: {
  installationId: string;
  tool: Tool;
  entry: RegistryEntry | undefined;
  /** Owners and admins (the services refuse everyone else). */
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installationId })),
      queryClient.invalidateQueries(trpc.registry.list.queryFilter()),
    ]);
  const own = useMutation(trpc.tools.setLabels.mutationOptions({ onSuccess: refresh }));
  const onEntry = useMutation(trpc.tools.setEntryLabels.mutationOptions({ onSuccess: refresh }));
  const adding = useInlineEdit(() => {
    own.reset();
    onEntry.reset();
  });
  // Only a workspace's own servers carry labels for every installation (the catalog is shared).
  const entryEditable = canEdit && entry !== undefined && !entry.builtIn;
  const entryLabels = entry?.toolLabels[tool.name] ?? [];
  const pending = own.isPending || onEntry.isPending;
  const failure = own.error ?? onEntry.error;
  const failureText = failure
    ? (errorFields(failure).labels ?? errorFields(failure).tools ?? failure.message)
    : null;

  const saveOwn = (labels: string[]) => {
    onEntry.reset();
    return own.mutateAsync({ installationId, toolId: tool.id, labels });
  };
  const saveOnEntry = (labels: string[]) => {
    own.reset();
    return onEntry.mutateAsync({ entryId: entry!.id, tools: { [tool.name]: labels } });
  };

  const none = tool.labels.length === 0 && entryLabels.length === 0;
  return (
    <div className="flex flex-col gap-1.5" aria-busy={pending || undefined}>
      <ul className="flex flex-wrap gap-1" aria-label={`Labels of ${tool.name}`}>
        {tool.labels.map((label) => (
          <Chip
            key={`own:${label}`}
            label={label}
            onRemove={
              canEdit
                ? () => void saveOwn(tool.labels.filter((l) => l !== label)).catch(() => undefined)
                : undefined
            }
            removeLabel={`Remove ${label} from ${tool.name}`}
            disabled={pending}
          />
        ))}
        {entryLabels.map((label) => (
          <Chip
            key={`entry:${label}`}
            label={label}
            everywhere={entry?.name}
            onRemove={
              entryEditable
                ? () => void saveOnEntry(entryLabels.filter((l) => l !== label)).catch(() => undefined)
                : undefined
            }
            removeLabel={`Remove ${label} from ${tool.name} on every installation of ${entry?.name ?? 'this server'}`}
            disabled={pending}
          />
        ))}
        {none && !canEdit && <li className="text-xs text-slate-400">None</li>}
      </ul>
      {canEdit &&
        (adding.editing ? (
          <AddLabelForm
            toolName={tool.name}
            present={[...tool.labels, ...entryLabels]}
            entryName={entryEditable ? entry.name : null}
            pending={pending}
            onCancel={adding.cancel}
            onAdd={(label, everywhere) =>
              adding.save(() =>
                everywhere ? saveOnEntry([...entryLabels, label]) : saveOwn([...tool.labels, label]),
              )
            }
            serverError={failureText}
            count={tool.labels.length}
            entryCount={entryLabels.length}
          />
        ) : (
          <span className="flex flex-col items-start gap-1">
            <button
              type="button"
              onClick={adding.open}
              aria-label={`Add a label to ${tool.name}`}
              className="inline-flex items-center gap-1 rounded-md px-1.5 py-0.5 text-xs font-medium text-brand-700 hover:bg-brand-50"
            >
              <PlusIcon className="size-3.5" /> Label
            </button>
            {failureText && (
              <span role="alert" className="text-xs text-red-600">
                {failureText}
              </span>
            )}
          </span>
        ))}
    </div>
  );
}

function Chip({
  label,
  everywhere,
  onRemove,
  removeLabel,
  disabled,
}: {
  label: string;
  /** Set on the server for every installation: the server's name. */
  everywhere?: string;
  onRemove?: () => void;
  removeLabel: string;
  disabled: boolean;
}) {
  const meaning = LABEL_SUGGESTIONS.find((s) => s.label === label)?.meaning;
  const title = [meaning, everywhere && `Set on ${everywhere} for every installation.`]
    .filter(Boolean)
    .join(' ');
  return (
    <li
      title={title || undefined}
      className={cx(
        'inline-flex items-center gap-0.5 rounded-md py-0.5 pl-2 text-xs font-medium ring-1 ring-inset',
        onRemove ? 'pr-0.5' : 'pr-2',
        everywhere
          ? 'bg-brand-50 text-brand-700 ring-brand-600/20'
          : 'bg-slate-50 text-slate-700 ring-slate-500/20',
      )}
    >
      <span className="font-mono">{label}</span>
      {everywhere && <span className="sr-only"> (every installation of {everywhere})</span>}
      {onRemove && (
        <button
          type="button"
          aria-label={removeLabel}
          disabled={disabled}
          onClick={onRemove}
          className="rounded p-0.5 hover:bg-slate-200/70 disabled:opacity-50"
        >
          <XMarkIcon className="size-3" />
        </button>
      )}
    </li>
  );
}

function AddLabelForm({
  toolName,
  present,
  entryName,
  pending,
  onCancel,
  onAdd,
  serverError,
  count,
  entryCount,
}: {
  toolName: string;
  present: string[];
  /** The server, when the label may be set for every installation of it. */
  entryName: string | null;
  pending: boolean;
  onCancel: () => void;
  onAdd: (label: string, everywhere: boolean) => Promise<void>;
  serverError: string | null;
  count: number;
  entryCount: number;
}) {
  const field = useInlineField('', serverError);
  const [everywhere, setEverywhere] = useState(false);
  const suggestions = LABEL_SUGGESTIONS.filter((s) => !present.includes(s.label));

  const add = (raw: string) => {
    const label = raw.trim();
    if (!label) return field.setError('Type a label, or pick one below');
    if (!TOOL_LABEL_PATTERN.test(label)) return field.setError(PATTERN_MESSAGE);
    if ((everywhere ? entryCount : count) >= MAX_LABELS)
      return field.setError(`A tool takes at most ${MAX_LABELS} labels`);
    field.setError(null);
    void onAdd(label, everywhere);
  };

  return (
    <InlineForm
      label={`Add a label to ${toolName}`}
      className="flex w-64 flex-col gap-2"
      onSubmit={() => add(field.value)}
    >
      <InlineInputRow
        field={field}
        before={
          <label htmlFor={field.id} className="sr-only">
            Label for {toolName}
          </label>
        }
        inputClassName="font-mono text-xs"
        maxLength={64}
        placeholder="external-send"
        submitText="Add"
        pending={pending}
        onCancel={onCancel}
      />
      <FieldError field={field} />
      {suggestions.length > 0 && (
        <ul className="flex flex-col gap-1" aria-label="Suggested labels">
          {suggestions.map((s) => (
            <li key={s.label}>
              <button
                type="button"
                disabled={pending}
                onClick={() => add(s.label)}
                className="flex w-full flex-col items-start rounded-md px-2 py-1 text-left hover:bg-slate-50 disabled:opacity-50"
              >
                <span className="font-mono text-xs font-medium text-slate-900">{s.label}</span>
                <span className="text-xs text-slate-500">{s.meaning}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {entryName && (
        <label className="flex items-start gap-2 text-xs text-slate-600">
          <input
            type="checkbox"
            className="mt-0.5 size-3.5 accent-brand-600"
            checked={everywhere}
            onChange={(e) => setEverywhere(e.target.checked)}
          />
          On every installation of {entryName}
        </label>
      )}
    </InlineForm>
  );
}
