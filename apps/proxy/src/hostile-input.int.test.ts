import { MAX_JSON_DEPTH } from '@toolgate/mcp/json-limits';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_SEALED_CAPABILITIES_CHARS } from './admission/sessions.ts';
import { createHarness, discoverAndSeedTools, rpc, type RunningProxy } from './testing/harness.ts';

/** Well-formed but hostile client messages get JSON-RPC errors; the process keeps serving everyone. */
let h: Awaited<ReturnType<typeof createHarness>>;
let everything: RunningEverythingServer;
let proxy: RunningProxy;
let url: string;
let auth: Record<string, string>;

/** `{"a":{"a":…}}` as text: deeper than JSON.stringify in the test itself could go. */
const deepJson = (levels: number, leaf = '1') => `${'{"a":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;

const initialize = (capabilities: string) =>
  `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","clientInfo":{"name":"hostile","version":"1"},"capabilities":${capabilities}}}`;

async function openSession(): Promise<Record<string, string>> {
  const init = await rpc(url, initialize('{}'), auth);
  expect(init.status).toBe(200);
  return {
    ...auth,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
}

const echo = (headers: Record<string, string>, message: unknown) =>
  rpc(
    url,
    {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'everything__echo', arguments: { message } },
    },
    headers,
  );

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, { url: everything.url });
  const gateway = await seedGateway(db.db, tenant.id, { slug: 'hostile' });
  await seedAssignments(db.db, tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);
  auth = { authorization: `Bearer ${(await seedApiToken(db.db, tenant.id)).token}` };
  proxy = await h.startProxy();
  url = `${proxy.url}/mcp/${tenant.slug}/hostile`;
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
});

describe('hostile client messages', () => {
  it('refuses tool arguments nested thousands of levels deep with an error naming the limit, and keeps serving', async () => {
    const headers = await openSession();
    const body = `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"everything__echo","arguments":{"message":${deepJson(5_000, '"x"')}}}}`;
    expect(body.length).toBeLessThan(40_000);
    const refused = await rpc(url, body, headers);
    expect(refused.status).toBe(400);
    const error = refused.json?.error as { code: number; message: string };
    expect(refused.json?.id).toBe(9);
    expect(error.code).toBe(-32600);
    expect(error.message).toContain(`more than ${MAX_JSON_DEPTH} levels deep`);
    // Several in a row, then a normal call on the same keep-alive upstream: nothing was left broken.
    for (let i = 0; i < 3; i++) expect((await rpc(url, body, headers)).status).toBe(400);
    const ok = await echo(headers, 'still here');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('Echo: still here');
  });

  it('accepts arguments nested up to the limit', async () => {
    const headers = await openSession();
    // The envelope takes 4 levels (message, params, arguments, message).
    const ok = await echo(headers, JSON.parse(deepJson(MAX_JSON_DEPTH - 5)));
    expect(ok.status).toBe(200);
  });

  it('refuses deeply nested initialize capabilities and cancellation ids with 400, not 500', async () => {
    const deepInit = await rpc(url, initialize(deepJson(3_000)), auth);
    expect(deepInit.status).toBe(400);
    const headers = await openSession();
    const cancel = await rpc(
      url,
      `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":${deepJson(3_000)}}}`,
      headers,
    );
    expect(cancel.status).toBe(400);
    // A shallow but wrong-typed id is a notification the gateway ignores.
    const odd = await rpc(
      url,
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: { a: [1] }, reason: 5 } },
      headers,
    );
    expect(odd.status).toBe(202);
    expect((await echo(headers, 'after')).status).toBe(200);
  });

  it('refuses capabilities too large to seal into a session id, and keeps session ids small', async () => {
    const big = JSON.stringify({ experimental: { blob: 'x'.repeat(10_000) } });
    const refused = await rpc(url, initialize(big), auth);
    expect(refused.status).toBe(200);
    expect(refused.headers.get('mcp-session-id')).toBeNull();
    const error = refused.json?.error as { code: number; message: string };
    expect(error.code).toBe(-32602);
    expect(error.message).toContain(`at most ${MAX_SEALED_CAPABILITIES_CHARS}`);
    const longName = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","clientInfo":{"name":"${'n'.repeat(50_000)}","version":"1"},"capabilities":{}}}`;
    const accepted = await rpc(url, longName, auth);
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('mcp-session-id')!.length).toBeLessThan(2_000);
  });
});
