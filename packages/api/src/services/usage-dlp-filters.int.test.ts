import { randomUUID } from 'node:crypto';
import { DLP_OUTCOMES, POLICY_DECISIONS, policyDecisionOf } from '@toolgate/core/dlp';
import type { UsageEvent } from '@toolgate/core/usage';
import { createTestDatabase, seedApiToken, seedGateway, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Actor } from '../actor.ts';
import { ZLogEvent, ZLogPage, ZUsageSummary } from '../schemas/usage.ts';
import { createApiTestEnv, seedOrg, type ApiTestEnv } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { recordUsage, usageEvent } from '../testing/usage-world.ts';
import { getAuditEvent } from './get-audit-event.ts';
import { getUsageGraph } from './get-usage-graph.ts';
import { getUsageSummary } from './get-usage-summary.ts';
import { listAuditEvents } from './list-audit-events.ts';

const MIN = 60_000;
const POLICY = 'c0ffee00-0000-4000-8000-00000000beef';

/**
 * One workspace's tool calls, each its own tool name (so a filter's answer names the calls it
 * matched), through every policy decision and DLP outcome; a few outcomes only look like a
 * policy's (`_` is a wildcard to `like`). The member made two calls with their own token.
 */
async function seedDlpWorld(db: TestDatabase, now: number) {
  const org = await seedOrg(db);
  const tenantId = org.tenant.id;
  const gateway = await seedGateway(db.db, tenantId, { name: 'Guarded gateway' });
  const orgToken = await seedApiToken(db.db, tenantId, { name: 'ci-bot', scope: 'org' });
  const memberToken = await seedApiToken(db.db, tenantId, {
    name: 'member-laptop',
    scope: 'user',
    userId: org.member.id,
  });
  const byOrg = `token:${orgToken.id}`;
  const byMember = `token:${memberToken.id}`;
  const call = (toolName: string, overrides: Partial<UsageEvent>) =>
    usageEvent(tenantId, now - 5 * MIN, {
      gatewayId: gateway.id,
      principalId: byOrg,
      toolName,
      agent: 'claude-code',
      ...overrides,
    });
  const denied = { status: 'denied' as const, errorCode: -32001 };
  const events = [
    call('redacted-cards', {
      policyOutcome: 'allow',
      dlpOutcome: 'redacted',
      dlpFindings: { card: 2, email: 1 },
      request: { number: '[REDACTED:card]' },
    }),
    call('redacted-email', {
      policyOutcome: 'allow',
      dlpOutcome: 'redacted',
      dlpFindings: { email: 1 },
      agent: 'cursor',
    }),
    call('logged-iban', { policyOutcome: `allow:${POLICY}`, dlpOutcome: 'logged', dlpFindings: { iban: 1 } }),
    call('approved-blocked', {
      policyOutcome: `approved:${randomUUID()}`,
      status: 'tool_error',
      dlpOutcome: 'blocked',
      dlpFindings: { secret: 1 },
    }),
    call('clean', { policyOutcome: 'allow', dlpOutcome: 'none', principalId: byMember, agent: 'cursor' }),
    call('unguarded', { policyOutcome: 'allow' }),
    call('policy-denied', { policyOutcome: `deny:policy:${POLICY}`, ...denied }),
    call('policies-unavailable', { policyOutcome: 'deny:policy_unavailable', ...denied }),
    call('declined', { policyOutcome: `deny:declined:${POLICY}`, principalId: byMember, ...denied }),
    call('unconfirmable', { policyOutcome: `deny:needs_confirmation:${POLICY}`, ...denied }),
    call('approval-unavailable', { policyOutcome: `deny:approval_unavailable:${POLICY}`, ...denied }),
    call('approval-refused', { policyOutcome: `deny:approval:${randomUUID()}`, ...denied }),
    call('pending', { policyOutcome: `pending_approval:${randomUUID()}`, ...denied }),
    call('look-alike-pending', { policyOutcome: 'pendingXapproval:1', ...denied }),
    call('look-alike-deny', { policyOutcome: 'deny:policyXunavailable', ...denied }),
    call('bad-token', { policyOutcome: 'deny:invalid_token', ...denied }),
  ];
  await recordUsage(db, events);
  return { org, tenantId, gateway, byOrg, byMember, events };
}
type DlpWorld = Awaited<ReturnType<typeof seedDlpWorld>>;

const toolsOf = (events: readonly UsageEvent[]) => events.map((e) => e.toolName).sort();

const backends = [
  ['postgres', inject('postgresUrl')],
  ['embedded PGlite', ''],
].filter(([name, url]) => name === 'embedded PGlite' || url) as [string, string][];

describe.each(backends)('DLP outcome and policy decision filters on %s', (_name, url) => {
  let db: TestDatabase;
  let a: DlpWorld;
  let b: DlpWorld;
  const now = new Date();

  beforeAll(async () => {
    db = await createTestDatabase(url);
    [a, b] = await Promise.all([seedDlpWorld(db, now.getTime()), seedDlpWorld(db, now.getTime())]);
  });
  afterAll(async () => db?.destroy());

  const scope = (world: DlpWorld, actor: Actor = world.org.actors.admin) => ({
    db: db.db,
    tenantId: world.tenantId,
    actor,
    now,
  });
  const logTools = async (input: Record<string, unknown>, world = a, actor?: Actor) => {
    const page = await listAuditEvents({
      ...scope(world, actor),
      input: { range: '1h', limit: 200, ...input },
    });
    return page.events.map((e) => e.toolName).sort();
  };
  const calls = async (input: Record<string, unknown>, world = a, actor?: Actor) =>
    (await getUsageSummary({ ...scope(world, actor), input: { range: '1h', ...input } })).totals.calls;

  it.each(POLICY_DECISIONS)(
    'filters logs and usage by the policy decision %s as policyDecisionOf reads the outcome',
    async (decision) => {
      const expected = a.events.filter((e) => policyDecisionOf(e.policyOutcome) === decision);
      expect(expected.length).toBeGreaterThan(0);
      expect(await logTools({ policyDecision: decision })).toEqual(toolsOf(expected));
      expect(await calls({ policyDecision: decision })).toBe(expected.length);
    },
  );

  it.each(DLP_OUTCOMES)('filters logs and usage by the DLP outcome %s', async (outcome) => {
    const expected = a.events.filter((e) => e.dlpOutcome === outcome);
    expect(expected.length).toBeGreaterThan(0);
    expect(await logTools({ dlpOutcome: outcome })).toEqual(toolsOf(expected));
    expect(await calls({ dlpOutcome: outcome })).toBe(expected.length);
  });

  it('combines the DLP outcome, the policy decision and the agent on logs, the summary and the graph', async () => {
    expect(await logTools({ dlpOutcome: 'redacted', policyDecision: 'none' })).toEqual([
      'redacted-cards',
      'redacted-email',
    ]);
    expect(await logTools({ dlpOutcome: 'redacted', agent: 'cursor' })).toEqual(['redacted-email']);
    expect(await calls({ dlpOutcome: 'redacted', agent: 'cursor' })).toBe(1);
    expect(await logTools({ dlpOutcome: 'redacted', policyDecision: 'deny' })).toEqual([]);
    expect(await calls({ dlpOutcome: 'blocked', policyDecision: 'approved' })).toBe(1);

    const graph = await getUsageGraph({ ...scope(a), input: { range: '1h', policyDecision: 'allow' } });
    expect(graph.nodes.filter((n) => n.column === 'tool').map((n) => n.label)).toEqual(['logged-iban']);
    const page = await listAuditEvents({ ...scope(a), input: { range: '1h', policyDecision: 'pending' } });
    expect(page.total).toEqual({ count: 1, capped: false });
  });

  it('gives each log entry and event its DLP outcome, findings by detector and policy decision', async () => {
    const page = await listAuditEvents({ ...scope(a), input: { range: '1h', limit: 200 } });
    const entry = (tool: string) => page.events.find((e) => e.toolName === tool)!;
    expect(entry('redacted-cards')).toMatchObject({
      dlpOutcome: 'redacted',
      dlpFindings: { card: 2, email: 1 },
      policyDecision: 'none',
    });
    expect(entry('logged-iban')).toMatchObject({
      dlpOutcome: 'logged',
      dlpFindings: { iban: 1 },
      policyDecision: 'allow',
    });
    expect(entry('clean')).toMatchObject({ dlpOutcome: 'none', dlpFindings: null });
    expect(entry('unguarded')).toMatchObject({ dlpOutcome: null, dlpFindings: null, policyDecision: 'none' });
    expect(entry('bad-token')).toMatchObject({ policyDecision: null, denyReason: 'invalid_token' });
    expect(entry('declined')).toMatchObject({ policyDecision: 'approval_denied', dlpOutcome: null });

    const event = ZLogEvent.parse(
      await getAuditEvent({ ...scope(a), eventId: entry('approved-blocked').id }),
    );
    expect(event).toMatchObject({
      dlpOutcome: 'blocked',
      dlpFindings: { secret: 1 },
      policyDecision: 'approved',
      status: 'tool_error',
    });
    expect(event.policyOutcome).toMatch(/^approved:/);
  });

  it("shows members only their own calls' decisions and outcomes", async () => {
    const member = a.org.actors.member;
    expect(await logTools({ policyDecision: 'approval_denied' }, a, member)).toEqual(['declined']);
    expect(await logTools({ dlpOutcome: 'none' }, a, member)).toEqual(['clean']);
    expect(await logTools({ dlpOutcome: 'redacted' }, a, member)).toEqual([]);
    expect(await calls({ policyDecision: 'none' }, a, member)).toBe(1);
  });

  it("never mixes in another workspace's calls, nor shows them", async () => {
    const theirs = await listAuditEvents({ ...scope(b), input: { range: '1h', dlpOutcome: 'blocked' } });
    expect(theirs.events).toHaveLength(1);
    expect(await calls({ dlpOutcome: 'blocked' })).toBe(1);
    const ours = await listAuditEvents({ ...scope(a), input: { range: '1h', dlpOutcome: 'blocked' } });
    expect(ours.events.map((e) => e.id)).not.toContain(theirs.events[0]!.id);
    await expect(getAuditEvent({ ...scope(a), eventId: theirs.events[0]!.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses a DLP outcome or policy decision that does not exist', async () => {
    for (const input of [{ dlpOutcome: 'redact' }, { policyDecision: 'denied' }, { policyDecision: '' }]) {
      await expect(listAuditEvents({ ...scope(a), input })).rejects.toMatchObject({ code: 'INVALID' });
      await expect(getUsageSummary({ ...scope(a), input })).rejects.toMatchObject({ code: 'INVALID' });
    }
  });
});

describe('the REST usage and logs routes', () => {
  let env: ApiTestEnv;
  let call: RestCall;
  let a: DlpWorld;
  let b: DlpWorld;

  beforeAll(async () => {
    env = await createApiTestEnv();
    call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
    [a, b] = await Promise.all([seedDlpWorld(env.db, Date.now()), seedDlpWorld(env.db, Date.now())]);
  });
  afterAll(async () => env?.close());

  it('filter by DLP outcome and policy decision from the query string, in the caller’s workspace only', async () => {
    const page = ok(
      await call('GET', '/logs?range=1h&dlpOutcome=redacted&policyDecision=none', {
        token: a.org.adminToken,
      }),
      200,
      ZLogPage,
    );
    expect(page.events.map((e) => [e.toolName, e.dlpOutcome, e.dlpFindings]).sort()).toEqual([
      ['redacted-cards', 'redacted', { card: 2, email: 1 }],
      ['redacted-email', 'redacted', { email: 1 }],
    ]);
    const summary = ok(
      await call('GET', '/usage?range=1h&policyDecision=approval_denied', { token: b.org.adminToken }),
      200,
      ZUsageSummary,
    );
    expect(summary.totals.calls).toBe(4);
    const event = ok(
      await call('GET', `/logs/${page.events[0]!.id}`, { token: a.org.adminToken }),
      200,
      ZLogEvent,
    );
    expect(event.dlpOutcome).toBe('redacted');
    failed(await call('GET', `/logs/${page.events[0]!.id}`, { token: b.org.adminToken }), 404, 'NOT_FOUND');
  });

  it('answers 422 for an unknown DLP outcome or policy decision', async () => {
    const error = failed(
      await call('GET', '/logs?dlpOutcome=scrubbed&policyDecision=maybe', { token: a.org.adminToken }),
      422,
      'INVALID',
    );
    expect(error.fields!.map((f) => f.path).sort()).toEqual(['dlpOutcome', 'policyDecision']);
  });
});
