import { seedRegistryEntry } from '@toolgate/db/testing';
import { startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../../testing/api-test-env.ts';
import { refreshDueConnections } from './refresh-due-connections.ts';
import { connectAccount, connectionRow, connectionServices } from './testing/connect-account.ts';

/**
 * The worker's sweep refreshes a token once it is due: less left than CONNECTION_REFRESH_AHEAD_MS
 * and less left than half its life. A token that lives no longer than the ahead time is not
 * refreshed at every sweep (every 30 s) from the moment it is issued.
 */
let env: ApiTestEnv;
let a: SeededOrg;
let upstream: OAuthUpstream;
let entryId: string;

const AHEAD_MS = 300_000;
const SECOND = 1_000;

beforeAll(async () => {
  [{ env, a }, upstream] = await Promise.all([createTwoTenantEnv(), startOAuthUpstream()]);
  entryId = (await seedRegistryEntry(env.db.db, a.tenant.id, { url: upstream.mcpUrl, authKind: 'oauth' })).id;
});
afterAll(async () => {
  await env?.close();
  await upstream?.close();
});

/** One sweep as the worker runs it, at `at`. */
const sweep = (at: Date) => refreshDueConnections({ ...connectionServices(env), aheadMs: AHEAD_MS, now: at });

const after = (start: Date, ms: number) => new Date(start.getTime() + ms);

describe('refreshing connected accounts ahead of expiry', () => {
  it('leaves a 300 s token alone at +30, +60 and +90 s, and refreshes it once past half its life', async () => {
    upstream.setAccessTokenTtl(300);
    const done = await connectAccount(
      env,
      a.tenant.id,
      a.actors.member,
      { registryEntryId: entryId, scope: 'personal' },
      'member',
    );
    const connected = (await connectionRow(env, done.connectionId))!;
    expect(connected.accessTokenExpiresAt!.getTime() - connected.connectedAt.getTime()).toBe(300 * SECOND);

    for (const s of [30, 60, 90, 120, 149]) {
      expect(await sweep(after(connected.connectedAt, s * SECOND))).toMatchObject({ refreshed: 0, fresh: 0 });
      const row = (await connectionRow(env, done.connectionId))!;
      expect(row).toMatchObject({
        lastRefreshedAt: null,
        accessTokenExpiresAt: connected.accessTokenExpiresAt,
      });
      expect(row.refreshToken).toBe(connected.refreshToken);
    }

    const halfLife = after(connected.connectedAt, 151 * SECOND);
    expect(await sweep(halfLife)).toMatchObject({ refreshed: 1 });
    const refreshed = (await connectionRow(env, done.connectionId))!;
    expect(refreshed.lastRefreshedAt).toEqual(halfLife);
    expect(refreshed.accessTokenExpiresAt).toEqual(after(halfLife, 300 * SECOND));
    // The fixture rotates refresh tokens: the old one was spent, once.
    expect(refreshed.refreshToken).not.toBe(connected.refreshToken);

    // The new token's life runs from that refresh: the next sweeps leave it alone until its half-life.
    for (const s of [30, 60, 90, 149])
      expect(await sweep(after(halfLife, s * SECOND))).toMatchObject({ refreshed: 0 });
    expect((await connectionRow(env, done.connectionId))!.refreshToken).toBe(refreshed.refreshToken);
    expect(await sweep(after(halfLife, 151 * SECOND))).toMatchObject({ refreshed: 1 });
  });

  it('refreshes a token that lives an hour once less than the ahead time is left, not at its half-life', async () => {
    upstream.setAccessTokenTtl(3600);
    try {
      const done = await connectAccount(
        env,
        a.tenant.id,
        a.actors.otherMember,
        { registryEntryId: entryId, scope: 'personal' },
        'otherMember',
      );
      const connected = (await connectionRow(env, done.connectionId))!;
      const mine = async () => (await connectionRow(env, done.connectionId))!.lastRefreshedAt;
      // Other connections of the workspace may be due at these times too: this one's row tells.
      for (const s of [1800 + 1, 3000, 3300 - 1]) {
        await sweep(after(connected.connectedAt, s * SECOND));
        expect(await mine()).toBeNull();
      }
      const due = after(connected.connectedAt, (3300 + 1) * SECOND);
      await sweep(due);
      expect(await mine()).toEqual(due);
    } finally {
      upstream.setAccessTokenTtl(300);
    }
  });
});
