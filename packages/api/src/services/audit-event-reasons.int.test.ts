import { createTestDatabase, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { failureOf } from '../testing/api-test-env.ts';
import { recordUsage, seedUsageWorld, usageEvent, type UsageWorld } from '../testing/usage-world.ts';
import { getAuditEvent } from './get-audit-event.ts';
import { listAuditEvents } from './list-audit-events.ts';

let db: TestDatabase;
let a: UsageWorld;
let b: UsageWorld;
const NOW = Date.now();

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  [a, b] = await Promise.all([seedUsageWorld(db, NOW), seedUsageWorld(db, NOW)]);
  // The member's token asked for a tool the gateway does not expose.
  await recordUsage(db, [
    usageEvent(a.tenantId, NOW - 30_000, {
      gatewayId: a.gateway.id,
      principalId: a.byMember,
      status: 'error',
      errorCode: -32602,
      requestedName: 'no_such_tool',
      response: { code: -32602, message: 'Unknown tool: no_such_tool' },
    }),
  ]);
});
afterAll(async () => db?.destroy());

const list = (world: UsageWorld, who: 'admin' | 'member' = 'admin') =>
  listAuditEvents({ db: db.db, tenantId: world.tenantId, actor: world.org.actors[who], input: {} });

describe('audit events say what went wrong', () => {
  it('name the tool a refused call asked for, the message of an error, and why a call was denied', async () => {
    const { events } = await list(a);
    expect(events.find((e) => e.requestedName === 'no_such_tool')).toMatchObject({
      toolName: null,
      status: 'error',
      errorMessage: 'Unknown tool: no_such_tool',
      denyReason: null,
    });
    expect(events.find((e) => e.toolName === 'down')).toMatchObject({
      errorMessage: 'upstream unavailable',
      requestedName: null,
    });
    // A failed tool's message is the text it answered with.
    expect(events.find((e) => e.toolName === 'fail')).toMatchObject({
      status: 'tool_error',
      errorMessage: 'ok',
    });
    expect(events.find((e) => e.status === 'denied')).toMatchObject({ denyReason: 'invalid_token' });
    expect(events.find((e) => e.toolName === 'echo')).toMatchObject({ errorMessage: null, denyReason: null });

    const refused = events.find((e) => e.requestedName === 'no_such_tool')!;
    expect(
      await getAuditEvent({
        db: db.db,
        tenantId: a.tenantId,
        actor: a.org.actors.admin,
        eventId: refused.id,
      }),
    ).toMatchObject({ requestedName: 'no_such_tool', errorMessage: 'Unknown tool: no_such_tool' });
  });

  it('show a member their own refused calls only, and nothing of another workspace', async () => {
    const mine = await list(a, 'member');
    expect(mine.events.some((e) => e.requestedName === 'no_such_tool')).toBe(true);
    expect(mine.events.every((e) => e.denyReason === null)).toBe(true);

    const theirs = await list(b);
    expect(theirs.events.some((e) => e.requestedName === 'no_such_tool')).toBe(false);
    const refused = (await list(a)).events.find((e) => e.requestedName === 'no_such_tool')!;
    const foreign = await failureOf(() =>
      getAuditEvent({ db: db.db, tenantId: b.tenantId, actor: b.org.actors.admin, eventId: refused.id }),
    );
    expect(foreign.code).toBe('NOT_FOUND');
  });
});
