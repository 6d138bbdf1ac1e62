'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ZCreateWorkspaceRequest } from '@toolgate/api/schemas/accounts';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { Alert } from '~/components/ui/alert';
import { Button, ButtonLink } from '~/components/ui/button';
import { useFieldErrors } from '~/components/use-field-errors';
import { createWorkspaceAction } from '../../actions';
import { useWorkspaceFields, WorkspaceFields, type WorkspaceValues } from '../../workspace-fields';

export function CreateWorkspaceForm({ urlPrefix, cancelHref }: { urlPrefix: string; cancelHref?: string }) {
  const router = useRouter();
  const workspace = useWorkspaceFields();
  const { form, errors, showErrors, checkField } = useFieldErrors<keyof WorkspaceValues>();
  const [formError, setFormError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    const parsed = ZCreateWorkspaceRequest.safeParse(workspace.values);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error));
    setPending(true);
    const result = await createWorkspaceAction(workspace.values);
    if (!result.ok) {
      setPending(false);
      setFormError(result.formError);
      return showErrors(result.fieldErrors);
    }
    router.replace(`/t/${result.tenantSlug}`);
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {formError && <Alert>{formError}</Alert>}
      <WorkspaceFields
        {...workspace}
        autoFocus
        errors={errors}
        urlPrefix={urlPrefix}
        onBlurField={(field) =>
          checkField(field, ZCreateWorkspaceRequest.shape[field], workspace.values[field])
        }
      />
      <div className="mt-2 flex gap-3">
        {cancelHref && (
          <ButtonLink href={cancelHref} variant="secondary" size="lg" className="flex-1">
            Cancel
          </ButtonLink>
        )}
        <Button type="submit" size="lg" pending={pending} className="flex-1">
          {pending ? 'Creating…' : 'Create workspace'}
        </Button>
      </div>
    </form>
  );
}
