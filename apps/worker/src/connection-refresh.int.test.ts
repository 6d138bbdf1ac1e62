import { randomBytes } from 'node:crypto';
import { completeConnection, startConnection } from '@toolgate/api/services/connections';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { createLogger } from '@toolgate/core/logger';
import { upstreamConnections } from '@toolgate/db/schema';
import {
  createTestDatabase,
  seedMember,
  seedRegistryEntry,
  seedTenant,
  type TestDatabase,
} from '@toolgate/db/testing';
import { authorizeHeadless, startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { eventually } from '@toolgate/fixtures/test-kit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createConnectionRefresh } from './connection-refresh.ts';

/**
 * The worker's refresh of connected accounts, on the real clock, with the default ahead time
 * (five minutes): a token that lives five minutes is not refreshed at every sweep from the moment
 * it is issued, only once past half its life.
 */
const log = createLogger({ name: 'worker-connection-refresh-test', level: 'silent', pretty: false });
const keys = parseKeyRing(generateKeySpec('k1'));
const AHEAD_MS = 300_000;

let db: TestDatabase;
let bus: Bus;
let upstream: OAuthUpstream;
let tenantId: string;
let entryId: string;

beforeAll(async () => {
  [db, upstream] = await Promise.all([createTestDatabase(inject('postgresUrl')), startOAuthUpstream()]);
  bus = createBus({
    redisUrl: inject('redisUrl') || undefined,
    prefix: `tgtest-${randomBytes(4).toString('hex')}`,
  });
  tenantId = (await seedTenant(db.db)).id;
  entryId = (await seedRegistryEntry(db.db, tenantId, { url: upstream.mcpUrl, authKind: 'oauth' })).id;
});
afterAll(async () => {
  await bus?.close();
  await db?.destroy();
  await upstream?.close();
});

const services = () => ({ db: db.db, bus, keys, allowPrivate: true });

/** A member connects their account; its connection row. */
async function connectMember() {
  const user = await seedMember(db.db, tenantId);
  const { authorizationUrl } = await startConnection({
    ...services(),
    tenantId,
    actor: { userId: user.id, role: 'member' },
    input: { registryEntryId: entryId, scope: 'personal' },
    publicWebUrl: 'http://127.0.0.1:3999',
  });
  const back = await authorizeHeadless(authorizationUrl, { username: user.id });
  const done = await completeConnection({
    ...services(),
    userId: user.id,
    params: Object.fromEntries(back.searchParams),
  });
  return () => rowOf(done.connectionId);
}

async function rowOf(connectionId: string) {
  const [row] = await db.db
    .select()
    .from(upstreamConnections)
    .where(eq(upstreamConnections.id, connectionId));
  return row!;
}

describe('the worker refreshing connected accounts', () => {
  it('does not refresh a five-minute token at each sweep just because it expires within the ahead time', async () => {
    upstream.setAccessTokenTtl(300);
    const row = await connectMember();
    const connected = await row();
    const refresher = createConnectionRefresh({ ...services(), secretKeys: keys, log, aheadMs: AHEAD_MS });
    await refresher.runOnce();
    await refresher.runOnce();
    // Not refreshed: the same refresh token (rotated at each refresh), no refresh recorded.
    expect(await row()).toMatchObject({
      lastRefreshedAt: null,
      refreshTokenSealed: connected.refreshTokenSealed,
      accessTokenExpiresAt: connected.accessTokenExpiresAt,
    });
  });

  it('refreshes a short-lived token once past half its life, not before', async () => {
    upstream.setAccessTokenTtl(2);
    try {
      const row = await connectMember();
      const connected = await row();
      const refresher = createConnectionRefresh({ ...services(), secretKeys: keys, log, aheadMs: AHEAD_MS });
      await eventually(async () => {
        await refresher.runOnce();
        expect((await row()).lastRefreshedAt).not.toBeNull();
      });
      const refreshed = await row();
      expect(refreshed.lastRefreshedAt!.getTime() - connected.connectedAt.getTime()).toBeGreaterThanOrEqual(
        1_000,
      );
      expect(refreshed.refreshTokenSealed).not.toBe(connected.refreshTokenSealed);
    } finally {
      upstream.setAccessTokenTtl(300);
    }
  });
});
