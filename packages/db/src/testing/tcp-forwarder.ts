import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP forwarder a test puts between a client and a shared server (Postgres, Redis) to
 * fake network faults on its own connections only: the shared server is never stopped.
 */
export interface TcpForwarder {
  readonly host: string;
  readonly port: number;
  /** `url` with its host and port replaced by the forwarder's (credentials, path and query kept). */
  urlFor(url: string): string;
  /**
   * Stops passing bytes either way while every connection stays open, as a hung server or a
   * network partition looks to a client: no answer, no error, no close. New connections are
   * accepted and held too. What is sent meanwhile is kept and delivered on `resume`, as TCP
   * would once the partition heals.
   */
  silence(): void;
  /** Passes bytes again, first what was held back. */
  resume(): void;
  /** Resets every open connection (a crashed server); later connections are forwarded as usual. */
  dropConnections(): void;
  /** Connections currently open through the forwarder. */
  readonly connections: number;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream?: Socket;
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export async function startTcpForwarder(target: { host: string; port: number }): Promise<TcpForwarder> {
  const links = new Set<Link>();
  let silent = false;

  const flush = (link: Link) => {
    if (silent) return;
    // A connection accepted while silent reaches the target only now.
    link.upstream ??= openUpstream(link);
    for (const chunk of link.toUpstream.splice(0)) link.upstream.write(chunk);
    for (const chunk of link.toClient.splice(0)) link.client.write(chunk);
  };

  const drop = (link: Link) => {
    if (!links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  };

  const openUpstream = (link: Link): Socket => {
    const upstream = connect({ host: target.host, port: target.port });
    upstream.on('data', (chunk: Buffer) => {
      link.toClient.push(chunk);
      flush(link);
    });
    upstream.on('error', () => drop(link));
    upstream.on('close', () => drop(link));
    return upstream;
  };

  const server = createServer((client) => {
    const link: Link = { client, toUpstream: [], toClient: [] };
    links.add(link);
    client.on('data', (chunk: Buffer) => {
      link.toUpstream.push(chunk);
      flush(link);
    });
    client.on('error', () => drop(link));
    client.on('close', () => drop(link));
    flush(link);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = '127.0.0.1';

  return {
    host,
    port,
    urlFor(url) {
      const u = new URL(url);
      u.hostname = host;
      u.port = String(port);
      return u.toString();
    },
    silence() {
      silent = true;
    },
    resume() {
      silent = false;
      for (const link of links) flush(link);
    },
    dropConnections() {
      for (const link of [...links]) {
        link.client.resetAndDestroy();
        drop(link);
      }
    },
    get connections() {
      return links.size;
    },
    async close() {
      for (const link of [...links]) drop(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
