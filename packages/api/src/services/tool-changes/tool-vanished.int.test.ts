import { createHarness } from '@toolgate/proxy/testing/harness';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { failureOf, seedOrg, type SeededOrg } from '../../testing/api-test-env.ts';
import { listInstallationTools } from '../list-installation-tools.ts';
import { setToolEnabled } from '../set-tool-enabled.ts';
import { decideToolChange } from './decide-tool-change.ts';
import { setToolPinningSettings } from './tool-pinning-settings.ts';
import type { MutableTool } from './testing/mutable-tools-server.ts';
import {
  actingIn,
  changesIn,
  RUG_PULL,
  SEARCH,
  startPinnedServer,
  type PinningWorld,
} from './testing/pinned-server.ts';

let world: PinningWorld;
let a: SeededOrg;

beforeAll(async () => {
  const h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  world = { h, proxy: await h.startProxy(), bus: h.newBus(), closers: [] };
  a = await seedOrg(h.db);
});
afterAll(async () => {
  for (const close of world?.closers.reverse() ?? []) await close().catch(() => undefined);
  await world?.bus.close();
  await world?.h.close();
});

const as = (org: SeededOrg) => actingIn(world, org);
const FETCH: MutableTool = { name: 'fetch', description: 'Fetch a page' };
const DROP: MutableTool = { name: 'drop', description: 'Drop a table' };

/** A server listing `initial`, discovered once, whose gateway exposes `exposed`. */
async function serverOf(org: SeededOrg, initial: MutableTool[], exposed: string[]) {
  const s = await startPinnedServer(world, org, initial, exposed);
  return {
    ...s,
    changes: (status?: 'pending' | 'rejected') => changesIn(world, org, s.installationId, status),
    recorded: async () =>
      (await listInstallationTools({ ...as(org), installationId: s.installationId })).map((t) => t.name),
  };
}

describe('a tool the server stops listing', () => {
  it('is neither served nor shown, and keeps its approval while gone', async () => {
    const s = await serverOf(a, [SEARCH, FETCH], ['search', 'fetch']);
    const searchId = await s.toolId('search');

    await s.upstream.setTools([FETCH]);
    await s.rediscover();
    await eventually(async () => expect([...(await s.listed()).keys()]).toEqual(['fetch']));
    expect(await s.recorded()).toEqual(['fetch']);
    const gone = await s.toolRow('search');
    expect(gone.id).toBe(searchId);
    expect(gone.vanishedAt).not.toBeNull();
    expect(gone.approvedDefinition?.description).toBe('Search the docs');
    // Not shown, so not for switching either.
    expect(
      await failureOf(() =>
        setToolEnabled({
          ...as(a),
          installationId: s.installationId,
          toolId: searchId,
          input: { enabled: false },
        }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('coming back changed is a change to review, not a new tool approved on sight', async () => {
    // New tools are approved automatically (the default): only the kept approval tells them apart.
    const s = await serverOf(a, [SEARCH, FETCH], ['search', 'fetch']);
    await s.upstream.setTools([FETCH]);
    await s.rediscover();
    await eventually(async () => expect([...(await s.listed()).keys()]).toEqual(['fetch']));

    await s.upstream.setTools([{ ...SEARCH, description: RUG_PULL }, FETCH]);
    await s.rediscover();
    await eventually(async () => expect([...(await s.listed()).keys()].sort()).toEqual(['fetch', 'search']));
    expect((await s.listed()).get('search')?.description).toBe('Search the docs');
    expect(await s.changes()).toMatchObject([
      {
        kind: 'changed',
        status: 'pending',
        tool: { id: await s.toolId('search'), name: 'search' },
        approved: { description: 'Search the docs' },
        pending: { description: RUG_PULL },
      },
    ]);
    expect((await s.toolRow('search')).vanishedAt).toBeNull();
  });

  it('coming back unchanged is served again with nothing to review', async () => {
    const s = await serverOf(a, [SEARCH, FETCH], ['search', 'fetch']);
    await s.upstream.setTools([FETCH]);
    await s.rediscover();
    await eventually(async () => expect([...(await s.listed()).keys()]).toEqual(['fetch']));

    await s.upstream.setTools([SEARCH, FETCH]);
    await s.rediscover();
    await eventually(async () => expect([...(await s.listed()).keys()].sort()).toEqual(['fetch', 'search']));
    expect(await s.changes()).toEqual([]);
    expect(await s.recorded()).toEqual(['fetch', 'search']);
  });

  it('takes its waiting change out of review while gone, and brings it back with it', async () => {
    const s = await serverOf(a, [SEARCH, FETCH], ['search', 'fetch']);
    await s.upstream.setTools([{ ...SEARCH, description: RUG_PULL }, FETCH]);
    await s.rediscover();
    const [change] = await s.changes();
    expect(change).toMatchObject({ kind: 'changed', tool: { name: 'search' } });

    await s.upstream.setTools([FETCH]);
    await s.rediscover();
    expect(await s.changes()).toEqual([]);
    expect(
      await failureOf(() => decideToolChange({ ...as(a), id: change!.id, decision: 'approve' })),
    ).toMatchObject({ code: 'NOT_FOUND' });

    await s.upstream.setTools([{ ...SEARCH, description: RUG_PULL }, FETCH]);
    await s.rediscover();
    expect(await s.changes()).toMatchObject([
      { id: change!.id, kind: 'changed', since: change!.since, pending: { description: RUG_PULL } },
    ]);
    expect((await s.listed()).get('search')?.description).toBe('Search the docs');
  });

  it('never approved, stays unapproved when it comes back, even once new tools are approved automatically', async () => {
    const org = await seedOrg(world.h.db);
    await setToolPinningSettings({ ...as(org), input: { autoApproveNewTools: false } });
    const s = await serverOf(org, [FETCH], ['fetch', 'drop']);
    await decideToolChange({ ...as(org), id: await s.toolId('fetch'), decision: 'approve' });
    await s.upstream.setTools([FETCH, DROP]);
    await s.rediscover();
    const [dropped] = await s.changes();
    expect(dropped).toMatchObject({ kind: 'new', tool: { name: 'drop' } });
    await decideToolChange({ ...as(org), id: dropped!.id, decision: 'reject', note: 'Not here.' });

    await setToolPinningSettings({ ...as(org), input: { autoApproveNewTools: true } });
    await s.upstream.setTools([FETCH]);
    await s.rediscover();
    await s.upstream.setTools([FETCH, DROP]);
    await s.rediscover();
    // Still the definition rejected: nothing new to review, and not served.
    expect(await s.changes()).toEqual([]);
    expect(await s.changes('rejected')).toMatchObject([{ kind: 'new', tool: { name: 'drop' } }]);
    expect((await s.toolRow('drop')).approvedHash).toBeNull();

    await s.upstream.setTools([FETCH, { ...DROP, description: 'Drop a table, politely' }]);
    await s.rediscover();
    expect(await s.changes()).toMatchObject([
      { kind: 'new', approved: null, pending: { description: 'Drop a table, politely' } },
    ]);
    expect((await s.toolRow('drop')).approvedHash).toBeNull();
    expect([...(await s.listed()).keys()]).toEqual(['fetch']);
  });
});
