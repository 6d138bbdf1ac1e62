import { describe, expect, it } from 'vitest';
import { allowStdioSetting, ZCliEnv } from './env.ts';

describe('allowStdioSetting', () => {
  const embedded = ZCliEnv.parse({});
  const shared = ZCliEnv.parse({ DATABASE_URL: 'postgres://db.internal:5432/toolgate' });

  it('allows local servers on one machine and refuses them on a shared database', () => {
    expect(allowStdioSetting(embedded, {})).toBe('true');
    expect(allowStdioSetting(shared, {})).toBe('false');
  });

  it('follows the operator when they set it', () => {
    expect(allowStdioSetting(embedded, { TOOLGATE_ALLOW_STDIO: 'false' })).toBe('false');
    expect(allowStdioSetting(shared, { TOOLGATE_ALLOW_STDIO: 'true' })).toBe('true');
    expect(allowStdioSetting(shared, { TOOLGATE_ALLOW_STDIO: '' })).toBe('false');
  });
});
