import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { type Server, type Socket, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@toolgate/core/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackageInstaller } from './package-installer.ts';

let dir: string;
let registry: Server;
let registryUrl: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'toolgate-installer-'));
  // A registry that accepts connections and never answers.
  registry = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => registry.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('PackageInstaller', () => {
  it('gives up on an install slower than its timeout, and leaves nothing in the cache', async () => {
    const installer = new PackageInstaller({
      dir: join(dir, 'packages'),
      npmHome: join(dir, 'npm'),
      registry: registryUrl,
      timeoutMs: 3_000,
      log: createLogger({ name: 'installer-test', level: 'silent' }),
    });
    const started = Date.now();
    const ref = { name: 'some-mcp-server', version: '1.0.0' };
    // Two starts at once share the one install, and both get its failure.
    const [a, b] = await Promise.allSettled([installer.install(ref), installer.install(ref)]);
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const result of [a, b])
      expect(result.status === 'rejected' && (result.reason as Error).message).toBe(
        'npm could not install some-mcp-server@1.0.0: npm did not finish within 3000 ms',
      );
    expect(sockets.length).toBeGreaterThan(0);
    expect(await readdir(join(dir, 'packages'))).toEqual([]);
  });
});
