/**
 * Seeded, deterministic building blocks for fuzz tests: a PRNG, hostile strings, JSON values
 * generated from a JSON Schema (what the OpenAPI document holds), and mutations of them. Nothing
 * here reads the clock or Math.random, so a seed replays the same run.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: tiny, fast, and good enough to choose test inputs. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    chance: (p) => next() < p,
  };
}

/** Strings Postgres refuses outright: NUL anywhere, unpaired UTF-16 surrogates (in jsonb). */
export const UNSTORABLE_STRINGS = ['\u0000', 'a\u0000b', 'name\u0000', '\ud800', 'x\udfffy', '\udc00\ud800'];

/** Odd but storable text: invisible, bidirectional, combining, astral, injection-shaped. */
export const ODD_STRINGS = [
  '',
  ' ',
  '\ufeffbom',
  '\u202eevil\u202c',
  'zero\u200bwidth',
  'e\u0301\u0301\u0301',
  '🙂👩‍👩‍👧‍👦',
  '\uffff\ufffe',
  '\u0001\u0007\u001b[31m',
  '\r\n\t',
  '%00',
  '%ED%A0%80',
  "'; drop table gateways; --",
  '${process.env}',
  '{{7*7}}',
  '../../etc/passwd',
  '\\u0000',
  '<script>alert(1)</script>',
  'ＡＢＣ',
  '\u0130\u0131',
];

/** Plausible values for JSON Schema string patterns, tried in order. */
const PATTERN_CANDIDATES = (rng: Rng): string[] => [
  `fz-${rng.int(1e9).toString(36)}`,
  'X-Fuzz',
  `FUZZ_${rng.int(1e6)}`,
  `fz.${rng.int(1e6)}`,
  new Date(Date.UTC(2099, 0, 1 + rng.int(300))).toISOString(),
  '00000000-0000-4000-8000-000000000000',
];

export interface SampleHints {
  /** A value for a string property by name (ids of seeded objects, URLs), or undefined. */
  stringFor(property: string, schema: JsonSchema): string | undefined;
}

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
};

/**
 * A value that (usually) satisfies `schema`: required properties always, optional ones at
 * random, strings matching their pattern when one of the candidates does.
 */
export function sampleFromSchema(schema: JsonSchema, rng: Rng, hints: SampleHints, property = ''): unknown {
  const options = schema.anyOf ?? schema.oneOf;
  if (options) {
    const concrete = options.filter((o) => o.type !== 'null');
    return sampleFromSchema(
      rng.chance(0.9) ? (concrete[0] ?? options[0]!) : rng.pick(options),
      rng,
      hints,
      property,
    );
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.pick(schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [name, sub] of Object.entries(schema.properties ?? {})) {
        if (required.has(name) || rng.chance(0.5)) out[name] = sampleFromSchema(sub, rng, hints, name);
      }
      if (typeof schema.additionalProperties === 'object' && rng.chance(0.5)) {
        const key = sampleString(schema.propertyNames ?? { type: 'string' }, rng, hints, '');
        out[key] = sampleFromSchema(schema.additionalProperties, rng, hints, key);
      }
      return out;
    }
    case 'array': {
      const min = schema.minItems ?? 0;
      const count = Math.min(schema.maxItems ?? min + 2, min + rng.int(3));
      return Array.from({ length: count }, () => sampleFromSchema(schema.items ?? {}, rng, hints, property));
    }
    case 'string':
      return sampleString(schema, rng, hints, property);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? min + 100;
      return min + rng.int(Math.max(1, max - min + 1));
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    default:
      return schema.default ?? 'x';
  }
}

function sampleString(schema: JsonSchema, rng: Rng, hints: SampleHints, property: string): string {
  const hinted = hints.stringFor(property, schema);
  if (hinted !== undefined) return hinted;
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    const fit = PATTERN_CANDIDATES(rng).find((c) => pattern.test(c));
    if (fit !== undefined) return fit;
  }
  if (schema.format === 'date-time') return new Date(Date.UTC(2099, 0, 1)).toISOString();
  const min = Math.max(schema.minLength ?? 1, 1);
  const max = Math.max(min, Math.min(schema.maxLength ?? 24, 24));
  const length = min + rng.int(max - min + 1);
  let text = '';
  while (text.length < length) text += rng.int(36 ** 4).toString(36);
  return `fz${text}`.slice(0, length);
}

export type JsonPath = (string | number)[];

/** Paths of every string in `value` (not object keys), depth first. */
export function stringPaths(value: unknown, path: JsonPath = []): JsonPath[] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

/** Paths of every value in `value`, the root included. */
export function valuePaths(value: unknown, path: JsonPath = []): JsonPath[] {
  const here = [path];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => valuePaths(v, [...path, i]))];
  if (value && typeof value === 'object')
    return [...here, ...Object.entries(value).flatMap(([k, v]) => valuePaths(v, [...path, k]))];
  return here;
}

/** A copy of `value` with the value at `path` replaced (the root when `path` is empty). */
export function replaceAt(value: unknown, path: JsonPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...(value as unknown[])];
    copy[head as number] = replaceAt(copy[head as number], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  copy[head!] = replaceAt(copy[head!], rest, replacement);
  return copy;
}

export const getAt = (value: unknown, path: JsonPath): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], value);

/** JSON text of `[[[…]]]` or `{"a":{"a":…}}` nested `depth` levels (too deep to stringify). */
export function deeplyNestedText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}"leaf"${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
}

/** Values of the wrong type for almost any field. */
export const WRONG_TYPES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  '0',
  'true',
  [],
  [null],
  {},
  { __proto__: 'x' },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
];
