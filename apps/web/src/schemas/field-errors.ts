import type { z } from 'zod';

export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;

/** Library messages ("must be at least 2 characters") as sentences for a form. */
export const sentence = (message: string): string => message.charAt(0).toUpperCase() + message.slice(1);

/** The first message per top-level field, ready to show under the input. */
export function fieldErrors<K extends string = string>(error: z.ZodError): FieldErrors<K> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '');
    out[key] ??= sentence(issue.message);
  }
  return out as FieldErrors<K>;
}
