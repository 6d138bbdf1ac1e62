import { z } from 'zod';
// Validation messages in words for every schema (and every form) that uses these.
import './zod-messages.ts';

/** Row ids. Any 8-4-4-4-12 hex string, as Postgres accepts; path ids that fail it are "not found". */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ZId = z.string().regex(UUID_PATTERN, 'must be a UUID');

/** Timestamps travel as ISO 8601 strings. */
export const ZTimestamp = z.iso.datetime({ offset: true });

/** A display name: what forms show next to the field, in words (never the validator's text). */
export const ZName = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** An absolute http(s) URL without embedded credentials. */
export const ZHttpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without credentials');

export const ZFieldIssue = z.object({ path: z.string(), message: z.string() });

/** Every error answer of the REST API. */
export const ZErrorResponse = z.object({
  error: z.object({
    code: z.string().meta({ examples: ['NOT_FOUND', 'INVALID', 'CONFLICT'] }),
    message: z.string(),
    /** Validation failures name each failing field. */
    fields: z.array(ZFieldIssue).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorResponse = z.infer<typeof ZErrorResponse>;

export const toIso = (d: Date): string => d.toISOString();
export const toIsoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);
