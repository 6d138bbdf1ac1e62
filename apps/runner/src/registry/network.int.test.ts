import { type Server, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createLogger } from '@toolgate/core/logger';
import { seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSandboxBackend } from '../sandbox/sandbox-backend.ts';
import { TESTING_DIR } from '../testing/probe.ts';
import {
  NODE_MODULES,
  type TestRunner,
  connectClient,
  mcpUrl,
  openTestDatabase,
  seedStdioServer,
  startTestRunner,
  textOf,
} from '../testing/runner-kit.ts';

const MCP_PROBE = `${TESTING_DIR}/mcp-probe-server.mjs`;

let db: TestDatabase;
let runner: TestRunner;
let tenant: string;
let listener: Server;
let port: number;
let connections = 0;
const clients: Client[] = [];

beforeAll(async () => {
  db = await openTestDatabase(inject('postgresUrl'));
  const backend = await createSandboxBackend({ log: createLogger({ name: 'runner-test', level: 'silent' }) });
  runner = await startTestRunner(db, backend, { RUNNER_READONLY_PATHS: `${NODE_MODULES},${TESTING_DIR}` });
  tenant = (await seedTenant(db.db)).id;
  // A service on the host's loopback, as Postgres or Redis would be.
  listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await runner?.close();
  await new Promise((resolve) => listener?.close(resolve));
  await db?.destroy();
});

async function tryConnect(network: 'none' | 'egress'): Promise<string> {
  const { installation } = await seedStdioServer(db.db, tenant, {
    command: process.execPath,
    args: [MCP_PROBE],
    network,
  });
  const c = await connectClient(mcpUrl(runner, tenant, installation.id));
  clients.push(c);
  return textOf(await c.callTool({ name: 'connect', arguments: { host: '127.0.0.1', port } }));
}

describe("the registry entry's network, through the runner", () => {
  it('a server of an entry with network none cannot open a connection; with egress it can', async () => {
    expect(await tryConnect('none')).toMatch(/^failed: /);
    expect(connections).toBe(0);
    expect(await tryConnect('egress')).toBe('connected');
    expect(connections).toBe(1);
  });
});
