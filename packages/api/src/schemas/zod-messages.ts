import { z } from 'zod';

type Issue = Parameters<NonNullable<z.core.$ZodConfig['customError']>>[0];

const plural = (n: number | bigint, one: string, many: string) => `${n} ${Number(n) === 1 ? one : many}`;

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

const FORMAT_NAMES: Record<string, string> = {
  url: 'a URL',
  email: 'an email address',
  uuid: 'a UUID',
  datetime: 'a date and time (ISO 8601)',
  date: 'a date (YYYY-MM-DD)',
};

/** How much of something: "100 characters", "50 items". */
function amount(origin: string | undefined, n: number | bigint): string {
  if (origin === 'string') return plural(n, 'character', 'characters');
  if (origin === 'array' || origin === 'set') return plural(n, 'item', 'items');
  return String(n);
}

/**
 * Validation messages as the end of a sentence about a field ("must be at most 100 characters"),
 * never the library's own wording ("Too big: expected string to have <=100 characters"): forms
 * show them under their inputs and the API returns them as `fields`. Messages a schema gives
 * itself win; codes not named here keep zod's.
 */
export function fieldMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'too_big': {
      const bound = issue.inclusive === false ? 'less than' : 'at most';
      return `must be ${bound} ${amount(issue.origin, issue.maximum)}`;
    }
    case 'too_small': {
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      if ((issue.origin === 'array' || issue.origin === 'set') && Number(issue.minimum) === 1)
        return 'needs at least one item';
      const bound = issue.inclusive === false ? 'more than' : 'at least';
      return `must be ${bound} ${amount(issue.origin, issue.minimum)}`;
    }
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? 'is not in the expected format'
        : `must be ${FORMAT_NAMES[issue.format] ?? `a valid ${issue.format}`}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'a field' : 'fields'} it does not take: ${issue.keys.join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
}

z.config({ customError: fieldMessage });
