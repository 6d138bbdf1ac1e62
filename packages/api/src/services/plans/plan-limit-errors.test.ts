import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPCError } from '@trpc/server';
import { AppError } from '@toolgate/core/errors';
import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../rest/http-errors.ts';
import { trpcCodeFor } from '../../trpc/app-errors.ts';

describe('a plan limit refusal', () => {
  const refusal = new AppError('PLAN_LIMIT', 'The Free plan allows 1 gateways, and this workspace has 1', {
    limit: 'gateways',
    plan: 'free',
    max: 1,
    count: 1,
  });

  it('is a 402 over REST with the limit and plan in its details', async () => {
    const response = errorResponse(refusal);
    expect(response.status).toBe(402);
    expect(await response.json()).toEqual({
      error: {
        code: 'PLAN_LIMIT',
        message: 'The Free plan allows 1 gateways, and this workspace has 1',
        details: { limit: 'gateways', plan: 'free', max: 1, count: 1 },
      },
    });
  });

  it('is PAYMENT_REQUIRED (402) over tRPC', () => {
    const code = trpcCodeFor(refusal);
    expect(code).toBe('PAYMENT_REQUIRED');
    expect(getHTTPStatusCodeFromError(new TRPCError({ code }))).toBe(402);
  });
});
