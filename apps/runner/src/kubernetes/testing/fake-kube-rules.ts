/** What the fake API server (fake-kube-api.ts) shares: its error, merge patch and label selectors. */

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: object,
  ) {
    super(message);
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Equality-based selectors (`k=v`, `k==v`, `k!=v`, `k`, `!k`); set-based ones are refused (400). */
export function parseSelector(text: string): (labels: Record<string, string>) => boolean {
  const tests = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((term) => {
      let m: RegExpExecArray | null;
      if ((m = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(term))) {
        const [, k, v] = m;
        return (l: Record<string, string>) => l[k!] !== v;
      }
      if ((m = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(term))) {
        const [, k, v] = m;
        return (l: Record<string, string>) => l[k!] === v;
      }
      if ((m = /^!([^!=\s]+)$/.exec(term))) {
        const [, k] = m;
        return (l: Record<string, string>) => !(k! in l);
      }
      if ((m = /^([^!=\s()]+)$/.exec(term))) {
        const [, k] = m;
        return (l: Record<string, string>) => k! in l;
      }
      throw new ApiError(400, 'BadRequest', `unable to parse requirement: ${term}`);
    });
  return (labels) => tests.every((t) => t(labels));
}
