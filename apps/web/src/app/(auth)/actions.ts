'use server';

import type { FieldErrors } from '~/schemas/field-errors';
import type { CreateWorkspaceRequest, SignUpRequest } from '~/schemas/account';
import { getCurrentAccount } from '~/server/auth/session';
import { webContext } from '~/server/context';
import { createWorkspace } from '~/server/services/create-workspace';
import { appErrorFields } from '~/server/services/invalid-input';
import { signUp } from '~/server/services/sign-up';
import { asAppError } from '~/server/trpc/app-errors';

export type FormActionResult =
  { ok: true; tenantSlug: string } | { ok: false; fieldErrors: FieldErrors; formError?: string };

const UNEXPECTED = 'Something went wrong on our side. Please try again in a moment.';

function failure(err: unknown): FormActionResult {
  const appError = asAppError(err);
  if (appError && (appError.code === 'INVALID' || appError.code === 'CONFLICT')) {
    const fieldErrors = appErrorFields(appError);
    return {
      ok: false,
      fieldErrors,
      formError: Object.keys(fieldErrors).length ? undefined : appError.message,
    };
  }
  webContext().log.error({ err }, 'form action failed');
  return { ok: false, fieldErrors: {}, formError: UNEXPECTED };
}

/** Creates the account and workspace; the browser then signs in with the same credentials. */
export async function signUpAction(input: SignUpRequest): Promise<FormActionResult> {
  try {
    const { tenantSlug } = await signUp(webContext().db.db, input);
    return { ok: true, tenantSlug };
  } catch (err) {
    return failure(err);
  }
}

/** A further workspace for the signed-in user. */
export async function createWorkspaceAction(input: CreateWorkspaceRequest): Promise<FormActionResult> {
  const account = await getCurrentAccount();
  if (!account) return { ok: false, fieldErrors: {}, formError: 'Your session has ended. Sign in again.' };
  try {
    const { tenantSlug } = await createWorkspace(webContext().db.db, { userId: account.user.id, ...input });
    return { ok: true, tenantSlug };
  } catch (err) {
    return failure(err);
  }
}
