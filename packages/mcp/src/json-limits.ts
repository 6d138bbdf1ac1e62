/**
 * Bounds on JSON the gateway accepts from clients and upstreams. `JSON.parse` copes with any
 * depth, but everything after it that recurses (`JSON.stringify`, schema checks, structured
 * clone) overflows the stack a few thousand levels down. Checking right after parsing keeps a
 * hostile message from ever reaching code that would throw from an event handler.
 */

/** Deeper than any real MCP message (the envelope takes 3 levels, tool arguments the rest). */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects/arrays more than `max` levels deep (iterative, early exit). */
export function exceedsJsonDepth(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

export const tooDeepMessage = (max = MAX_JSON_DEPTH): string =>
  `nested more than ${max} levels deep (the gateway's limit)`;

export type ParsedJson =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'malformed' }
  /** The value is returned so a caller can read its top level (an id) but must not walk it. */
  | { ok: false; reason: 'too-deep'; value: unknown };

/** JSON.parse that never throws and refuses values nested deeper than `max`. */
export function parseBoundedJson(text: string, max = MAX_JSON_DEPTH): ParsedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  return exceedsJsonDepth(value, max) ? { ok: false, reason: 'too-deep', value } : { ok: true, value };
}
