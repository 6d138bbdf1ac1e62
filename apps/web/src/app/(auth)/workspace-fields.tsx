'use client';

import { slugify } from '@toolgate/core/slug';
import { useState } from 'react';
import { TextField } from '~/components/ui/field';
import type { FieldErrors } from '~/schemas/field-errors';

export interface WorkspaceValues {
  workspaceName: string;
  workspaceSlug: string;
}

/**
 * Workspace name and URL: the URL follows the name until the user edits it, after which it is
 * theirs (clearing it hands it back to the name).
 */
export function useWorkspaceFields(initialName = '') {
  const [values, setValues] = useState<WorkspaceValues>({
    workspaceName: initialName,
    workspaceSlug: slugify(initialName),
  });
  const [slugEdited, setSlugEdited] = useState(false);
  const setName = (workspaceName: string) =>
    setValues((v) => ({
      workspaceName,
      workspaceSlug: slugEdited ? v.workspaceSlug : slugify(workspaceName),
    }));
  const setSlug = (raw: string) => {
    const workspaceSlug = raw.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    setSlugEdited(workspaceSlug !== '');
    setValues((v) => ({ ...v, workspaceSlug: workspaceSlug || slugify(v.workspaceName) }));
  };
  return { values, setName, setSlug };
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
