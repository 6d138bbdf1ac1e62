import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { createTestDatabase, seedMember, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appRouter } from './root.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
/** A plain web server: 404 everywhere, as a typo'd URL of a real site would answer. */
let web: Server;
let webUrl: string;
const services = testServices({ allowPrivateUpstreams: true });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  web = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>Not Found</h1>');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (web ? web.close(() => resolve()) : resolve()));
  await db?.destroy();
});

/** What the browser receives for an error: its message and data, as the error formatter shapes them. */
const shapeOf = (err: TRPCError) =>
  getErrorShape({
    config: appRouter._def._config,
    error: err,
    type: 'mutation',
    path: 'registry.probe',
    input: undefined,
    ctx: undefined,
  });

describe('registry.probe', () => {
  it('answers a URL that is not one with a sentence for the URL field, never the validator’s JSON', async () => {
    const a = await signUpWorkspace(db.db, 'A', crypto.randomUUID().slice(0, 8));
    const caller = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const shape = shapeOf(await trpcError(caller.registry.probe({ url: 'not a url' })));
    expect(shape.message).toBe('url: must be an http:// or https:// URL without credentials');
    expect(shape.message).not.toMatch(/[[{]/);
    expect(shape.data.fields).toEqual({ url: 'Must be an http:// or https:// URL without credentials' });
  });

  it('answers over-long names in words', async () => {
    const a = await signUpWorkspace(db.db, 'A', crypto.randomUUID().slice(0, 8));
    const caller = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const shape = shapeOf(
      await trpcError(caller.gateways.create({ name: 'G'.repeat(101), slug: 'long-name', description: '' })),
    );
    expect(shape.data.fields).toMatchObject({ name: 'Must be at most 100 characters' });
    expect(shape.message).not.toMatch(/Too big|expected string/);
  });

  it('reports an address that answers HTTP but not MCP as a failure with the reason', async () => {
    const a = await signUpWorkspace(db.db, 'A', crypto.randomUUID().slice(0, 8));
    const caller = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const found = await caller.registry.probe({ url: webUrl });
    expect(found).toMatchObject({ reachable: true, speaksMcp: false, transport: null });
    expect(found.detail).toMatch(/^That address answered HTTP 404 but did not answer as an MCP server/);
  });

  it('is for members of the workspace only', async () => {
    const a = await signUpWorkspace(db.db, 'A', crypto.randomUUID().slice(0, 8));
    const b = await signUpWorkspace(db.db, 'B', crypto.randomUUID().slice(0, 8));
    const member = await seedMember(db.db, a.tenantId, 'member');
    // A member of A may probe in A (it only reads a URL); nobody probes in a workspace not theirs.
    await expect(
      (await callerAs(db.db, services, member.id, a.tenantSlug)).registry.probe({ url: webUrl }),
    ).resolves.toMatchObject({ speaksMcp: false });
    const foreign = await trpcError(
      (await callerAs(db.db, services, b.userId, a.tenantSlug)).registry.probe({ url: webUrl }),
    );
    expect(foreign.code).toBe('NOT_FOUND');
  });
});
