'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ZSignUpRequest, type SignUpRequest } from '@toolgate/api/schemas/accounts';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { signUpAction } from '../actions';
import { signInAndOpen, withCallback } from '../sign-in-and-open';
import { useWorkspaceFields, WorkspaceFields, type WorkspaceValues } from '../workspace-fields';

type Field = keyof SignUpRequest;

export function SignUpForm({ urlPrefix, returnTo }: { urlPrefix: string; returnTo?: string }) {
  const router = useRouter();
  const workspace = useWorkspaceFields();
  const [person, setPerson] = useState({ name: '', email: '', password: '' });
  const { form, errors, showErrors, clearError, checkField } = useFieldErrors<Field>();
  const [formError, setFormError] = useState<string>();
  const [pending, setPending] = useState(false);
  const values: SignUpRequest = { ...person, ...workspace.values };

  const validateField = (field: Field) => checkField(field, ZSignUpRequest.shape[field], values[field]);
  const editPerson = (field: keyof typeof person) => (e: { target: { value: string } }) => {
    setPerson((p) => ({ ...p, [field]: e.target.value }));
    clearError(field);
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const parsed = ZSignUpRequest.safeParse(values);
    if (!parsed.success) return showErrors(fieldErrors<Field>(parsed.error));

    setPending(true);
    const result = await signUpAction(values);
    if (!result.ok) {
      setPending(false);
      setFormError(result.formError);
      return showErrors(result.fieldErrors);
    }
    await signInAndOpen(
      router,
      { email: parsed.data.email, password: values.password },
      result.tenantSlug,
      returnTo,
    );
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {formError && <Alert>{formError}</Alert>}
      <TextField
        label="Your name"
        name="name"
        autoComplete="name"
        autoFocus
        placeholder="Ada Lovelace"
        value={person.name}
        onChange={editPerson('name')}
        onBlur={() => validateField('name')}
        error={errors.name}
      />
      <TextField
        label="Work email"
        name="email"
        type="email"
        autoComplete="email"
        placeholder="ada@acme.com"
        value={person.email}
        onChange={editPerson('email')}
        onBlur={() => validateField('email')}
        error={errors.email}
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        value={person.password}
        onChange={editPerson('password')}
        onBlur={() => validateField('password')}
        error={errors.password}
        hint="At least 8 characters."
      />
      <div className="relative py-1">
        <div className="absolute inset-0 flex items-center" aria-hidden="true">
          <div className="w-full border-t border-slate-200" />
        </div>
        <p className="relative flex justify-center">
          <span className="bg-slate-50 px-3 text-xs font-medium tracking-wide text-slate-500 uppercase">
            Your workspace
          </span>
        </p>
      </div>
      <WorkspaceFields
        {...workspace}
        errors={errors}
        urlPrefix={urlPrefix}
        onBlurField={(field: keyof WorkspaceValues) => validateField(field)}
      />
      <Button type="submit" size="lg" pending={pending} className="mt-2 w-full">
        {pending ? 'Creating your workspace…' : 'Create workspace'}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Already have an account?{' '}
        <Link
          href={withCallback('/signin', returnTo)}
          className="font-medium text-brand-600 hover:text-brand-700"
        >
          Sign in
        </Link>
      </p>
    </form>
  );
}
