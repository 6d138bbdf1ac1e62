import { getErrorShape, type TRPCError } from '@trpc/server';
import { createBus } from '@toolgate/bus';
import { createTestDatabase, seedGateway, seedMember, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordUsage, usageEvent } from '../testing/usage-world.ts';
import { appRouter } from './root.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
const bus = createBus({});
const services = testServices({ bus });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
});

const errorData = (err: TRPCError) =>
  getErrorShape({
    config: appRouter._def._config,
    error: err,
    type: 'mutation',
    path: 'policies.test',
    input: undefined,
    ctx: undefined,
  }).data as { fields: unknown; details: unknown };

describe('the policy tester through tRPC', () => {
  it('replays calls for owners, refuses members, and gives the form the condition’s position', async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = await signUpWorkspace(db.db, 'A', suffix);
    const b = await signUpWorkspace(db.db, 'B', suffix);
    const member = await seedMember(db.db, a.tenantId, 'member');
    const owner = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const gateway = await seedGateway(db.db, a.tenantId);
    const theirGateway = await seedGateway(db.db, b.tenantId);
    // A call of a tool the gateway does not expose (any longer): read, and skipped.
    await recordUsage(db, [
      usageEvent(a.tenantId, Date.now() - 60_000, {
        gatewayId: gateway.id,
        principalId: `user:${a.userId}`,
        toolName: 'gone__tool',
      }),
    ]);
    const policy = { condition: 'tool.name == "x"', action: 'deny' as const };

    const result = await owner.policies.test({ policy, gatewayId: gateway.id });
    expect(result.counts).toEqual({ calls: 1, evaluated: 0, changed: 0, skipped: 1 });

    const invalid = await trpcError(
      owner.policies.test({ policy: { ...policy, condition: 'tool.name ==' }, gatewayId: gateway.id }),
    );
    expect(invalid.code).toBe('UNPROCESSABLE_CONTENT');
    expect(errorData(invalid)).toMatchObject({
      // Form fields are keyed by their first segment; the editor reads the position from details.
      fields: { policy: 'Line 1, column 13: Unexpected token: EOF' },
      details: { condition: { message: 'Unexpected token: EOF', offset: 12, line: 1, column: 13 } },
    });

    const asMember = await callerAs(db.db, services, member.id, a.tenantSlug);
    expect((await trpcError(asMember.policies.test({ policy, gatewayId: gateway.id }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await trpcError(owner.policies.test({ policy, gatewayId: theirGateway.id }))).code).toBe(
      'NOT_FOUND',
    );
  });
});
