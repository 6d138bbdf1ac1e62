import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { auditEvents, tools } from '@toolgate/db/schema';
import { eventually } from '@toolgate/fixtures/test-kit';
import { createHarness } from '@toolgate/proxy/testing/harness';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { failureOf, seedOrg, type SeededOrg } from '../../testing/api-test-env.ts';
import { listInstallationTools } from '../list-installation-tools.ts';
import { decideToolChange } from './decide-tool-change.ts';
import { countPendingToolChanges, listToolChanges } from './list-tool-changes.ts';
import { TOOL_CHANGE_DECIDE_METHOD, TOOL_PINNING_SETTINGS_METHOD } from './tool-change-audit.ts';
import { getToolPinningSettings, setToolPinningSettings } from './tool-pinning-settings.ts';
import type { MutableTool } from './testing/mutable-tools-server.ts';
import {
  actingIn,
  changesIn,
  RUG_PULL,
  SEARCH,
  startPinnedServer,
  type PinningWorld,
  type Who,
} from './testing/pinned-server.ts';

let world: PinningWorld;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  const h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  world = { h, proxy: await h.startProxy(), bus: h.newBus(), closers: [] };
  [a, b] = await Promise.all([seedOrg(h.db), seedOrg(h.db)]);
});
afterAll(async () => {
  for (const close of world?.closers.reverse() ?? []) await close().catch(() => undefined);
  await world?.bus.close();
  await world?.h.close();
});

const as = (org: SeededOrg, who: Who = 'admin') => actingIn(world, org, who);
const pinnedServer = (org: SeededOrg, initial: MutableTool[], exposed: string[]) =>
  startPinnedServer(world, org, initial, exposed);

const changesOf = (org: SeededOrg, installationId: string, status?: 'pending' | 'rejected') =>
  changesIn(world, org, installationId, status);

describe('a changed tool definition', () => {
  it('keeps serving the approved description while the change waits, and the new one once approved', async () => {
    const s = await pinnedServer(a, [SEARCH], ['search', 'fetch']);
    expect((await s.listed()).get('search')?.description).toBe('Search the docs');

    await s.upstream.setTools([
      { ...SEARCH, description: RUG_PULL, annotations: { destructiveHint: true } },
      { name: 'fetch', description: 'Fetch a page' },
    ]);
    await s.rediscover();
    // The new tool (auto-approved by default) shows the gateway was recompiled; the changed one
    // is still served as approved.
    await eventually(async () => expect([...(await s.listed()).keys()].sort()).toEqual(['fetch', 'search']));
    const held = (await s.listed()).get('search')!;
    expect(held.description).toBe('Search the docs');
    expect(held.annotations).toBeUndefined();

    const [change, ...others] = await changesOf(a, s.installationId);
    expect(others).toEqual([]);
    expect(change).toMatchObject({
      kind: 'changed',
      status: 'pending',
      tool: { name: 'search' },
      server: { slug: s.slug },
      approved: { description: 'Search the docs', annotations: null },
      pending: { description: RUG_PULL, annotations: { destructiveHint: true } },
    });
    expect(change!.pendingHash).not.toBe(change!.approvedHash);
    // The gateway's tool picker reads the review from the installation's tools.
    const recorded = await listInstallationTools({ ...as(a), installationId: s.installationId });
    expect(Object.fromEntries(recorded.map((t) => [t.name, t.review]))).toEqual({
      fetch: null,
      search: { kind: 'changed', status: 'pending' },
    });
    expect(await countPendingToolChanges(as(a))).toBeGreaterThanOrEqual(1);
    expect(await countPendingToolChanges(as(a, 'member'))).toBe(0);

    // Discovering the same definition again keeps the time it was first seen.
    await s.rediscover();
    expect((await changesOf(a, s.installationId))[0]?.since).toBe(change!.since);

    const decided = await decideToolChange({
      ...as(a),
      id: change!.id,
      decision: 'approve',
      note: 'Checked with the vendor',
      pendingHash: change!.pendingHash,
    });
    expect(decided).toMatchObject({
      outcome: 'approved',
      note: 'Checked with the vendor',
      served: { description: RUG_PULL },
    });
    await eventually(async () => expect((await s.listed()).get('search')?.description).toBe(RUG_PULL));
    expect((await s.listed()).get('search')?.annotations).toEqual({ destructiveHint: true });
    expect(await changesOf(a, s.installationId)).toEqual([]);

    const audited = await world.h.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.method, TOOL_CHANGE_DECIDE_METHOD)));
    expect(audited.find((e) => e.installationId === s.installationId)).toMatchObject({
      principalId: `user:${a.admin.id}`,
      toolName: 'search',
      status: 'ok',
      response: { decision: 'approve', note: 'Checked with the vendor', kind: 'changed' },
    });
  });

  it('rejected: the approved definition stays; the same definition raises nothing again, another one waits', async () => {
    const s = await pinnedServer(a, [SEARCH], ['search']);
    await s.upstream.setTools([{ ...SEARCH, description: RUG_PULL }]);
    await s.rediscover();
    const [change] = await changesOf(a, s.installationId);
    const rejected = await decideToolChange({ ...as(a), id: change!.id, decision: 'reject', note: 'No.' });
    expect(rejected).toMatchObject({ outcome: 'rejected', served: { description: 'Search the docs' } });
    expect(await changesOf(a, s.installationId)).toEqual([]);
    expect(await changesOf(a, s.installationId, 'rejected')).toMatchObject([{ status: 'rejected' }]);
    expect(
      await failureOf(() => decideToolChange({ ...as(a), id: change!.id, decision: 'reject' })),
    ).toMatchObject({ code: 'CONFLICT', details: { reason: 'decided' } });

    await s.rediscover();
    expect(await changesOf(a, s.installationId)).toEqual([]);
    expect((await s.listed()).get('search')?.description).toBe('Search the docs');

    await s.upstream.setTools([{ ...SEARCH, description: 'Search the docs, now faster' }]);
    await s.rediscover();
    const [again] = await changesOf(a, s.installationId);
    expect(again).toMatchObject({
      status: 'pending',
      pending: { description: 'Search the docs, now faster' },
    });
    // Approving what was reviewed before the server changed it again is refused.
    expect(
      await failureOf(() =>
        decideToolChange({ ...as(a), id: again!.id, decision: 'approve', pendingHash: change!.pendingHash }),
      ),
    ).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'changed_again', pendingHash: again!.pendingHash },
    });

    // The server going back to the approved definition ends the change.
    await s.upstream.setTools([SEARCH]);
    await s.rediscover();
    expect(await changesOf(a, s.installationId)).toEqual([]);
    expect(await changesOf(a, s.installationId, 'rejected')).toEqual([]);
    expect(
      await failureOf(() => decideToolChange({ ...as(a), id: again!.id, decision: 'approve' })),
    ).toMatchObject({ code: 'CONFLICT', details: { reason: 'no_change' } });
  });

  it('is held when the upstream announces it with tools/list_changed while a client listens', async () => {
    const s = await pinnedServer(a, [SEARCH], ['search']);
    let heard = 0;
    s.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard++);
    // The proxy watches the upstream while the client's stream is open; a change it hears is
    // recorded (syncInstallationTools), and held.
    const searchId = await s.toolId('search');
    await eventually(async () => {
      await s.upstream.setTools([{ ...SEARCH, description: RUG_PULL }]);
      const [row] = await world.h.db.db.select().from(tools).where(eq(tools.id, searchId));
      expect(row?.description).toBe(RUG_PULL);
      expect(row?.pendingSince).not.toBeNull();
    }, 15_000);
    expect((await s.listed()).get('search')?.description).toBe('Search the docs');
    expect(heard).toBe(0);

    await decideToolChange({ ...as(a), id: searchId, decision: 'approve' });
    await eventually(() => expect(heard).toBe(1));
    expect((await s.listed()).get('search')?.description).toBe(RUG_PULL);
  });

  it("is switched off while it waits when the workspace chose 'disable', and back on when approved", async () => {
    const org = await seedOrg(world.h.db);
    expect(await setToolPinningSettings({ ...as(org), input: { onToolChange: 'disable' } })).toEqual({
      autoApproveNewTools: true,
      onToolChange: 'disable',
    });
    const s = await pinnedServer(org, [SEARCH, { name: 'other', description: 'Other' }], ['search', 'other']);
    await s.upstream.setTools([
      { ...SEARCH, description: RUG_PULL },
      { name: 'other', description: 'Other' },
    ]);
    await s.rediscover();
    await eventually(async () => expect([...(await s.listed()).keys()]).toEqual(['other']));
    await expect(s.client.callTool({ name: `${s.slug}__search`, arguments: { q: 'x' } })).rejects.toThrow(
      /Unknown tool/,
    );

    // Serving the approved definition instead applies at once.
    await setToolPinningSettings({ ...as(org), input: { onToolChange: 'serve_approved' } });
    await eventually(async () =>
      expect((await s.listed()).get('search')?.description).toBe('Search the docs'),
    );
    await setToolPinningSettings({ ...as(org), input: { onToolChange: 'disable' } });
    await eventually(async () => expect([...(await s.listed()).keys()]).toEqual(['other']));

    await decideToolChange({ ...as(org), id: await s.toolId('search'), decision: 'approve' });
    await eventually(async () => expect((await s.listed()).get('search')?.description).toBe(RUG_PULL));
    const called = await s.client.callTool({ name: `${s.slug}__search`, arguments: { q: 'x' } });
    expect(called.content).toEqual([{ type: 'text', text: 'called search' }]);
  });
});

describe('a new tool', () => {
  it('waits unlisted when the workspace does not auto-approve new tools; approved, it is served', async () => {
    const org = await seedOrg(world.h.db);
    expect(await getToolPinningSettings(as(org))).toEqual({
      autoApproveNewTools: true,
      onToolChange: 'serve_approved',
    });
    await setToolPinningSettings({ ...as(org), input: { autoApproveNewTools: false } });
    const s = await pinnedServer(org, [SEARCH], ['search', 'send', 'drop']);
    // Found at the first discovery, hence new too.
    expect([...(await s.listed()).keys()]).toEqual([]);
    const [first] = await changesOf(org, s.installationId);
    expect(first).toMatchObject({
      kind: 'new',
      approved: null,
      approvedHash: null,
      tool: { name: 'search' },
    });
    await decideToolChange({ ...as(org), id: first!.id, decision: 'approve' });
    await eventually(async () => expect([...(await s.listed()).keys()]).toEqual(['search']));

    await s.upstream.setTools([
      SEARCH,
      { name: 'send', description: 'Send an email' },
      { name: 'drop', description: 'Drop a table' },
    ]);
    await s.rediscover();
    const waiting = await changesOf(org, s.installationId);
    expect(waiting.map((c) => [c.tool.name, c.kind]).sort()).toEqual([
      ['drop', 'new'],
      ['send', 'new'],
    ]);
    expect([...(await s.listed()).keys()]).toEqual(['search']);
    await expect(s.client.callTool({ name: `${s.slug}__send`, arguments: {} })).rejects.toThrow(
      /Unknown tool/,
    );

    const send = waiting.find((c) => c.tool.name === 'send')!;
    const drop = waiting.find((c) => c.tool.name === 'drop')!;
    await decideToolChange({ ...as(org), id: send.id, decision: 'approve' });
    expect(await decideToolChange({ ...as(org), id: drop.id, decision: 'reject' })).toMatchObject({
      served: null,
    });
    await eventually(async () => expect([...(await s.listed()).keys()].sort()).toEqual(['search', 'send']));
    expect(await changesOf(org, s.installationId, 'rejected')).toMatchObject([
      { kind: 'new', tool: { name: 'drop' } },
    ]);
    const recorded = await listInstallationTools({ ...as(org), installationId: s.installationId });
    expect(Object.fromEntries(recorded.map((t) => [t.name, t.review]))).toEqual({
      drop: { kind: 'new', status: 'rejected' },
      search: null,
      send: null,
    });
    // A rejected change may still be approved.
    await decideToolChange({ ...as(org), id: drop.id, decision: 'approve' });
    await eventually(async () =>
      expect([...(await s.listed()).keys()].sort()).toEqual(['drop', 'search', 'send']),
    );
  });
});

describe('who reviews', () => {
  it('owners and admins only, and only their own workspace’s changes', async () => {
    const s = await pinnedServer(a, [SEARCH], ['search']);
    await s.upstream.setTools([{ ...SEARCH, description: RUG_PULL }]);
    await s.rediscover();
    const [change] = await changesOf(a, s.installationId);

    expect(await failureOf(() => listToolChanges(as(a, 'member')))).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await failureOf(() => decideToolChange({ ...as(a, 'member'), id: change!.id, decision: 'approve' })),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await failureOf(() =>
        setToolPinningSettings({ ...as(a, 'member'), input: { autoApproveNewTools: false } }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });

    // Another workspace's admin neither sees nor decides it.
    expect((await listToolChanges(as(b))).map((c) => c.id)).not.toContain(change!.id);
    expect(
      await failureOf(() => decideToolChange({ ...as(b), id: change!.id, decision: 'approve' })),
    ).toMatchObject({ code: 'NOT_FOUND' });
    await setToolPinningSettings({ ...as(b), input: { onToolChange: 'disable' } });
    expect(await getToolPinningSettings(as(a))).toEqual({
      autoApproveNewTools: true,
      onToolChange: 'serve_approved',
    });
    expect((await s.listed()).get('search')?.description).toBe('Search the docs');
    expect(await changesOf(a, s.installationId)).toMatchObject([{ id: change!.id, status: 'pending' }]);
    await setToolPinningSettings({ ...as(b), input: { onToolChange: 'serve_approved' } });

    expect(await failureOf(() => setToolPinningSettings({ ...as(a), input: {} }))).toMatchObject({
      code: 'INVALID',
    });
  });
});

describe('the pinning settings', () => {
  it('are audited when changed: who, what was asked, before and after; saving the same values writes nothing', async () => {
    const org = await seedOrg(world.h.db);
    const audited = () =>
      world.h.db.db
        .select()
        .from(auditEvents)
        .where(
          and(eq(auditEvents.tenantId, org.tenant.id), eq(auditEvents.method, TOOL_PINNING_SETTINGS_METHOD)),
        )
        .orderBy(auditEvents.occurredAt);

    await setToolPinningSettings({ ...as(org, 'owner'), input: { autoApproveNewTools: false } });
    expect(await audited()).toMatchObject([
      {
        principalType: 'user',
        principalId: `user:${org.owner.id}`,
        status: 'ok',
        request: { autoApproveNewTools: false },
        response: {
          before: { autoApproveNewTools: true, onToolChange: 'serve_approved' },
          after: { autoApproveNewTools: false, onToolChange: 'serve_approved' },
        },
      },
    ]);

    await setToolPinningSettings({ ...as(org), input: { autoApproveNewTools: false } });
    expect(await audited()).toHaveLength(1);
    await failureOf(() =>
      setToolPinningSettings({ ...as(org, 'member'), input: { onToolChange: 'disable' } }),
    );
    expect(await audited()).toHaveLength(1);

    await setToolPinningSettings({
      ...as(org),
      input: { autoApproveNewTools: true, onToolChange: 'disable' },
    });
    const rows = await audited();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({
      principalId: `user:${org.admin.id}`,
      request: { autoApproveNewTools: true, onToolChange: 'disable' },
      response: {
        before: { autoApproveNewTools: false, onToolChange: 'serve_approved' },
        after: { autoApproveNewTools: true, onToolChange: 'disable' },
      },
    });
  });
});
