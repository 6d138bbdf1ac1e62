import type { z } from 'zod';
import type { FieldIssue } from '../validation.ts';

/** What a form shows under its inputs: one sentence per top-level field. */
export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;

/** Library messages ("must be at least 2 characters") as sentences for a form. */
export const sentence = (message: string): string => message.charAt(0).toUpperCase() + message.slice(1);

/** The first message per top-level field of a zod error, ready to show under the input. */
export function fieldErrors<K extends string = string>(error: z.ZodError): FieldErrors<K> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '');
    out[key] ??= sentence(issue.message);
  }
  return out as FieldErrors<K>;
}

/**
 * The same for the issues a service names in `AppError.details.fields` (`{ path: "a.b", message }`,
 * the one shape every service uses and the REST API answers as `error.fields`).
 */
export function formFieldErrors<K extends string = string>(issues: readonly FieldIssue[]): FieldErrors<K> {
  const out: Record<string, string> = {};
  for (const issue of issues) out[issue.path.split('.')[0] ?? ''] ??= sentence(issue.message);
  return out as FieldErrors<K>;
}
