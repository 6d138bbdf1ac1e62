import { captureForAudit } from '@toolgate/core/redact';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text Postgres refuses (NUL in text, lone surrogates in jsonb) made storable. */
export const storableText = (value: string): string =>
  value.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');

/**
 * What may be kept of a value: secrets redacted and size capped (captureForAudit), strings made
 * storable, and plain objects again (the capture's copies have no prototype, which the query
 * builder rejects).
 */
export function redactedJson(value: unknown, maxChars: number): unknown {
  const captured = captureForAudit(value ?? null, maxChars);
  const text = JSON.stringify(captured, (_key, v: unknown) => (typeof v === 'string' ? storableText(v) : v));
  return JSON.parse(text ?? 'null') as unknown;
}
