import { AppError } from '@toolgate/core/errors';
import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path of the failing field ("installFields.0.key"); "" for the whole input. */
  path: string;
  message: string;
}

export const fieldIssues = (error: z.ZodError): FieldIssue[] =>
  error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));

export const describeIssues = (issues: FieldIssue[]): string =>
  issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');

/**
 * Parses service input with the schema the transports also use, so a service called from
 * anywhere (REST, tRPC, CLI, seed) enforces the same rules. Failures are AppError INVALID with
 * the failing fields named in `details.fields`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = fieldIssues(result.error);
  throw new AppError('INVALID', describeIssues(fields), { fields });
}
