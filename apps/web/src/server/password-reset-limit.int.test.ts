import { randomBytes } from 'node:crypto';
import { RateLimitedError } from '@toolgate/auth/errors';
import { createBus, type Bus } from '@toolgate/bus';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { countPasswordResetRequest } from './password-reset-limit.ts';

let bus: Bus;

beforeAll(() => {
  bus = createBus({
    redisUrl: inject('redisUrl') || undefined,
    prefix: `tgreset-${randomBytes(4).toString('hex')}`,
  });
});
afterAll(async () => {
  await bus?.close();
});

describe('forgot-password requests per client address', () => {
  it('allows the hourly allowance, then refuses with a retry time; other addresses are unaffected', async () => {
    for (let i = 0; i < 3; i++) await countPasswordResetRequest({ bus }, '203.0.113.7', 3);
    const refused = await countPasswordResetRequest({ bus }, '203.0.113.7', 3).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(3600);
    await expect(countPasswordResetRequest({ bus }, '203.0.113.8', 3)).resolves.toBeUndefined();
  });
});
