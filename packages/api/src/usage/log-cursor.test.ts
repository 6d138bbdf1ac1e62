import { describe, expect, it } from 'vitest';
import { decodeLogCursor, encodeLogCursor } from './log-cursor.ts';

describe('log cursors', () => {
  it('round-trip the time with microseconds and the id', () => {
    const cursor = { occurredAt: '2025-06-15T12:34:56.123456Z', id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' };
    const encoded = encodeLogCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeLogCursor(encoded)).toEqual(cursor);
  });

  it('refuses anything else as INVALID on the cursor field', () => {
    const bad = [
      'not-a-cursor',
      Buffer.from('2025-06-15T12:34:56Z|0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').toString('base64url'),
      Buffer.from('2025-06-15T12:34:56.123456Z|nope').toString('base64url'),
      Buffer.from('2025-06-15T12:34:56.123456Z|0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b|x').toString('base64url'),
      Buffer.from('2025-13-45T12:34:56.123456Z|0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').toString('base64url'),
    ];
    for (const cursor of bad) {
      expect(() => decodeLogCursor(cursor)).toThrow(
        expect.objectContaining({
          code: 'INVALID',
          details: { fields: [expect.objectContaining({ path: 'cursor' })] },
        }),
      );
    }
  });
});
