import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { type FixtureLog, createFixtureServer } from './fixture-server.ts';

export interface ReceivedMessage {
  message: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export interface HttpFixture {
  url: string;
  port: number;
  log: FixtureLog;
  /** Every JSON-RPC message POSTed to the server, in arrival order. */
  received: ReceivedMessage[];
  /** GET requests that resumed a stream with Last-Event-ID. */
  resumes: number;
  /** GET streams opened without Last-Event-ID (notification streams). */
  streams: number;
  /** Forgets every session, as a restarted server would: the next request gets 404. */
  forgetSessions(): Promise<void>;
  /** Answers every request with this status instead of serving MCP (undefined: serve MCP). */
  failWith: number | undefined;
  /**
   * Closes the connection of the next request arriving on a kept-alive ('reused') or a new
   * ('new') connection, without answering or recording it; then back to undefined.
   */
  hangUp: 'reused' | 'new' | undefined;
  /** Connections open to the server right now. */
  connections(): Promise<number>;
  close(): Promise<void>;
}

/** Keeps events for Last-Event-ID resumption, per stream. */
class MemoryEventStore implements EventStore {
  private readonly events: { id: string; streamId: string; message: JSONRPCMessage }[] = [];

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${this.events.length}`;
    this.events.push({ id, streamId, message });
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.find((event) => event.id === eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const index = this.events.findIndex((event) => event.id === lastEventId);
    const streamId = this.events[index]?.streamId ?? '';
    for (const event of this.events.slice(index + 1)) {
      if (event.streamId === streamId) await send(event.id, event.message);
    }
    return streamId;
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error instanceof Error ? error : new Error('bad JSON'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * A Streamable HTTP MCP server (the SDK's transport, one per session) on an ephemeral port, that
 * records what it receives and can forget its sessions or fail on demand.
 */
export async function startHttpFixture(
  options: { jsonResponse?: boolean; resumable?: boolean } = {},
): Promise<HttpFixture> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const received: ReceivedMessage[] = [];
  const log: FixtureLog = { aborted: [], subscriptions: [], peers: new Set() };
  const requestsOn = new WeakMap<Socket, number>();

  const server = createServer((req, res) => {
    const earlier = requestsOn.get(req.socket) ?? 0;
    requestsOn.set(req.socket, earlier + 1);
    if (fixture.hangUp !== undefined && (fixture.hangUp === 'reused') === earlier > 0) {
      fixture.hangUp = undefined;
      // Read first: closing on unread data would send a reset rather than a plain close.
      req.resume();
      req.on('end', () => req.socket.end());
      return;
    }
    void (async () => {
      if (fixture.failWith !== undefined) {
        res.writeHead(fixture.failWith, { 'content-type': 'application/json' }).end('{"error":"nope"}');
        return;
      }
      if (req.method === 'GET' && req.headers['last-event-id'] !== undefined) fixture.resumes++;
      else if (req.method === 'GET') fixture.streams++;
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      for (const message of Array.isArray(body) ? body : body === undefined ? [] : [body]) {
        received.push({ message: message as Record<string, unknown>, headers: req.headers });
      }
      const sessionId = req.headers['mcp-session-id'];
      const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (existing !== undefined) {
        await existing.handleRequest(req, res, body);
        return;
      }
      if (sessionId !== undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }),
        );
        return;
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.jsonResponse ?? false,
        ...(options.resumable === true ? { eventStore: new MemoryEventStore(), retryInterval: 10 } : {}),
        onsessioninitialized: (id) => void sessions.set(id, transport),
      });
      await createFixtureServer(log).connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const fixture: HttpFixture = {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    log,
    received,
    resumes: 0,
    streams: 0,
    failWith: undefined,
    hangUp: undefined,
    connections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    async forgetSessions() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((transport) => transport.close()));
    },
    async close() {
      await fixture.forgetSessions();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fixture;
}
