'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { ZResetPasswordForm, type ResetPasswordForm as Values } from '@toolgate/api/schemas/password-reset';
import { Alert } from '~/components/ui/alert';
import { Button, ButtonLink } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { resetPasswordAction } from './actions';

type Field = keyof Values;

export function ResetPasswordForm({ token, email }: { token: string; email: string }) {
  const router = useRouter();
  const [values, setValues] = useState<Values>({ password: '', confirmPassword: '' });
  const { form, errors, showErrors, clearError } = useFieldErrors<Field>();
  const [formError, setFormError] = useState<string>();
  /** The link stopped working meanwhile (used in another tab, expired): offer a new one. */
  const [deadLink, setDeadLink] = useState(false);
  const [pending, setPending] = useState(false);

  const edit = (field: Field) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [field]: e.target.value }));
    clearError(field);
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const parsed = ZResetPasswordForm.safeParse(values);
    if (!parsed.success) return showErrors(fieldErrors<Field>(parsed.error));
    setPending(true);
    try {
      const result = await resetPasswordAction({ ...values, token });
      if (!result.ok) {
        setPending(false);
        setFormError(result.formError);
        setDeadLink(['invalid', 'expired', 'used'].includes(result.reason ?? ''));
        return showErrors(result.fieldErrors);
      }
      router.replace('/signin?passwordReset=1');
    } catch {
      setPending(false);
      setFormError('We could not reach the server. Check your connection and try again.');
    }
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {formError && <Alert>{formError}</Alert>}
      {deadLink && (
        <ButtonLink href="/forgot-password" variant="secondary" className="self-start">
          Request a new link
        </ButtonLink>
      )}
      {/* For password managers: which account the new password belongs to. */}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <TextField
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        autoFocus
        value={values.password}
        onChange={edit('password')}
        error={errors.password}
        hint="At least 8 characters."
      />
      <TextField
        label="Confirm new password"
        name="confirmPassword"
        type="password"
        autoComplete="new-password"
        value={values.confirmPassword}
        onChange={edit('confirmPassword')}
        error={errors.confirmPassword}
      />
      <Button type="submit" size="lg" pending={pending} className="mt-1 w-full">
        {pending ? 'Saving…' : 'Set new password'}
      </Button>
    </form>
  );
}
