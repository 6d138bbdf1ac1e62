'use client';

import { useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { FormActions } from '~/components/ui/dialog';
import { TextAreaField } from '~/components/ui/field';

/** Approving, or refusing: a held call is denied, a tool change rejected. */
export type NoteDecision = 'approve' | 'deny' | 'reject';

const LABELS: Record<NoteDecision, { submit: string; pending: string }> = {
  approve: { submit: 'Approve', pending: 'Approving…' },
  deny: { submit: 'Deny', pending: 'Denying…' },
  reject: { submit: 'Reject', pending: 'Rejecting…' },
};

/**
 * A decision's confirmation, with an optional note (the dialog around it says what is decided):
 * the note is sent with the decision; refusing is styled as the dangerous action.
 */
export function DecisionNoteForm({
  decision,
  hint = 'Kept with the decision in the audit log.',
  pending,
  error,
  onCancel,
  onSubmit,
}: {
  decision: NoteDecision;
  /** Under the note: who reads it. */
  hint?: string;
  pending: boolean;
  error: { message: string } | null;
  onCancel: () => void;
  onSubmit: (note: string) => void;
}) {
  const [note, setNote] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(note);
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-4">
      {error && <Alert>{error.message}</Alert>}
      <TextAreaField
        label="Note (optional)"
        hint={hint}
        rows={3}
        maxLength={1000}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <FormActions
        onCancel={onCancel}
        submitLabel={LABELS[decision].submit}
        pendingLabel={LABELS[decision].pending}
        pending={pending}
        variant={decision === 'approve' ? 'primary' : 'danger'}
      />
    </form>
  );
}
