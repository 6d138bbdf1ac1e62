import { AppError } from '@toolgate/core/errors';
import type { z } from 'zod';
import { fieldErrors } from '../../schemas/field-errors.ts';

/** INVALID with one message per field in `details.fields`, which forms show under the inputs. */
export function invalidInput(error: z.ZodError): AppError {
  const fields = fieldErrors(error);
  const [field, message] = Object.entries(fields)[0] ?? ['input', 'is invalid'];
  return new AppError('INVALID', `${field}: ${message}`, { fields });
}

/** Field messages carried by an AppError (INVALID or CONFLICT), if any. */
export function appErrorFields(error: AppError): Record<string, string> {
  const fields = error.details?.fields;
  return fields && typeof fields === 'object' ? (fields as Record<string, string>) : {};
}
