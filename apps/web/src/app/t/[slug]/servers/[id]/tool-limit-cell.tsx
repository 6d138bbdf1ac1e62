'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Tool } from '@toolgate/api/schemas/installations';
import { PencilIcon } from '~/components/icons';
import { cx } from '~/components/ui/cx';
import { errorFields, useTRPC } from '~/trpc/react';
import {
  FieldError,
  FieldHint,
  InlineForm,
  InlineInputRow,
  useInlineEdit,
  useInlineField,
} from './inline-cell-edit';

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
  const set = useMutation(
    trpc.installations.setToolLimit.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installationId })),
          queryClient.invalidateQueries(trpc.installations.tools.queryFilter({ id: installationId })),
        ]),
    }),
  );
  // "Saved" says the last change went through, until the limit is edited again.
  const edit = useInlineEdit(() => set.reset());
  const save = (callsPerMinute: number | null) =>
    edit.save(() => set.mutateAsync({ id: installationId, toolId: tool.id, callsPerMinute }));
  const serverError = set.error ? (errorFields(set.error).callsPerMinute ?? set.error.message) : null;

  if (edit.editing)
    return (
      <LimitForm
        toolName={tool.name}
        current={tool.callsPerMinute}
        pending={set.isPending}
        serverError={serverError}
        onSave={save}
        onCancel={edit.cancel}
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
          onClick={edit.open}
          aria-label={`Change the call limit of ${tool.name}`}
          className="rounded p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-700"
        >
          <PencilIcon className="size-3.5" />
        </button>
      )}
      {edit.saved && (
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
  const field = useInlineField(current === null ? '' : String(current), serverError);
  const onSubmit = () => {
    const parsed = parseLimit(field.value);
    if ('error' in parsed) return field.setError(parsed.error);
    field.setError(null);
    void onSave(parsed.value);
  };

  return (
    <InlineForm
      label={`Call limit of ${toolName}`}
      className="flex w-56 flex-col gap-1.5"
      onSubmit={onSubmit}
    >
      <label htmlFor={field.id} className="text-xs font-medium text-slate-700">
        Calls per minute
      </label>
      <InlineInputRow
        field={field}
        inputClassName="text-sm tabular-nums"
        hinted
        inputMode="numeric"
        maxLength={9}
        placeholder="No limit"
        submitText="Save"
        pending={pending}
        onCancel={onCancel}
      />
      <FieldError field={field} />
      <FieldHint field={field}>
        Through this installation, all callers together. Empty for no limit.
      </FieldHint>
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
    </InlineForm>
  );
}
