'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Tool } from '@toolgate/api/schemas/installations';
import { useId, useState, type FormEvent } from 'react';
import { PencilIcon } from '~/components/icons';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { errorFields, useTRPC } from '~/trpc/react';

/** As the service checks it (the schema module is not for the browser bundle). */
const MAX_CALLS_PER_MINUTE = 1_000_000;
const RANGE_MESSAGE = 'Must be a whole number from 1 to 1,000,000, or empty for none';
const count = new Intl.NumberFormat('en-US');

/** "60/min", or an em dash for no limit. */
export const limitText = (callsPerMinute: number | null): string =>
  callsPerMinute === null ? '—' : `${count.format(callsPerMinute)}/min`;

/** What the input holds, as the service takes it: null for empty, else the whole number, or a message. */
function parseLimit(raw: string): { value: number | null } | { error: string } {
  const text = raw.trim().replaceAll(',', '').replaceAll('_', '');
  if (text === '') return { value: null };
  if (!/^\d+$/.test(text)) return { error: RANGE_MESSAGE };
  const value = Number(text);
  return value >= 1 && value <= MAX_CALLS_PER_MINUTE ? { value } : { error: RANGE_MESSAGE };
}

/**
 * A tool's call limit on this installation: calls per minute through it, all callers together,
 * enforced by every proxy. Those who may manage the installation set, change or remove it here.
 */
export function ToolLimitCell({
  installationId,
  tool,
  canEdit,
}: {
  installationId: string;
  tool: Tool;
  /** Those who manage the installation (the service refuses everyone else). */
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  // Says the last change went through, until the limit is edited again.
  const [saved, setSaved] = useState(false);
  const set = useMutation(
    trpc.installations.setToolLimit.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installationId })),
          queryClient.invalidateQueries(trpc.installations.tools.queryFilter({ id: installationId })),
        ]),
    }),
  );
  const save = async (callsPerMinute: number | null) => {
    try {
      await set.mutateAsync({ id: installationId, toolId: tool.id, callsPerMinute });
      setEditing(false);
      setSaved(true);
    } catch {
      // Shown in the form from the mutation's error.
    }
  };
  const serverError = set.error ? (errorFields(set.error).callsPerMinute ?? set.error.message) : null;

  if (editing)
    return (
      <LimitForm
        toolName={tool.name}
        current={tool.callsPerMinute}
        pending={set.isPending}
        serverError={serverError}
        onSave={save}
        onCancel={() => {
          set.reset();
          setEditing(false);
        }}
      />
    );
  return (
    <span className="flex items-center gap-1.5">
      <span
        className={cx(
          'text-sm tabular-nums',
          tool.callsPerMinute === null ? 'text-slate-400' : 'text-slate-900',
        )}
        title={
          tool.callsPerMinute === null
            ? 'No limit on this tool'
            : 'Calls per minute through this installation, all callers together'
        }
      >
        {limitText(tool.callsPerMinute)}
      </span>
      {canEdit && (
        <button
          type="button"
          onClick={() => {
            set.reset();
            setSaved(false);
            setEditing(true);
          }}
          aria-label={`Change the call limit of ${tool.name}`}
          className="rounded p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-700"
        >
          <PencilIcon className="size-3.5" />
        </button>
      )}
      {saved && (
        <span role="status" className="text-xs text-green-700">
          Saved
        </span>
      )}
    </span>
  );
}

function LimitForm({
  toolName,
  current,
  pending,
  serverError,
  onSave,
  onCancel,
}: {
  toolName: string;
  current: number | null;
  pending: boolean;
  serverError: string | null;
  onSave: (callsPerMinute: number | null) => Promise<void>;
  onCancel: () => void;
}) {
  const id = useId();
  const [value, setValue] = useState(current === null ? '' : String(current));
  const [error, setError] = useState<string | null>(null);
  const message = error ?? serverError;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseLimit(value);
    if ('error' in parsed) return setError(parsed.error);
    setError(null);
    void onSave(parsed.value);
  };

  return (
    // A form inside a table cell: its own submit, no page-level form around the table.
    <form
      onSubmit={onSubmit}
      noValidate
      className="flex w-56 flex-col gap-1.5"
      aria-label={`Call limit of ${toolName}`}
    >
      <label htmlFor={id} className="text-xs font-medium text-slate-700">
        Calls per minute
      </label>
      <div className="flex gap-1.5">
        <input
          id={id}
          autoFocus
          inputMode="numeric"
          value={value}
          maxLength={9}
          onChange={(e) => {
            setValue(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onCancel();
          }}
          placeholder="No limit"
          aria-invalid={message ? true : undefined}
          aria-describedby={`${id}-hint${message ? ` ${id}-error` : ''}`}
          className={cx(
            'h-8 min-w-0 flex-1 rounded-md bg-white px-2 text-sm text-slate-900 tabular-nums ring-1 outline-none focus:ring-2',
            message ? 'ring-red-400 focus:ring-red-500' : 'ring-slate-300 focus:ring-brand-500',
          )}
        />
        <Button type="submit" size="sm" pending={pending}>
          Save
        </Button>
        <Button size="sm" variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
      {message && (
        <p id={`${id}-error`} role="alert" className="text-xs text-red-600">
          {message}
        </p>
      )}
      <p id={`${id}-hint`} className="text-xs text-slate-500">
        Through this installation, all callers together. Empty for no limit.
      </p>
      {current !== null && (
        <button
          type="button"
          disabled={pending}
          onClick={() => void onSave(null)}
          className="self-start text-xs font-medium text-red-700 hover:underline disabled:opacity-50"
        >
          Remove the limit
        </button>
      )}
    </form>
  );
}
