import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateKeySpec, parseKeyRing, seal } from '@toolgate/core/crypto';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import { runnerKey } from '@toolgate/core/runner-auth';
import type { Database } from '@toolgate/db/client';
import {
  createTestDatabase,
  seedInstallation,
  seedRegistryEntry,
  type TestDatabase,
} from '@toolgate/db/testing';
import { credentialsAad } from '@toolgate/mcp/upstream-target';
import { buildRunner, type Runner } from '../build-runner.ts';
import { ZRunnerEnv } from '../env.ts';
import type { SandboxBackend } from '../sandbox/sandbox-spec.ts';

const require = createRequire(import.meta.url);
/** The repository's node_modules, bound read-only into sandboxes so servers from npm can run. */
export const NODE_MODULES = new URL('../../../../node_modules', import.meta.url).pathname;
export const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
export const MEMORY = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');

export const SECRET_KEYS = generateKeySpec('k1');
export const RUNNER_KEY = runnerKey(parseKeyRing(SECRET_KEYS));

export interface TestRunner {
  url: string;
  runner: Runner;
  dataDir: string;
  logs: { msg: string }[];
  close(): Promise<void>;
}

/**
 * A runner on an ephemeral port over `db`, with env overrides (as strings, like the real env).
 * `backend` may be made from the runner's data dir (a sandbox with its package cache).
 */
export async function startTestRunner(
  db: TestDatabase,
  backendOrFactory: SandboxBackend | ((dataDir: string) => Promise<SandboxBackend>),
  overrides: Record<string, string> = {},
): Promise<TestRunner> {
  const dataDir = await mkdtemp(join(tmpdir(), 'toolgate-runner-'));
  const backend = typeof backendOrFactory === 'function' ? await backendOrFactory(dataDir) : backendOrFactory;
  const env = parseEnv(ZRunnerEnv, {
    DATABASE_URL: db.url,
    TOOLGATE_SECRET_KEYS: SECRET_KEYS,
    RUNNER_PORT: '0',
    RUNNER_DATA_DIR: dataDir,
    RUNNER_READONLY_PATHS: NODE_MODULES,
    RUNNER_MEMORY_BYTES: String(512 * 1024 * 1024),
    LOG_LEVEL: 'warn',
    ...overrides,
  });
  const logs: { msg: string }[] = [];
  const log = createLogger({
    name: 'runner-test',
    level: 'info',
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string }) },
  });
  const runner = buildRunner({ env, db, log, backend, backoff: { initialMs: 50, maxMs: 400 } });
  await new Promise<void>((resolve) => runner.server.listen(0, '127.0.0.1', resolve));
  const { port } = runner.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    runner,
    dataDir,
    logs,
    async close() {
      await runner.close();
      runner.server.closeAllConnections();
      await new Promise((resolve) => runner.server.close(resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const openTestDatabase = (url: string) => createTestDatabase(url);

/** A stdio registry entry of `tenantId` and an installation of it, with sealed secrets if given. */
export async function seedStdioServer(
  db: Database,
  tenantId: string,
  entry: {
    command?: string;
    args?: string[];
    env?: Record<string, string>;
    installFields?: unknown[];
    /** A built-in catalog entry (no tenant), installed by `tenantId`. */
    catalog?: boolean;
    /** A packaged entry: npm package, version and bin. */
    package?: string;
    version?: string;
    bin?: string;
    network?: 'none' | 'egress';
  },
  secrets?: Record<string, string>,
  installation: { pinnedVersion?: string; canaryVersion?: string; canaryPercent?: number } = {},
) {
  const row = await seedRegistryEntry(db, entry.catalog ? null : tenantId, {
    transport: 'stdio',
    url: null,
    command: entry.command ?? null,
    args: entry.args ?? [],
    env: entry.env ?? {},
    package: entry.package ?? null,
    version: entry.version ?? null,
    bin: entry.bin ?? null,
    network: entry.network ?? 'none',
    ...(entry.installFields ? { installFields: entry.installFields as never } : {}),
  });
  const seeded = await seedInstallation(db, tenantId, row.id, installation);
  if (secrets) {
    const { installations } = await import('@toolgate/db/schema');
    const { eq } = await import('drizzle-orm');
    const sealed = seal(parseKeyRing(SECRET_KEYS), JSON.stringify(secrets), credentialsAad(seeded.id));
    await db.update(installations).set({ credentialsSealed: sealed }).where(eq(installations.id, seeded.id));
  }
  return { entry: row, installation: seeded };
}

export const mcpUrl = (runner: TestRunner, tenantId: string, installationId: string, variant?: 'canary') =>
  `${runner.url}/tenants/${tenantId}/servers/${installationId}/mcp${variant ? `?variant=${variant}` : ''}`;

/** The official SDK client over Streamable HTTP with the runner key, as a proxy would connect. */
export async function connectClient(url: string, key = RUNNER_KEY): Promise<Client> {
  const client = new Client({ name: 'runner-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

export const textOf = (result: unknown): string =>
  (((result as { content?: unknown }).content ?? []) as { type: string; text?: string }[])
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n');
