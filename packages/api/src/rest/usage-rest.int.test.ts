import { seedApiToken } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZLogEvent, ZLogPage, ZUsageGraph, ZUsageSummary } from '../schemas/usage.ts';
import { createApiTestEnv, type ApiTestEnv } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { seedUsageWorld, type UsageWorld } from '../testing/usage-world.ts';

let env: ApiTestEnv;
let call: RestCall;
let a: UsageWorld;
let b: UsageWorld;
const NOW = Date.now();

beforeAll(async () => {
  env = await createApiTestEnv();
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
  [a, b] = await Promise.all([seedUsageWorld(env.db, NOW), seedUsageWorld(env.db, NOW)]);
});
afterAll(async () => {
  await env?.close();
});

const qs = (params: Record<string, string | number>) =>
  `?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;

describe('GET /usage', () => {
  it('answers the summary of a window with query-string filters', async () => {
    const all = ok(await call('GET', '/usage', { token: a.org.adminToken }), 200, ZUsageSummary);
    expect(all.range.preset).toBe('24h');
    expect(all.totals).toMatchObject({ calls: 10, errors: 3 });
    expect(all.top.servers[0]).toMatchObject({ id: a.server.id, label: 'Everything server' });
    const echo = ok(
      await call('GET', `/usage${qs({ range: '1h', tool: 'echo', status: 'ok', gatewayId: a.gateway.id })}`, {
        token: a.org.adminToken,
      }),
      200,
      ZUsageSummary,
    );
    expect(echo.totals.calls).toBe(5);
    expect(echo.range.bucketSeconds).toBe(60);
    const custom = ok(
      await call(
        'GET',
        `/usage${qs({ from: new Date(NOW - 7 * 86_400_000).toISOString(), to: new Date(NOW).toISOString() })}`,
        { token: a.org.adminToken },
      ),
      200,
      ZUsageSummary,
    );
    expect(custom.range).toMatchObject({ preset: null, bucketSeconds: 3 * 3600 });
    expect(custom.totals.calls).toBe(11);
  });

  it('answers 422 naming each bad parameter, repeated ones included', async () => {
    const error = failed(
      await call('GET', `/usage${qs({ range: '2d', gatewayId: 'x', status: 'nope' })}`, {
        token: a.org.adminToken,
      }),
      422,
      'INVALID',
    );
    expect(error.fields!.map((f) => f.path).sort()).toEqual(['gatewayId', 'range', 'status']);
    const unknown = failed(
      await call('GET', `/usage${qs({ gateway: a.gateway.id })}`, { token: a.org.adminToken }),
      422,
      'INVALID',
    );
    expect(unknown.fields).toEqual([expect.objectContaining({ path: '' })]);
    failed(await call('GET', '/usage?tool=a&tool=b', { token: a.org.adminToken }), 422, 'INVALID');
    failed(await call('GET', '/usage?__proto__=a&__proto__=b', { token: a.org.adminToken }), 422, 'INVALID');
    const reversed = failed(
      await call(
        'GET',
        `/usage${qs({ from: new Date(NOW).toISOString(), to: new Date(NOW - 1).toISOString() })}`,
        {
          token: a.org.adminToken,
        },
      ),
      422,
      'INVALID',
    );
    expect(reversed.fields).toEqual([{ path: 'to', message: 'must be after from' }]);
  });

  it('answers 401 without a token and 403 for a token without the admin capability', async () => {
    failed(await call('GET', '/usage'), 401, 'UNAUTHORIZED');
    const mcpOnly = await seedApiToken(env.db.db, a.tenantId, { capabilities: ['mcp'] });
    failed(await call('GET', '/logs', { token: mcpOnly.token }), 403, 'FORBIDDEN');
  });

  it("a member's token sees the member's own calls only", async () => {
    const mine = ok(await call('GET', '/usage', { token: a.org.memberToken }), 200, ZUsageSummary);
    expect(mine.totals.calls).toBe(2);
    expect(mine.top.callers.map((c) => c.id)).toEqual([a.byMember]);
    const page = ok(await call('GET', '/logs', { token: a.org.memberToken }), 200, ZLogPage);
    expect(page.events.every((e) => e.caller?.id === a.byMember)).toBe(true);
    const theirs = ok(
      await call('GET', `/logs${qs({ tool: 'fail' })}`, { token: a.org.adminToken }),
      200,
      ZLogPage,
    ).events[0]!;
    failed(await call('GET', `/logs/${theirs.id}`, { token: a.org.memberToken }), 404, 'NOT_FOUND');
  });
});

describe('GET /logs and /logs/{id}', () => {
  it('pages through the audit log with nextCursor, then opens one call', async () => {
    const first = ok(
      await call('GET', `/logs${qs({ limit: 4 })}`, { token: a.org.adminToken }),
      200,
      ZLogPage,
    );
    expect(first.events).toHaveLength(4);
    expect(first.total).toEqual({ count: 10, capped: false });
    const ids = first.events.map((e) => e.id);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = ok(
        await call('GET', `/logs${qs({ limit: 4, cursor })}`, { token: a.org.adminToken }),
        200,
        ZLogPage,
      );
      expect(page.total).toBeNull();
      ids.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    }
    expect(new Set(ids).size).toBe(10);

    const filtered = ok(
      await call('GET', `/logs${qs({ tool: 'fail', status: 'tool_error' })}`, { token: a.org.adminToken }),
      200,
      ZLogPage,
    );
    expect(filtered.events).toHaveLength(1);
    const detail = ok(
      await call('GET', `/logs/${filtered.events[0]!.id.toUpperCase()}`, { token: a.org.adminToken }),
      200,
      ZLogEvent,
    );
    expect(detail).toMatchObject({ toolName: 'fail', request: { message: 'hello from fail' } });
  });

  it('answers 422 for a page size over 200 or a forged cursor, 404 for an id that cannot exist', async () => {
    const big = failed(
      await call('GET', `/logs${qs({ limit: 500 })}`, { token: a.org.adminToken }),
      422,
      'INVALID',
    );
    expect(big.fields).toEqual([expect.objectContaining({ path: 'limit' })]);
    failed(await call('GET', `/logs${qs({ limit: 'ten' })}`, { token: a.org.adminToken }), 422, 'INVALID');
    const forged = failed(
      await call('GET', `/logs${qs({ cursor: 'AAAA' })}`, { token: a.org.adminToken }),
      422,
      'INVALID',
    );
    expect(forged.fields).toEqual([expect.objectContaining({ path: 'cursor' })]);
    failed(await call('GET', '/logs/not-a-uuid', { token: a.org.adminToken }), 404, 'NOT_FOUND');
  });
});

describe('GET /usage/graph', () => {
  it('answers nodes and edges of tool calls', async () => {
    const graph = ok(
      await call('GET', `/usage/graph${qs({ range: '1h' })}`, { token: a.org.adminToken }),
      200,
      ZUsageGraph,
    );
    expect(graph.nodes.map((n) => n.column).sort()).toEqual(
      expect.arrayContaining(['caller', 'gateway', 'server', 'tool']),
    );
    expect(graph.edges.find((e) => e.errors > 0)).toBeDefined();
  });
});

describe("another tenant's usage", () => {
  const A = () => a.org.adminToken;
  const theirIds = () => [b.gateway.id, b.otherGateway.id, b.server.id, b.orgToken.id, b.memberToken.id];

  it('GET /usage and /usage/graph never count their calls, even filtered by their ids', async () => {
    for (const path of ['/usage', '/usage/graph']) {
      const body = JSON.stringify((await call('GET', `${path}${qs({ range: '30d' })}`, { token: A() })).json);
      for (const id of theirIds()) expect(body).not.toContain(id);
    }
    const byTheirGateway = ok(
      await call('GET', `/usage${qs({ gatewayId: b.gateway.id })}`, { token: A() }),
      200,
      ZUsageSummary,
    );
    expect(byTheirGateway.totals.calls).toBe(0);
    const byTheirCaller = ok(
      await call('GET', `/usage/graph${qs({ principalId: b.byOrg })}`, { token: A() }),
      200,
      ZUsageGraph,
    );
    expect(byTheirCaller.nodes).toEqual([]);
  });

  it('GET /logs does not list their events; GET /logs/{id} does not find them', async () => {
    const page = ok(
      await call('GET', `/logs${qs({ range: '30d', limit: 200 })}`, { token: A() }),
      200,
      ZLogPage,
    );
    expect(page.events).toHaveLength(11);
    const body = JSON.stringify(page);
    for (const id of theirIds()) expect(body).not.toContain(id);
    const theirs = ok(await call('GET', '/logs', { token: b.org.adminToken }), 200, ZLogPage).events;
    expect(theirs.length).toBeGreaterThan(0);
    for (const event of theirs.slice(0, 3)) {
      expect(page.events.map((e) => e.id)).not.toContain(event.id);
      failed(await call('GET', `/logs/${event.id}`, { token: A() }), 404, 'NOT_FOUND');
    }
    // Their own admin still sees them.
    ok(await call('GET', `/logs/${theirs[0]!.id}`, { token: b.org.adminToken }), 200, ZLogEvent);
  });
});
