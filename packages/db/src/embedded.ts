import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { EmbeddedQueryQueue } from './embedded-query-queue.ts';

/**
 * The embedded default database: PGlite served over the Postgres wire protocol on loopback, so
 * every process and every code path uses node-postgres exactly as against a real server.
 *
 * The owning process writes `<dataDir>/embedded.json` with its pid and port. Other commands
 * (`toolgate bootstrap`, `toolgate migrate`) started while it runs connect to it instead of
 * opening the same files a second time, which PGlite does not support.
 */
export interface EmbeddedPostgres {
  url: string;
  /** False when this process attached to a server another process owns. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory for data; `memory://` for a throwaway database. */
  dataDir: string;
  host?: string;
  port?: number;
  maxConnections?: number;
}

interface Marker {
  pid: number;
  host: string;
  port: number;
}

const urlFor = (host: string, port: number) => `postgres://postgres@${host}:${port}/postgres?sslmode=disable`;

export async function startEmbeddedPostgres({
  dataDir,
  host = '127.0.0.1',
  port = 0,
  maxConnections = 32,
}: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const inMemory = dataDir.startsWith('memory://');
  const markerPath = inMemory ? undefined : path.join(dataDir, 'embedded.json');
  if (markerPath) {
    const running = await findRunning(markerPath);
    if (running) return { url: urlFor(running.host, running.port), owned: false, stop: async () => {} };
    await mkdir(dataDir, { recursive: true });
  }

  const db = await PGlite.create(inMemory ? undefined : path.join(dataDir, 'pg'));
  const server = new PGLiteSocketServer({ db, host, port, maxConnections });
  // Before any connection: handlers take the server's queue when they are created.
  (server as unknown as { queryQueue: EmbeddedQueryQueue }).queryQueue = new EmbeddedQueryQueue(db);
  await server.start();
  // "host:port" once listening; the port is the one the OS picked when asked for 0.
  const boundPort = Number(server.getServerConn().split(':').pop());
  if (markerPath) {
    await writeFile(markerPath, JSON.stringify({ pid: process.pid, host, port: boundPort } satisfies Marker));
  }
  let stopped = false;
  return {
    url: urlFor(host, boundPort),
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
      if (markerPath) await rm(markerPath, { force: true });
    },
  };
}

async function findRunning(markerPath: string): Promise<Marker | undefined> {
  let marker: Marker;
  try {
    marker = JSON.parse(await readFile(markerPath, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  if (!isAlive(marker.pid) || !(await isListening(marker.host, marker.port))) {
    await rm(markerPath, { force: true });
    return undefined;
  }
  return marker;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
