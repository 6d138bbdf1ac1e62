/**
 * Seeded building blocks for the MCP endpoint fuzzer: a PRNG, hostile strings and JSON fragments,
 * nesting too deep to stringify, and mutations of JSON text and sealed session ids. Nothing here
 * reads the clock or Math.random, so one seed replays the same cases.
 */

import { seededRng, type Rng } from '@toolgate/api/testing/fuzz-kit';

// One seeded PRNG for every fuzzer (the REST fuzzer's kit): same seed, same cases.
export { seededRng, type Rng };

/**
 * Strings that are valid JS but odd on the wire or in storage: NUL, lone surrogates (JSON.stringify
 * escapes them), noncharacters, bidi controls, zero-width and combining marks, astral emoji.
 */
export const ODD_STRINGS: readonly string[] = [
  '',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\uffff\ufffe',
  '\u202eevil\u202c',
  '\u200f\u200e\u061c',
  'zero\u200bwidth\u2060',
  'e\u0301\u0301\u0301\u0301',
  '🙂👩‍👩‍👧‍👦',
  '\ufeffbom',
  '\u0001\u0007\u001b[31m\u007f',
  '\r\n\t\v\f',
  '\u2028\u2029',
  '%00%ED%A0%80',
  '\\u0000',
  '${process.env}',
  '__proto__',
  'ＡＢＣ\u0130\u0131',
];

/** A long run of one odd character: long strings through every layer. */
export function longString(rng: Rng): string {
  const unit = rng.pick(['x', '\u0000', '\ud800', '\uffff', '\u202e', '🙂', 'é']);
  return unit.repeat(rng.pick([1_000, 20_000, 200_000]));
}

/**
 * JSON *text* for values of every wrong type: what a typed client could never send. Kept as text
 * so numbers past double range (`1e400` parses as Infinity), `-0` and escapes arrive as written.
 */
export const WRONG_FRAGMENTS: readonly string[] = [
  'null',
  'true',
  'false',
  '0',
  '-0',
  '-1',
  '1.5',
  '1e400',
  '-1e400',
  '5e-324',
  '123456789012345678901234567890',
  '9007199254740993',
  '""',
  '"0"',
  '"\\u0000"',
  '"\\ud800"',
  '"\\uffff"',
  '[]',
  '[null]',
  '[1,"a",{}]',
  '{}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"":""}',
];

/** An odd string as JSON text (escapes as JSON.stringify writes them). */
export const oddFragment = (rng: Rng): string =>
  JSON.stringify(rng.chance(0.15) ? longString(rng) : rng.pick(ODD_STRINGS));

/** Any hostile JSON value, as text. */
export const hostileFragment = (rng: Rng): string =>
  rng.chance(0.6) ? rng.pick(WRONG_FRAGMENTS) : oddFragment(rng);

/** `[[[…]]]`, `{"a":{"a":…}}` or both alternating, `depth` levels, as text (unclosed if asked). */
export function deepFragment(depth: number, kind: 'array' | 'object' | 'mixed', closed = true): string {
  const open = kind === 'array' ? '[' : kind === 'object' ? '{"a":' : '{"a":[';
  const close = kind === 'array' ? ']' : kind === 'object' ? '}' : ']}';
  const levels = kind === 'mixed' ? Math.ceil(depth / 2) : depth;
  return `${open.repeat(levels)}1${closed ? close.repeat(levels) : ''}`;
}

export const DEEP_LEVELS: readonly number[] = [65, 100, 1_000, 5_000, 20_000, 100_000];

/** A stand-in that survives JSON.stringify unchanged, then is swapped for raw JSON text. */
const HOLE = '\u0001hole\u0001';
const HOLE_TEXT = JSON.stringify(HOLE);

export type JsonPath = readonly (string | number)[];

/** Every place in `value` a value sits (the root included), depth first. */
export function valuePaths(value: unknown, path: JsonPath = []): JsonPath[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => valuePaths(v, [...path, i]))];
  if (value && typeof value === 'object')
    return [path, ...Object.entries(value).flatMap(([k, v]) => valuePaths(v, [...path, k]))];
  return [path];
}

function setAt(value: unknown, path: JsonPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head!] = setAt(copy[head!], rest, replacement);
  return copy;
}

/** `message` as JSON text with the value at `path` replaced by `fragment` (raw JSON text). */
export function withFragment(message: unknown, path: JsonPath, fragment: string): string {
  return JSON.stringify(setAt(message, path, HOLE)).replace(HOLE_TEXT, () => fragment);
}

/** `message` as JSON text without the member at `path`. */
export function without(message: unknown, path: JsonPath): string {
  if (path.length === 0) return '';
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1]!;
  const parent = parentPath.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], message);
  const trimmed = Array.isArray(parent)
    ? parent.filter((_, i) => i !== key)
    : Object.fromEntries(Object.entries(parent as object).filter(([k]) => k !== key));
  return JSON.stringify(setAt(message, parentPath, trimmed));
}

/** Byte-level damage to JSON text: truncation, flipped or inserted bytes, invalid UTF-8. */
export function damageText(text: string, rng: Rng): { what: string; body: Buffer } {
  const bytes = Buffer.from(text, 'utf8');
  const at = bytes.length === 0 ? 0 : rng.int(bytes.length);
  switch (rng.int(7)) {
    case 0:
      return { what: `truncated at byte ${at}`, body: bytes.subarray(0, at) };
    case 1: {
      const copy = Buffer.from(bytes);
      if (copy.length > 0) copy[at] = copy[at]! ^ (1 << rng.int(8));
      return { what: `bit flipped at byte ${at}`, body: copy };
    }
    case 2: {
      const junk = rng.pick([
        [0x00],
        [0xff],
        [0xc3, 0x28],
        [0xed, 0xa0, 0x80],
        [0xe2, 0x82],
        [0xf4, 0x90, 0x80, 0x80],
      ]);
      return {
        what: `bytes ${Buffer.from(junk).toString('hex')} inserted at byte ${at}`,
        body: Buffer.concat([bytes.subarray(0, at), Buffer.from(junk), bytes.subarray(at)]),
      };
    }
    case 3:
      return { what: 'BOM prepended', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) };
    case 4:
      return {
        what: 'trailing garbage',
        body: Buffer.concat([bytes, Buffer.from(rng.pick(['}', ',', ' x', '\u0000', '{}']))]),
      };
    case 5:
      return { what: 'a duplicate "id" key', body: Buffer.from(text.replace(/^\{/, '{"id":{"a":1},')) };
    default:
      return { what: 'as UTF-16LE', body: Buffer.from(text, 'utf16le') };
  }
}

export const TAMPER_KINDS = 8;

/**
 * A sealed value (`v1.key.iv.body`, base64url parts) damaged so that it must no longer open:
 * a bit flipped in the decoded iv or body (re-encoded, so no change hides in padding bits), parts
 * truncated, extended, dropped or added, the key id changed.
 */
export function tamperSealed(
  sealed: string,
  rng: Rng,
  kind = rng.int(TAMPER_KINDS),
): { what: string; value: string } {
  const parts = sealed.split('.');
  const flipIn = (index: number) => {
    const decoded = Buffer.from(parts[index] ?? '', 'base64url');
    if (decoded.length === 0) return sealed;
    const at = rng.int(decoded.length);
    decoded[at] = decoded[at]! ^ (1 << rng.int(8));
    return parts.map((p, i) => (i === index ? decoded.toString('base64url') : p)).join('.');
  };
  switch (kind % TAMPER_KINDS) {
    case 0:
      return { what: 'a bit flipped in the iv', value: flipIn(2) };
    case 1:
      return { what: 'a bit flipped in the ciphertext', value: flipIn(3) };
    case 2: {
      const cut = 1 + rng.int(Math.max(1, sealed.length - 1));
      return { what: `truncated to ${cut} chars`, value: sealed.slice(0, cut) };
    }
    case 3:
      return { what: 'extended by 4 chars', value: `${sealed}AAAA` };
    case 4:
      return { what: 'an extra part', value: `${sealed}.AAAA` };
    case 5:
      return { what: 'the key id changed', value: parts.map((p, i) => (i === 1 ? `${p}x` : p)).join('.') };
    case 6:
      return { what: 'the tag cut off', value: sealed.slice(0, -22) };
    default:
      return { what: 'iv and body swapped', value: [parts[0], parts[1], parts[3], parts[2]].join('.') };
  }
}

/** Hands out `items` in turn, one per call: every variant of a family comes up in a long enough run. */
export function rotation(): <T>(items: readonly T[]) => T {
  let turn = 0;
  return (items) => items[turn++ % items.length]!;
}

/** A short, printable description of a body for reports (control and non-ASCII characters escaped). */
export function preview(body: string | Buffer | undefined, max = 160): string {
  if (body === undefined) return '(none)';
  const text = typeof body === 'string' ? body : body.toString('latin1');
  const shown = text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
  return [...shown]
    .map((c) => {
      const code = c.codePointAt(0)!;
      return code >= 0x20 && code < 0x7f ? c : `\\u{${code.toString(16)}}`;
    })
    .join('');
}
