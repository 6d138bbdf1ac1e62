import { AppError } from '@toolgate/core/errors';
import type { z } from 'zod';
import { fieldErrors, sentence } from '../../schemas/field-errors.ts';

/** INVALID with one message per field in `details.fields`, which forms show under the inputs. */
export function invalidInput(error: z.ZodError): AppError {
  const fields = fieldErrors(error);
  const [field, message] = Object.entries(fields)[0] ?? ['input', 'is invalid'];
  return new AppError('INVALID', `${field}: ${message}`, { fields });
}

/** Field messages carried by an AppError (INVALID or CONFLICT), if any. */
export function appErrorFields(error: AppError): Record<string, string> {
  const fields = error.details?.fields;
  // Control-plane services (@toolgate/api) list issues as [{ path: "a.b", message }].
  if (Array.isArray(fields)) {
    const out: Record<string, string> = {};
    for (const issue of fields as { path?: unknown; message?: unknown }[]) {
      if (typeof issue?.path !== 'string' || typeof issue.message !== 'string') continue;
      out[issue.path.split('.')[0] ?? ''] ??= sentence(issue.message);
    }
    return out;
  }
  return fields && typeof fields === 'object' ? (fields as Record<string, string>) : {};
}
