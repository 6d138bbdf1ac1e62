import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvError, parseEnv, zPort, zPostgresUrl } from './env.ts';

describe('parseEnv', () => {
  const schema = z.object({
    PORT: zPort.default(3000),
    DATABASE_URL: zPostgresUrl.optional(),
    API_SECRET: z.string().min(10),
  });

  it('coerces and applies defaults; empty strings count as unset', () => {
    expect(parseEnv(schema, { PORT: '', API_SECRET: '0123456789' })).toEqual({
      PORT: 3000,
      API_SECRET: '0123456789',
    });
  });

  it('names every invalid variable and hides secret values', () => {
    let caught: unknown;
    try {
      parseEnv(schema, { PORT: 'eighty', DATABASE_URL: 'mysql://x', API_SECRET: 'short' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const message = (caught as EnvError).message;
    expect(message).toMatch(/PORT: .*got "eighty"/);
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(message).toMatch(/API_SECRET: .*<redacted>/);
    expect(message).not.toContain('short');
  });
});
