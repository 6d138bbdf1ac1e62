import { describe, expect, it } from 'vitest';
import { SCOPE_READ, SCOPE_TOOLS, scopeAllows } from './constants.ts';

describe('scopeAllows', () => {
  it('lets a read-only token read, including task status and results, but not act', () => {
    for (const method of [
      'tools/list',
      'resources/read',
      'prompts/get',
      'tasks/get',
      'tasks/result',
      'tasks/list',
    ])
      expect(scopeAllows([SCOPE_READ], method)).toBe(true);
    for (const method of ['tools/call', 'tasks/cancel', 'tasks/update'])
      expect(scopeAllows([SCOPE_READ], method)).toBe(false);
  });

  it('lets a tools token do everything, and a token with neither scope nothing', () => {
    for (const method of ['tools/call', 'tasks/cancel', 'tools/list'])
      expect(scopeAllows([SCOPE_TOOLS], method)).toBe(true);
    expect(scopeAllows([], 'tools/list')).toBe(false);
  });
});
