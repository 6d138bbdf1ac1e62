'use client';

import { useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';

/**
 * A table cell's inline editor: whether it is open, and whether its last change went through
 * (until it is opened again). `reset` clears the mutation's error when the editor is cancelled.
 */
export function useInlineEdit(reset: () => void) {
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  return {
    editing,
    saved,
    open: () => {
      setSaved(false);
      setEditing(true);
    },
    cancel: () => {
      reset();
      setEditing(false);
    },
    /** Closes the editor once the change goes through; on failure it stays open. */
    save: async (change: () => Promise<unknown>) => {
      try {
        await change();
        setEditing(false);
        setSaved(true);
      } catch {
        // Shown in the form from the mutation's error.
      }
    },
  };
}

/** What an inline form's input holds, and its message: the form's own check, else the server's. */
export function useInlineField(initial: string, serverError: string | null) {
  const id = useId();
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  return { id, value, setValue, setError, message: error ?? serverError };
}

export type InlineField = ReturnType<typeof useInlineField>;

/** A form inside a table cell: its own submit, no page-level form around the table. */
export function InlineForm({
  label,
  className,
  onSubmit,
  children,
}: {
  /** The form's accessible name. */
  label: string;
  className: string;
  onSubmit: () => void;
  children: ReactNode;
}) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
      noValidate
      className={className}
      aria-label={label}
    >
      {children}
    </form>
  );
}

/** The input with its submit and Cancel buttons: typing clears the form's own message, Escape cancels. */
export function InlineInputRow({
  field,
  before,
  inputClassName,
  hinted = false,
  submitText,
  pending,
  onCancel,
  ...input
}: {
  field: InlineField;
  /** Ahead of the input in the row (a visually hidden label). */
  before?: ReactNode;
  /** Type size and feature classes of the input. */
  inputClassName: string;
  /** Whether a FieldHint describes the input. */
  hinted?: boolean;
  submitText: string;
  pending: boolean;
  onCancel: () => void;
} & Pick<InputHTMLAttributes<HTMLInputElement>, 'inputMode' | 'maxLength' | 'placeholder'>) {
  const { id, value, setValue, setError, message } = field;
  const describedBy = [hinted && `${id}-hint`, message && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className="flex gap-1.5">
      {before}
      <input
        id={id}
        autoFocus
        {...input}
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel();
        }}
        aria-invalid={message ? true : undefined}
        aria-describedby={describedBy || undefined}
        className={cx(
          'h-8 min-w-0 flex-1 rounded-md bg-white px-2 text-slate-900 ring-1 outline-none focus:ring-2',
          inputClassName,
          message ? 'ring-red-400 focus:ring-red-500' : 'ring-slate-300 focus:ring-brand-500',
        )}
      />
      <Button type="submit" size="sm" pending={pending}>
        {submitText}
      </Button>
      <Button size="sm" variant="ghost" onClick={onCancel}>
        Cancel
      </Button>
    </div>
  );
}

/** The field's message, announced. */
export function FieldError({ field }: { field: InlineField }) {
  if (!field.message) return null;
  return (
    <p id={`${field.id}-error`} role="alert" className="text-xs text-red-600">
      {field.message}
    </p>
  );
}

/** A hint under the input, read with it (pass `hinted` to its row). */
export function FieldHint({ field, children }: { field: InlineField; children: ReactNode }) {
  return (
    <p id={`${field.id}-hint`} className="text-xs text-slate-500">
      {children}
    </p>
  );
}
