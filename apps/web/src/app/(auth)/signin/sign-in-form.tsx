'use client';

import { signIn } from 'next-auth/react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ZSignInRequest, type SignInRequest } from '@toolgate/api/schemas/accounts';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { Alert } from '~/components/ui/alert';
import { Button, buttonClasses } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { openPath, withCallback } from '../sign-in-and-open';

export interface OAuthButton {
  id: string;
  name: string;
}

const WRONG_CREDENTIALS = 'Incorrect email or password.';

export function SignInForm({
  callbackUrl,
  providers,
  initialError,
  notice,
  signupOpen = true,
}: {
  callbackUrl: string;
  providers: OAuthButton[];
  initialError?: string;
  notice?: string;
  /** TOOLGATE_SIGNUP=open: offer to create a workspace. */
  signupOpen?: boolean;
}) {
  const router = useRouter();
  const [values, setValues] = useState<SignInRequest>({ email: '', password: '' });
  const { form, errors, showErrors, clearError } = useFieldErrors<keyof SignInRequest>();
  const [formError, setFormError] = useState(initialError);
  const [pending, setPending] = useState(false);

  const edit = (field: keyof SignInRequest) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [field]: e.target.value }));
    clearError(field);
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const parsed = ZSignInRequest.safeParse(values);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error));
    setPending(true);
    const result = await signIn('credentials', { ...parsed.data, redirect: false });
    if (!result?.ok) {
      setPending(false);
      setFormError(
        result?.error === 'CredentialsSignin' ? WRONG_CREDENTIALS : 'We could not sign you in. Try again.',
      );
      setValues((v) => ({ ...v, password: '' }));
      requestAnimationFrame(() =>
        form.current?.querySelector<HTMLElement>('input[name="password"]')?.focus(),
      );
      return;
    }
    openPath(router, callbackUrl);
  }

  return (
    <div className="flex flex-col gap-6">
      {notice && !formError && <Alert tone="success">{notice}</Alert>}
      {formError && <Alert>{formError}</Alert>}
      {providers.length > 0 && (
        <>
          <div className="flex flex-col gap-2.5">
            {providers.map((p) => (
              <button
                key={p.id}
                type="button"
                onClick={() => void signIn(p.id, { callbackUrl })}
                className={buttonClasses({ variant: 'secondary', size: 'lg' })}
              >
                Continue with {p.name}
              </button>
            ))}
          </div>
          <div className="relative">
            <div className="absolute inset-0 flex items-center" aria-hidden="true">
              <div className="w-full border-t border-slate-200" />
            </div>
            <p className="relative flex justify-center">
              <span className="bg-slate-50 px-3 text-xs text-slate-500">or with your email</span>
            </p>
          </div>
        </>
      )}
      <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          autoFocus
          placeholder="you@company.com"
          value={values.email}
          onChange={edit('email')}
          error={errors.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          labelAside={
            <Link href="/forgot-password" className="text-sm font-medium text-brand-600 hover:text-brand-700">
              Forgot password?
            </Link>
          }
          value={values.password}
          onChange={edit('password')}
          error={errors.password}
        />
        <Button type="submit" size="lg" pending={pending} className="mt-1 w-full">
          {pending ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
      {signupOpen && (
        <p className="text-center text-sm text-slate-600">
          New to Toolgate?{' '}
          <Link
            href={withCallback('/signup', callbackUrl === '/t' ? undefined : callbackUrl)}
            className="font-medium text-brand-600 hover:text-brand-700"
          >
            Create a workspace
          </Link>
        </p>
      )}
    </div>
  );
}
