import { randomUUID } from 'node:crypto';
import type { UsageEvent } from '@toolgate/core/usage';
import {
  seedApiToken,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  type TestDatabase,
} from '@toolgate/db/testing';
import { applyUsageBatch } from '@toolgate/db/usage';
import { seedOrg, type SeededOrg } from './api-test-env.ts';

const MIN = 60_000;

/** A usage event as the proxy records it; tests override what they care about. */
export function usageEvent(tenantId: string, at: number, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    at,
    tenantId,
    gatewayId: null,
    requestId: randomUUID(),
    traceId: randomUUID().replaceAll('-', ''),
    principalType: 'token',
    principalId: null,
    authMethod: 'api_token',
    sessionId: 'sid-test',
    method: 'tools/call',
    toolName: null,
    installationId: null,
    status: 'ok',
    errorCode: null,
    latencyMs: 3,
    requestBytes: 100,
    responseBytes: 200,
    policyOutcome: 'allow',
    request: null,
    response: null,
    ...overrides,
  };
}

/** Writes events the way the worker does (audit rows and per-minute rollups, one batch). */
export async function recordUsage(db: TestDatabase, events: UsageEvent[]): Promise<void> {
  await applyUsageBatch(db.db, { id: `test-${randomUUID()}`, events });
}

/**
 * A tenant with usage at known times before `now`: two gateways, a named server, an org token
 * (the admin's automation) and a member's own token.
 *
 * Within the last hour: the member's token called `echo` twice (ok, 3 ms) on the main gateway;
 * the org token called `echo` three times (ok, 100 ms), `fail` once (tool_error, 700 ms) and, on
 * the second gateway, `down` once (error, 40 ms), and sent one `initialize`; one caller was
 * denied before it was known. Two hours ago the org token called `echo` once; three days ago once.
 */
export async function seedUsageWorld(db: TestDatabase, now: number) {
  const org = await seedOrg(db);
  const tenantId = org.tenant.id;
  const gateway = await seedGateway(db.db, tenantId, { name: 'Main gateway' });
  const otherGateway = await seedGateway(db.db, tenantId, { name: 'Second gateway' });
  const entry = await seedRegistryEntry(db.db, tenantId);
  const server = await seedInstallation(db.db, tenantId, entry.id, { name: 'Everything server' });
  const orgToken = await seedApiToken(db.db, tenantId, { name: 'ci-bot', scope: 'org' });
  const memberToken = await seedApiToken(db.db, tenantId, {
    name: 'member-laptop',
    scope: 'user',
    userId: org.member.id,
  });
  const byOrg = `token:${orgToken.id}`;
  const byMember = `token:${memberToken.id}`;
  const call = (at: number, principalId: string, toolName: string, overrides: Partial<UsageEvent> = {}) =>
    usageEvent(tenantId, at, {
      gatewayId: gateway.id,
      installationId: server.id,
      principalId,
      toolName,
      request: { message: `hello from ${toolName}` },
      response: { content: [{ type: 'text', text: 'ok' }] },
      ...overrides,
    });

  const events: UsageEvent[] = [
    call(now - 10 * MIN, byMember, 'echo'),
    call(now - 10 * MIN, byMember, 'echo'),
    call(now - 5 * MIN, byOrg, 'echo', { latencyMs: 100 }),
    call(now - 5 * MIN, byOrg, 'echo', { latencyMs: 100 }),
    call(now - 5 * MIN, byOrg, 'echo', { latencyMs: 100 }),
    call(now - 4 * MIN, byOrg, 'fail', { status: 'tool_error', latencyMs: 700 }),
    call(now - 3 * MIN, byOrg, 'down', {
      gatewayId: otherGateway.id,
      status: 'error',
      errorCode: -32603,
      latencyMs: 40,
      response: { code: -32603, message: 'upstream unavailable' },
    }),
    usageEvent(tenantId, now - 3 * MIN, {
      gatewayId: gateway.id,
      principalId: byOrg,
      method: 'initialize',
      request: { protocolVersion: '2025-06-18' },
    }),
    usageEvent(tenantId, now - MIN, {
      gatewayId: gateway.id,
      principalType: null,
      method: '',
      status: 'denied',
      errorCode: -32001,
      policyOutcome: 'deny:invalid_token',
    }),
    call(now - 2 * 60 * MIN, byOrg, 'echo'),
    call(now - 3 * 24 * 60 * MIN, byOrg, 'echo'),
  ];
  await recordUsage(db, events);
  return { org, tenantId, gateway, otherGateway, server, orgToken, memberToken, byOrg, byMember, events };
}
export type UsageWorld = Awaited<ReturnType<typeof seedUsageWorld>>;
export type { SeededOrg };
