/**
 * JSON with object keys sorted at every depth and no whitespace: equal values give equal text
 * whatever order a server, jsonb or a client put the keys in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export { sha256Hex } from '@toolgate/core/crypto';
