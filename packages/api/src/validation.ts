import { AppError } from '@toolgate/core/errors';
import type { z } from 'zod';
import { formFieldErrors, type FieldErrors } from './schemas/field-errors.ts';

/**
 * One failing field. `AppError.details.fields` is always a list of these, whichever service throws
 * it; the REST API answers them as `error.fields`, forms show them through `appErrorFields`.
 */
export interface FieldIssue {
  /** Dotted path of the failing field ("installFields.0.key"); "" for the whole input. */
  path: string;
  message: string;
}

export const fieldIssues = (error: z.ZodError): FieldIssue[] =>
  error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));

export const describeIssues = (issues: FieldIssue[]): string =>
  issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');

/** Deepest nesting of objects and arrays an input may have; no form or API body comes close. */
export const MAX_INPUT_DEPTH = 64;

const NUL_MESSAGE = 'must not contain NUL characters';
const SURROGATE_MESSAGE = 'must be valid Unicode text (it has an unpaired surrogate)';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** One bad string in each of a thousand array items is one mistake, not a thousand messages. */
const MAX_TEXT_ISSUES = 10;
const MAX_KEY_CHARS_SHOWN = 64;

const textProblem = (value: string): string | undefined =>
  value.includes('\0') ? NUL_MESSAGE : LONE_SURROGATE.test(value) ? SURROGATE_MESSAGE : undefined;

/** A key as it may appear in a message: without the characters it is refused for, and short. */
function shownKey(key: string): string {
  const clean = key.replaceAll('\0', '\uFFFD').replace(new RegExp(LONE_SURROGATE, 'g'), '\uFFFD');
  return clean.length > MAX_KEY_CHARS_SHOWN ? `${clean.slice(0, MAX_KEY_CHARS_SHOWN)}…` : clean;
}

const isPlainObject = (value: object): value is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * What Postgres would refuse in an input, wherever it is: NUL in a string or a key (text
 * columns refuse it) and unpaired UTF-16 surrogates (jsonb refuses them), and nesting deeper than
 * `maxDepth`. Walks without recursion, so no input can exhaust the stack; only arrays and plain
 * objects are entered.
 */
export function unstorableInputIssues(input: unknown, maxDepth: number = MAX_INPUT_DEPTH): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: { value: unknown; path: string[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0 && issues.length < MAX_TEXT_ISSUES) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const message = textProblem(value);
      if (message) issues.push({ path: path.join('.'), message });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value)) continue;
    if (path.length >= maxDepth) {
      issues.push({ path: path.join('.'), message: `must not nest more than ${maxDepth} levels deep` });
      continue;
    }
    const children: { value: unknown; path: string[] }[] = [];
    if (isArray)
      (value as unknown[]).forEach((item, i) => children.push({ value: item, path: [...path, String(i)] }));
    else
      for (const [key, item] of Object.entries(value)) {
        const keyProblem = textProblem(key);
        if (keyProblem)
          issues.push({ path: [...path, shownKey(key)].join('.'), message: `name ${keyProblem}` });
        else children.push({ value: item, path: [...path, key] });
      }
    // Reversed onto the stack, so issues come out in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return issues.slice(0, MAX_TEXT_ISSUES);
}

/**
 * Parses service input with the schema the transports also use, so a service called from
 * anywhere (REST, tRPC, CLI, seed) enforces the same rules. Failures are AppError INVALID with
 * the failing fields named in `details.fields`. Text the database cannot store is refused first,
 * here, for every schema at once: a client's NUL is a 422 naming the field, never a 500.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const unstorable = unstorableInputIssues(input);
  if (unstorable.length > 0) throw invalidInput(unstorable);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(fieldIssues(result.error));
}

export const invalidInput = (fields: FieldIssue[]): AppError =>
  new AppError('INVALID', describeIssues(fields), { fields });

const isFieldIssue = (value: unknown): value is FieldIssue =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as FieldIssue).path === 'string' &&
  typeof (value as FieldIssue).message === 'string';

/** The field messages an AppError carries (INVALID, CONFLICT, …) as a form shows them; {} if none. */
export function appErrorFields(error: AppError): FieldErrors {
  const fields = error.details?.fields;
  return Array.isArray(fields) ? formFieldErrors(fields.filter(isFieldIssue)) : {};
}
