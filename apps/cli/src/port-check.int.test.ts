import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@toolgate/fixtures/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, runCli, startToolgate } from './testing/run-cli.ts';

const tempDirs: string[] = [];
async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tg-ports-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Whether something accepts connections on the port (what "left running" would look like). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Another program on the port: it answers every connection with a line that is not HTTP. */
function occupy(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.end('not http\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

describe('toolgate start on ports already in use', () => {
  it('says Toolgate already seems to be running there, exits 69 and starts nothing', async () => {
    const dataDir = await tempDataDir();
    const [webPort, proxyPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const ports = {
      WEB_PORT: String(webPort),
      PROXY_PORT: String(proxyPort),
      WORKER_PORT: String(workerPort),
    };
    // A running Toolgate that holds one of the ports (a proxy needs no built web app).
    const first = await startToolgate('proxy', childEnv({ ...ports, TOOLGATE_DATA_DIR: dataDir }));
    try {
      const second = await runCli(['start'], childEnv({ ...ports, TOOLGATE_DATA_DIR: dataDir }));
      expect(second.code).toBe(69);
      expect(second.stderr).toContain(
        `port ${proxyPort} (PROXY_PORT) is in use: Toolgate already seems to be running at http://localhost:${proxyPort}.`,
      );
      expect(second.stderr).toContain('set WEB_PORT, PROXY_PORT, WORKER_PORT to free ports');
      expect(second.stdout).not.toContain('Toolgate is running');
      // Nothing of the second start is left listening, and the first still serves.
      expect(await canBind(webPort)).toBe(true);
      expect(await canBind(workerPort)).toBe(true);
      expect((await fetch(`http://localhost:${proxyPort}/readyz`)).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  it('names the port and its variable when another program holds it', async () => {
    const [webPort, proxyPort] = [await freePort(), await freePort()];
    const dataDir = await tempDataDir();
    const other = await occupy(webPort);
    try {
      const run = await runCli(
        ['start'],
        childEnv({
          WEB_PORT: String(webPort),
          PROXY_PORT: String(proxyPort),
          WORKER_PORT: '0',
          TOOLGATE_DATA_DIR: dataDir,
        }),
      );
      expect(run.code).toBe(69);
      expect(run.stderr).toContain(
        `port ${webPort} (WEB_PORT) is in use by another program. Stop it, or set WEB_PORT to a free port.`,
      );
      expect(run.stdout).not.toContain('Toolgate is running');
      expect(await canBind(proxyPort)).toBe(true);
      expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
    } finally {
      await other.close();
    }
  });
});
