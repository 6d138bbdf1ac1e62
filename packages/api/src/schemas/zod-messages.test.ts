import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { fieldErrors } from './field-errors.ts';
import './zod-messages.ts';

const messageOf = (schema: z.ZodType, value: unknown) => fieldErrors(schema.safeParse(value).error!)[''];

describe('validation messages', () => {
  it('say what is wrong in words, never the validator’s own text', () => {
    expect(messageOf(z.string().max(100), 'x'.repeat(101))).toBe('Must be at most 100 characters');
    expect(messageOf(z.string().min(1), '')).toBe('Must not be empty');
    expect(messageOf(z.string().min(8), 'short')).toBe('Must be at least 8 characters');
    expect(messageOf(z.array(z.string()).max(2), ['a', 'b', 'c'])).toBe('Must be at most 2 items');
    expect(messageOf(z.number().int().max(5), 6)).toBe('Must be at most 5');
    expect(messageOf(z.string(), undefined)).toBe('Is required');
    expect(messageOf(z.string(), 5)).toBe('Must be text');
    expect(messageOf(z.url(), 'nope')).toBe('Must be a URL');
    expect(messageOf(z.enum(['a', 'b']), 'c')).toBe('Must be one of "a", "b"');
    expect(messageOf(z.strictObject({}), { x: 1 })).toBe('Has a field it does not take: x');
  });

  it('leave a schema’s own message alone', () => {
    expect(messageOf(z.string().max(3, 'keep it short'), 'long')).toBe('Keep it short');
  });

  it('never show zod’s wording for any issue these cover', () => {
    const samples: [z.ZodType, unknown][] = [
      [z.string().max(1), 'xx'],
      [z.string().min(2), 'x'],
      [z.number(), 'x'],
      [z.email(), 'x'],
      [z.literal('a'), 'b'],
    ];
    for (const [schema, value] of samples)
      expect(messageOf(schema, value)).not.toMatch(/Too big|Too small|Invalid|expected/);
  });
});
