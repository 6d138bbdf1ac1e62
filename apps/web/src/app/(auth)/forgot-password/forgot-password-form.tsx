'use client';

import Link from 'next/link';
import { useRef, useState, type FormEvent } from 'react';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { ZForgotPasswordForm } from '@toolgate/api/schemas/password-reset';
import { EnvelopeIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button, ButtonLink } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { requestPasswordResetAction } from './actions';

export function ForgotPasswordForm() {
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string>();
  const [formError, setFormError] = useState<string>();
  const [pending, setPending] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const parsed = ZForgotPasswordForm.safeParse({ email });
    if (!parsed.success) {
      setError(fieldErrors(parsed.error).email);
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('input[name="email"]')?.focus());
      return;
    }
    setPending(true);
    try {
      const result = await requestPasswordResetAction({ email });
      if (!result.ok) {
        setError(result.fieldErrors.email);
        setFormError(result.formError);
        return;
      }
      setSentTo(parsed.data.email);
    } catch {
      setFormError('We could not reach the server. Check your connection and try again.');
    } finally {
      setPending(false);
    }
  }

  if (sentTo)
    return (
      <div className="flex flex-col gap-6">
        <div role="status" className="rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200">
          <div className="flex items-start gap-3">
            <span className="flex size-9 shrink-0 items-center justify-center rounded-full bg-brand-50 text-brand-600">
              <EnvelopeIcon className="size-5" />
            </span>
            <div className="text-sm text-slate-700">
              <p className="font-semibold text-slate-900">Check your email</p>
              <p className="mt-1">
                If an account exists for <strong className="font-medium text-slate-900">{sentTo}</strong>, we
                have sent it a link to reset the password. The link works once, for one hour.
              </p>
              <p className="mt-2 text-slate-500">
                Nothing arrived after a few minutes? Check your spam folder, or ask your administrator — on
                servers without email set up, the link is in the server log.
              </p>
            </div>
          </div>
        </div>
        <div className="flex flex-wrap gap-3">
          <ButtonLink href="/signin">Back to sign in</ButtonLink>
          <Button
            variant="secondary"
            onClick={() => {
              setSentTo(null);
              setEmail('');
            }}
          >
            Use another address
          </Button>
        </div>
      </div>
    );

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {formError && <Alert>{formError}</Alert>}
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        autoFocus
        placeholder="you@company.com"
        value={email}
        onChange={(e) => {
          setEmail(e.target.value);
          if (error) setError(undefined);
        }}
        error={error}
      />
      <Button type="submit" size="lg" pending={pending} className="mt-1 w-full">
        {pending ? 'Sending…' : 'Send reset link'}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Remembered it?{' '}
        <Link href="/signin" className="font-medium text-brand-600 hover:text-brand-700">
          Back to sign in
        </Link>
      </p>
    </form>
  );
}
