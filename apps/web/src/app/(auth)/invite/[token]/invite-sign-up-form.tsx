'use client';

import { ZPersonName, ZNewPassword } from '@toolgate/api/schemas/accounts';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { z } from 'zod';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { signInAndOpen } from '../../sign-in-and-open';
import { signUpWithInvitationAction } from './actions';

const ZInviteSignUpForm = z.object({ name: ZPersonName, password: ZNewPassword });
type Field = 'name' | 'email' | 'password';

/** Create an account for the invited address (shown, not editable) and join; no new workspace. */
export function InviteSignUpForm({
  token,
  email,
  tenantName,
  signInHref,
}: {
  token: string;
  email: string;
  tenantName: string;
  signInHref: string;
}) {
  const router = useRouter();
  const [values, setValues] = useState({ name: '', password: '' });
  const { form, errors, showErrors, clearError, checkField } = useFieldErrors<Field>();
  const [formError, setFormError] = useState<string>();
  const [pending, setPending] = useState(false);

  const edit = (field: 'name' | 'password') => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [field]: e.target.value }));
    clearError(field);
  };
  const validateField = (field: 'name' | 'password') =>
    checkField(field, ZInviteSignUpForm.shape[field], values[field]);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const parsed = ZInviteSignUpForm.safeParse(values);
    if (!parsed.success) return showErrors(fieldErrors<Field>(parsed.error));
    setPending(true);
    try {
      const result = await signUpWithInvitationAction({ token, ...values });
      if (!result.ok) {
        setPending(false);
        setFormError(result.formError);
        return showErrors(result.fieldErrors);
      }
      await signInAndOpen(router, { email: result.email, password: values.password }, result.tenantSlug);
    } catch {
      setPending(false);
      setFormError('We could not reach the server. Check your connection and try again.');
    }
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {formError && <Alert>{formError}</Alert>}
      <TextField
        label="Work email"
        name="email"
        type="email"
        autoComplete="username"
        value={email}
        readOnly
        aria-readonly="true"
        className="[&_input]:text-slate-500"
        error={errors.email}
        hint="The invitation is for this address."
      />
      <TextField
        label="Your name"
        name="name"
        autoComplete="name"
        autoFocus
        placeholder="Ada Lovelace"
        value={values.name}
        onChange={edit('name')}
        onBlur={() => validateField('name')}
        error={errors.name}
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        value={values.password}
        onChange={edit('password')}
        onBlur={() => validateField('password')}
        error={errors.password}
        hint="At least 8 characters."
      />
      <Button type="submit" size="lg" pending={pending} className="mt-1 w-full">
        {pending ? 'Joining…' : `Create account and join ${tenantName}`}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Already have an account?{' '}
        <Link href={signInHref} className="font-medium text-brand-600 hover:text-brand-700">
          Sign in to accept
        </Link>
      </p>
    </form>
  );
}
