import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { type JSONRPCRequest, type Notification, ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ServerHost, ServerIdentity } from '../lifecycle/server-host.ts';
import type { ServerVariant } from '../registry/load-installation.ts';

export interface ProxySession {
  readonly id: string;
  readonly tenantId: string;
  readonly installationId: string;
  /** The server it was opened on: usable only there. */
  readonly variant: ServerVariant;
  lastActivity: number;
  handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void>;
  /** A server notification outside any call: to this session's GET stream, if it has one open. */
  deliver(notification: Notification): void;
  close(): Promise<void>;
}

export interface ProxySessionOptions {
  tenantId: string;
  installationId: string;
  variant: ServerVariant;
  host: ServerHost;
  identity: ServerIdentity;
  onOpen(session: ProxySession): void;
  onClose(session: ProxySession): void;
}

/**
 * One proxy's MCP session with one server. The runner answers `initialize` itself, from the
 * server's own initialize result (the SDK server negotiates the version with the proxy), and
 * forwards everything else to the shared child through its ServerHost: the SDK client there gives
 * each forwarded request an id of its own and maps cancellation and progress back to this session.
 * Server→client requests made during one of this session's calls come back on that call's stream.
 */
export async function openProxySession(options: ProxySessionOptions): Promise<ProxySession> {
  const { host, identity } = options;
  const server = new Server(identity.serverInfo, {
    capabilities: identity.capabilities,
    ...(identity.instructions === undefined ? {} : { instructions: identity.instructions }),
  });
  // The SDK server answers logging/setLevel itself when logging is declared: the child decides.
  server.removeRequestHandler('logging/setLevel');
  let id = '';
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (sessionId) => {
      id = sessionId;
      options.onOpen(session);
    },
    onsessionclosed: () => options.onClose(session),
  });
  transport.onclose = () => options.onClose(session);

  server.fallbackRequestHandler = async (request: JSONRPCRequest, extra) => {
    session.lastActivity = Date.now();
    const params = request.params;
    const token = params?._meta?.progressToken;
    const forwarded: RequestOptions = { signal: extra.signal };
    // Progress goes out in order and before the result: a client drops progress after the result.
    let progressSent = Promise.resolve();
    if (typeof token === 'string' || typeof token === 'number') {
      forwarded.onprogress = (progress) => {
        progressSent = progressSent
          .then(() =>
            extra.sendNotification({
              method: 'notifications/progress',
              params: { ...progress, progressToken: token },
            }),
          )
          .catch(() => {});
      };
    }
    try {
      return await host.forward(
        { method: request.method, ...(params ? { params } : {}) },
        {
          sessionId: id,
          sendRequest: (serverRequest, signal) =>
            extra.sendRequest(serverRequest, ResultSchema, { signal, timeout: 600_000 }),
        },
        forwarded,
      );
    } finally {
      await progressSent;
    }
  };
  server.fallbackNotificationHandler = async (notification) => {
    session.lastActivity = Date.now();
    host.notify(notification);
  };

  const session: ProxySession = {
    get id() {
      return id;
    },
    tenantId: options.tenantId,
    installationId: options.installationId,
    variant: options.variant,
    lastActivity: Date.now(),
    async handle(req, res, body) {
      session.lastActivity = Date.now();
      await transport.handleRequest(req, res, body);
    },
    deliver(notification) {
      // Capabilities mirror the child's, so the SDK's checks pass for what the child may send.
      void server.notification(notification as never).catch(() => {});
    },
    async close() {
      await server.close().catch(() => {});
    },
  };
  await server.connect(transport);
  return session;
}
