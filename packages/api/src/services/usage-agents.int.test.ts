import { randomUUID } from 'node:crypto';
import type { UsageEvent } from '@toolgate/core/usage';
import { oauthClients } from '@toolgate/db/schema';
import { createTestDatabase, seedApiToken, seedGateway, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Actor } from '../actor.ts';
import { seedOrg, type SeededOrg } from '../testing/api-test-env.ts';
import { recordUsage, usageEvent } from '../testing/usage-world.ts';
import { getAuditEvent } from './get-audit-event.ts';
import { getUsageSummary } from './get-usage-summary.ts';
import { listAuditEvents } from './list-audit-events.ts';
import { listUsageFacets } from './list-usage-facets.ts';

const MIN = 60_000;

/**
 * Calls of one workspace by agent: its org token through `claude-code` (three calls, one failed)
 * and an unnamed client (one), and its member through a self-registered OAuth client named
 * "Cursor" (two). Another workspace's pre-registered client shares no name with this one's.
 */
async function seedAgentWorld(db: TestDatabase, now: number) {
  const org = await seedOrg(db);
  const tenantId = org.tenant.id;
  const gateway = await seedGateway(db.db, tenantId, { name: 'Main gateway' });
  const orgToken = await seedApiToken(db.db, tenantId, { name: 'ci-bot', scope: 'org' });
  const [cursor] = await db.db
    .insert(oauthClients)
    .values({
      clientId: `dcr-${randomUUID()}`,
      kind: 'dcr',
      name: 'Cursor',
      redirectUris: ['http://127.0.0.1/cb'],
    })
    .returning();
  const byToken = `token:${orgToken.id}`;
  const byMember = `user:${org.member.id}`;
  const call = (at: number, overrides: Partial<UsageEvent>) =>
    usageEvent(tenantId, at, { gatewayId: gateway.id, toolName: 'echo', principalId: byToken, ...overrides });
  const events = [
    call(now - 5 * MIN, { agent: 'claude-code' }),
    call(now - 5 * MIN, { agent: 'claude-code' }),
    call(now - 4 * MIN, { agent: 'claude-code', status: 'tool_error' }),
    call(now - 3 * MIN, { agent: null }),
    call(now - 2 * MIN, { agent: cursor!.clientId, principalId: byMember, authMethod: 'oauth' }),
    call(now - 2 * MIN, { agent: cursor!.clientId, principalId: byMember, authMethod: 'oauth' }),
  ];
  await recordUsage(db, events);
  return { org, tenantId, cursor: cursor!, byToken, byMember };
}

const backends = [
  ['postgres', inject('postgresUrl')],
  ['embedded PGlite', ''],
].filter(([name, url]) => name === 'embedded PGlite' || url) as [string, string][];

describe.each(backends)('agents in usage and logs on %s', (_name, url) => {
  let db: TestDatabase;
  let a: Awaited<ReturnType<typeof seedAgentWorld>>;
  let other: SeededOrg;
  let otherClientId: string;
  const now = new Date();

  beforeAll(async () => {
    db = await createTestDatabase(url);
    a = await seedAgentWorld(db, now.getTime());
    other = await seedOrg(db);
    otherClientId = `pre-${randomUUID()}`;
    await db.db.insert(oauthClients).values({
      clientId: otherClientId,
      kind: 'preregistered',
      tenantId: other.tenant.id,
      name: 'Secret internal agent',
      redirectUris: ['http://127.0.0.1/cb'],
    });
  });
  afterAll(async () => db?.destroy());

  const scope = (actor: Actor = a.org.actors.admin, tenantId = a.tenantId) => ({
    db: db.db,
    tenantId,
    actor,
    now,
  });

  it('ranks the top agents, an OAuth client by its name, calls without an agent left out', async () => {
    const s = await getUsageSummary({ ...scope(), input: { range: '1h' } });
    expect(s.top.agents).toEqual([
      { id: 'claude-code', label: 'claude-code', calls: 3, errors: 1, avgMs: 3 },
      { id: a.cursor.clientId, label: 'Cursor', calls: 2, errors: 0, avgMs: 3 },
    ]);
    expect(s.totals.calls).toBe(6);
  });

  it('narrows the summary, the facets and the logs to one agent', async () => {
    const s = await getUsageSummary({ ...scope(), input: { range: '1h', agent: 'claude-code' } });
    expect(s.totals).toMatchObject({ calls: 3, errors: 1 });
    expect(s.top.callers.map((c) => c.label)).toEqual(['ci-bot']);

    const page = await listAuditEvents({ ...scope(), input: { range: '1h', agent: a.cursor.clientId } });
    expect(page.total).toEqual({ count: 2, capped: false });
    expect(page.events.map((e) => e.agent)).toEqual([
      { id: a.cursor.clientId, label: 'Cursor' },
      { id: a.cursor.clientId, label: 'Cursor' },
    ]);
    expect(page.events.every((e) => e.caller?.id === a.byMember)).toBe(true);

    const none = await listAuditEvents({ ...scope(), input: { range: '1h', agent: 'never-seen' } });
    expect(none.events).toEqual([]);
  });

  it('lists the agents seen as filter choices, and an event carries its agent (or none)', async () => {
    const facets = await listUsageFacets({ ...scope(), input: { range: '1h' } });
    expect(facets.agents).toEqual([
      { id: 'claude-code', label: 'claude-code' },
      { id: a.cursor.clientId, label: 'Cursor' },
    ]);

    const page = await listAuditEvents({ ...scope(), input: { range: '1h' } });
    expect(page.events.map((e) => e.agent?.label ?? null).sort()).toEqual(
      ['Cursor', 'Cursor', 'claude-code', 'claude-code', 'claude-code', null].sort(),
    );
    const unnamed = page.events.find((e) => e.agent === null)!;
    expect((await getAuditEvent({ ...scope(), eventId: unnamed.id })).agent).toBeNull();
    const named = page.events.find((e) => e.agent?.id === a.cursor.clientId)!;
    expect(await getAuditEvent({ ...scope(), eventId: named.id })).toMatchObject({
      agent: { id: a.cursor.clientId, label: 'Cursor' },
      authMethod: 'oauth',
    });
  });

  it("shows members only their own calls' agents", async () => {
    const s = await getUsageSummary({ ...scope(a.org.actors.member), input: { range: '1h' } });
    expect(s.top.agents.map((r) => r.label)).toEqual(['Cursor']);
    const facets = await listUsageFacets({ ...scope(a.org.actors.member), input: { range: '1h' } });
    expect(facets.agents.map((r) => r.label)).toEqual(['Cursor']);
  });

  it("names an agent by another workspace's pre-registered client only in that workspace", async () => {
    await recordUsage(db, [
      usageEvent(a.tenantId, now.getTime() - MIN, { principalId: a.byToken, agent: otherClientId }),
    ]);
    const facets = await listUsageFacets({ ...scope(), input: { range: '1h', agent: otherClientId } });
    expect(facets.agents).toEqual([{ id: otherClientId, label: otherClientId }]);
    const page = await listAuditEvents({ ...scope(), input: { range: '1h', agent: otherClientId } });
    expect(page.events.map((e) => e.agent)).toEqual([{ id: otherClientId, label: otherClientId }]);
  });

  it('refuses an agent filter longer than any recorded agent', async () => {
    await expect(listAuditEvents({ ...scope(), input: { agent: 'x'.repeat(257) } })).rejects.toMatchObject({
      code: 'INVALID',
    });
  });
});
