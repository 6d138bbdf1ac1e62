import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeySpec } from '@toolgate/core/crypto';
import { parseEnv } from '@toolgate/core/env';
import type { UsageEvent } from '@toolgate/core/usage';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import { RPC } from '@toolgate/mcp/jsonrpc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ZProxyEnv } from './env.ts';
import { STDIO_DISABLED_MESSAGE } from './backend/stdio-policy.ts';
import { createHarness, initializeSession, rpc, type Harness, type RunningProxy } from './testing/harness.ts';

const conformanceStdio = fileURLToPath(
  new URL('../../../packages/fixtures/src/conformance-stdio.ts', import.meta.url),
);

let h: Harness;
let fixture: Awaited<ReturnType<typeof startConformanceFixture>>;
let dir: string;
/** One line per child process started for the stdio installation. */
let marker: string;
let path_: string;
let token: string;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  fixture = await startConformanceFixture({ host: '127.0.0.1' });
  dir = mkdtempSync(path.join(tmpdir(), 'toolgate-stdio-'));
  marker = path.join(dir, 'started');
  const { db } = h;
  const tenant = await seedTenant(db.db);
  // The conformance fixture over stdio, behind a shell that notes every start.
  const local = await seedRegistryEntry(db.db, tenant.id, {
    slug: 'local',
    transport: 'stdio',
    url: null,
    command: '/bin/sh',
    args: [
      '-c',
      `echo started >> '${marker}'; exec "$@"`,
      'sh',
      process.execPath,
      '--import',
      'tsx',
      conformanceStdio,
    ],
  });
  const localInstallation = await seedInstallation(db.db, tenant.id, local.id);
  await seedTools(db.db, tenant.id, localInstallation.id, [
    { name: 'test_simple_text', inputSchema: { type: 'object' } },
  ]);
  const remote = await seedRegistryEntry(db.db, tenant.id, { slug: 'remote', url: fixture.url });
  const remoteInstallation = await seedInstallation(db.db, tenant.id, remote.id);
  await seedTools(db.db, tenant.id, remoteInstallation.id, [
    { name: 'test_simple_text', inputSchema: { type: 'object' } },
  ]);
  const gateway = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: local.id, toolName: 'test_simple_text' },
    { registryEntryId: local.id, kind: 'prompt', toolName: 'test_simple_prompt' },
    { registryEntryId: local.id, kind: 'resources', toolName: '*' },
    { registryEntryId: remote.id, toolName: 'test_simple_text' },
  ]);
  token = (await seedApiToken(db.db, tenant.id)).token;
  path_ = `/mcp/${tenant.slug}/${gateway.slug}`;
});

afterAll(async () => {
  await h?.close();
  await fixture?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const starts = () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0);

async function session(proxy: RunningProxy) {
  const url = `${proxy.url}${path_}`;
  const { init, headers } = await initializeSession(url, { authorization: `Bearer ${token}` });
  let id = 1;
  const call = async (method: string, params: Record<string, unknown> = {}) =>
    (await rpc(url, { jsonrpc: '2.0', id: id++, method, params }, headers)).json!;
  return { init: init.json!, call };
}

describe('TOOLGATE_ALLOW_STDIO on the proxy', () => {
  it('is off unless set', () => {
    const env = parseEnv(ZProxyEnv, {
      DATABASE_URL: 'postgres://localhost/x',
      TOOLGATE_SESSION_KEYS: generateKeySpec('s1'),
      TOOLGATE_SECRET_KEYS: generateKeySpec('k1'),
    });
    expect(env.TOOLGATE_ALLOW_STDIO).toBe(false);
  });

  it('off: stdio servers are hidden and refused, and no process is started', async () => {
    const proxy = await h.startProxy({ TOOLGATE_ALLOW_STDIO: 'false' });
    const recorded: UsageEvent[] = [];
    const record = proxy.proxy.usage.record.bind(proxy.proxy.usage);
    proxy.proxy.usage.record = (event) => {
      recorded.push(event);
      record(event);
    };
    try {
      const { init, call } = await session(proxy);
      // Only the stdio server had prompts and resources: neither is advertised.
      expect(init).toMatchObject({ result: { capabilities: { tools: {} } } });
      expect((init.result as { capabilities: object }).capabilities).not.toHaveProperty('prompts');
      expect((init.result as { capabilities: object }).capabilities).not.toHaveProperty('resources');

      const list = await call('tools/list');
      expect((list.result as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual([
        'remote__test_simple_text',
      ]);
      expect(await call('prompts/list')).toMatchObject({ result: { prompts: [] } });
      expect(await call('resources/list')).toMatchObject({ result: { resources: [] } });

      const refusal = {
        code: RPC.UPSTREAM_ERROR,
        message: STDIO_DISABLED_MESSAGE,
        data: { upstream: 'local', kind: 'blocked' },
      };
      expect(await call('tools/call', { name: 'local__test_simple_text', arguments: {} })).toMatchObject({
        error: refusal,
      });
      expect(await call('prompts/get', { name: 'local__test_simple_prompt' })).toMatchObject({
        error: refusal,
      });
      expect(
        await call('completion/complete', {
          ref: { type: 'ref/prompt', name: 'local__test_simple_prompt' },
          argument: { name: 'x', value: '' },
        }),
      ).toMatchObject({ error: refusal });
      // Other servers of the gateway are unaffected.
      expect(await call('tools/call', { name: 'remote__test_simple_text', arguments: {} })).toMatchObject({
        result: { content: [{ type: 'text' }] },
      });

      expect(proxy.proxy.pool.stats().processes).toBe(0);
      expect(starts()).toBe(0);
      expect(recorded.find((e) => e.toolName === 'local__test_simple_text')).toMatchObject({
        status: 'error',
        errorCode: RPC.UPSTREAM_ERROR,
      });
      expect(recorded.find((e) => e.toolName === 'local__test_simple_text')?.installationId).toBeTruthy();
    } finally {
      await proxy.close();
    }
  });

  it('on: stdio servers are listed and called', async () => {
    const proxy = await h.startProxy({ TOOLGATE_ALLOW_STDIO: 'true' });
    try {
      const { call } = await session(proxy);
      const list = await call('tools/list');
      expect((list.result as { tools: { name: string }[] }).tools.map((t) => t.name).sort()).toEqual([
        'local__test_simple_text',
        'remote__test_simple_text',
      ]);
      expect(await call('tools/call', { name: 'local__test_simple_text', arguments: {} })).toMatchObject({
        result: { content: [{ type: 'text' }] },
      });
      expect(await call('prompts/get', { name: 'local__test_simple_prompt' })).toHaveProperty('result');
      expect(proxy.proxy.pool.stats().processes).toBe(1);
      expect(starts()).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});
