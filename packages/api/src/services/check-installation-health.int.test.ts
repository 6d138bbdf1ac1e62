import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { installations } from '@toolgate/db/schema';
import { seedInstallation, seedRegistryEntry } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwoTenantEnv, failureOf, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { checkDueInstallations, checkInstallationHealth } from './check-installation-health.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let everything: RunningEverythingServer;
/** Answers every request 401, as an MCP server that wants a credential it was not given. */
let locked: Server;
let lockedUrl: string;
/** A port nothing listens on. */
let deadUrl: string;

beforeAll(async () => {
  [{ env, a, b }, everything] = await Promise.all([
    createTwoTenantEnv(),
    startEverythingServer('streamableHttp'),
  ]);
  locked = createServer((req, res) => {
    req.resume();
    res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'application/json' });
    res.end('{"error":"invalid_token"}');
  });
  await new Promise<void>((resolve) => locked.listen(0, '127.0.0.1', resolve));
  lockedUrl = `http://127.0.0.1:${(locked.address() as AddressInfo).port}/mcp`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/mcp`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  await env?.close();
  await everything?.close();
  await new Promise<void>((resolve) => locked?.close(() => resolve()));
});

async function installedAt(org: SeededOrg, url: string) {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id, { url });
  return seedInstallation(env.db.db, org.tenant.id, entry.id, { status: 'ready' });
}

const check = (org: SeededOrg, installationId: string, who: keyof SeededOrg['actors'] = 'admin') =>
  checkInstallationHealth({
    db: env.db.db,
    tenantId: org.tenant.id,
    actor: org.actors[who],
    installationId,
    secretKeys: env.secretKeys,
    allowPrivate: true,
    timeoutMs: 2_000,
  });

describe('installation health', () => {
  it('tells ready, unreachable and refused-credential servers apart, with the reason and when', async () => {
    const [up, dead, refused] = await Promise.all([
      installedAt(a, everything.url),
      installedAt(a, deadUrl),
      installedAt(a, lockedUrl),
    ]);
    const before = Date.now();
    expect(await check(a, up.id)).toMatchObject({ status: 'ready', lastError: null });
    const unreachable = await check(a, dead.id);
    expect(unreachable.status).toBe('unreachable');
    expect(unreachable.lastError).toMatch(/ECONNREFUSED|connect/i);
    const authFailed = await check(a, refused.id);
    expect(authFailed.status).toBe('auth_failed');
    expect(authFailed.lastError).toContain('401');
    expect(Date.parse(authFailed.checkedAt!)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('is for those who manage the installation, in their tenant only', async () => {
    const up = await installedAt(a, everything.url);
    expect(await failureOf(() => check(a, up.id, 'member'))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(() => check(b, up.id))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('sweeps what is due across tenants once, and leaves what is not due', async () => {
    const [up, dead, other] = await Promise.all([
      installedAt(a, everything.url),
      installedAt(a, deadUrl),
      installedAt(b, lockedUrl),
    ]);
    const ids = [up.id, dead.id, other.id];
    // Everything else in this database was checked just now: only these three are due.
    await env.db.db.update(installations).set({ checkedAt: new Date() });
    await env.db.db.update(installations).set({ checkedAt: null }).where(inArray(installations.id, ids));
    const options = { db: env.db.db, secretKeys: env.secretKeys, allowPrivate: true, timeoutMs: 2_000 };
    const [first, concurrent] = await Promise.all([
      checkDueInstallations({ ...options, intervalMs: 60_000 }),
      checkDueInstallations({ ...options, intervalMs: 60_000 }),
    ]);
    expect(first.checked + concurrent.checked).toBe(3);
    const rows = await env.db.db.select().from(installations).where(inArray(installations.id, ids));
    const statusOf = (id: string) => rows.find((r) => r.id === id)!.status;
    expect([statusOf(up.id), statusOf(dead.id), statusOf(other.id)]).toEqual([
      'ready',
      'unreachable',
      'auth_failed',
    ]);
    expect((await checkDueInstallations({ ...options, intervalMs: 60_000 })).checked).toBe(0);
    const [row] = await env.db.db.select().from(installations).where(eq(installations.id, dead.id));
    expect(row!.lastError).not.toBeNull();
  });
});
