'use client';

import type { FieldErrors } from '@toolgate/api/schemas/field-errors';
import { TextField } from '~/components/ui/field';
import { useNameAndSlug } from '~/components/use-name-and-slug';

export interface WorkspaceValues {
  workspaceName: string;
  workspaceSlug: string;
}

/** Workspace name and URL: the URL follows the name until the user edits it. */
export function useWorkspaceFields() {
  const { name, slug, setName, editSlug } = useNameAndSlug();
  const values: WorkspaceValues = { workspaceName: name, workspaceSlug: slug };
  return { values, setName, setSlug: editSlug };
}

export function WorkspaceFields({
  values,
  setName,
  setSlug,
  errors,
  onBlurField,
  urlPrefix,
  autoFocus,
}: ReturnType<typeof useWorkspaceFields> & {
  errors: FieldErrors<keyof WorkspaceValues>;
  onBlurField: (field: keyof WorkspaceValues) => void;
  urlPrefix: string;
  autoFocus?: boolean;
}) {
  return (
    <>
      <TextField
        label="Workspace name"
        name="workspaceName"
        autoComplete="organization"
        placeholder="Acme Inc."
        autoFocus={autoFocus}
        value={values.workspaceName}
        onChange={(e) => setName(e.target.value)}
        onBlur={() => onBlurField('workspaceName')}
        error={errors.workspaceName}
      />
      <TextField
        label="Workspace URL"
        name="workspaceSlug"
        autoComplete="off"
        spellCheck={false}
        prefix={urlPrefix}
        placeholder="acme"
        value={values.workspaceSlug}
        onChange={(e) => setSlug(e.target.value)}
        onBlur={() => onBlurField('workspaceSlug')}
        error={errors.workspaceSlug}
        hint="Lower-case letters, digits and hyphens. It also appears in your gateway URLs."
      />
    </>
  );
}
