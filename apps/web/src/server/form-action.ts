import type { FieldErrors } from '@toolgate/api/schemas/field-errors';
import { asAppError } from '@toolgate/api/trpc/app-errors';
import { appErrorFields } from '@toolgate/api/validation';
import { webContext } from './context.ts';

/** What a form's server action answers: the value, or messages for the fields and the form. */
export type ActionResult<T extends object = object> =
  | ({ ok: true } & T)
  | {
      ok: false;
      fieldErrors: FieldErrors;
      formError?: string;
      /** `details.reason` of the service's error ("expired", "used", "account-exists", …). */
      reason?: string;
    };

const UNEXPECTED = 'Something went wrong on our side. Please try again in a moment.';

/** Services' client errors become messages; anything else is logged and answered vaguely. */
export function actionFailure(err: unknown): ActionResult & { ok: false } {
  const appError = asAppError(err);
  if (appError && appError.code !== 'UPSTREAM' && appError.code !== 'UNAVAILABLE') {
    const fieldErrors = appErrorFields(appError);
    const reason = appError.details?.reason;
    return {
      ok: false,
      fieldErrors,
      formError: Object.keys(fieldErrors).length > 0 ? undefined : appError.message,
      ...(typeof reason === 'string' ? { reason } : {}),
    };
  }
  webContext().log.error({ err }, 'form action failed');
  return { ok: false, fieldErrors: {}, formError: UNEXPECTED };
}

export const sessionEnded = (): ActionResult & { ok: false } => ({
  ok: false,
  fieldErrors: {},
  formError: 'Your session has ended. Sign in again.',
});
