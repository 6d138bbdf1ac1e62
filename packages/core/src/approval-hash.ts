import { createHash } from 'node:crypto';

/**
 * The identity of a tool call's arguments, for approvals: "the same call retried" is the same
 * caller, gateway and tool with arguments of the same hash. The proxy and the control plane both
 * compute it here, so the two always agree.
 *
 * Canonical JSON (as RFC 8785 does it for JSON values): object keys sorted by UTF-16 code units
 * (JavaScript's default sort), no whitespace, strings and numbers as `JSON.stringify` writes
 * them, array order kept. Properties whose value is `undefined` are left out, as JSON leaves
 * them out; absent arguments hash as `{}` (a call without arguments is a call with none).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

/** SHA-256 (lower-case hex) of the canonical JSON of a call's raw arguments. */
export function canonicalArgsHash(args: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(args ?? {}))
    .digest('hex');
}
