import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '@toolgate/core/logger';
import { openProxySession } from '../bridge/proxy-session.ts';
import type { ProxySessions } from '../bridge/proxy-sessions.ts';
import { SERVER_UNAVAILABLE } from '../lifecycle/server-errors.ts';
import type { ServerHosts } from '../lifecycle/server-hosts.ts';
import type { ServerVariant } from '../registry/load-installation.ts';
import { sendAppError, sendError, sendRpcError } from './http-errors.ts';
import { readJsonBody } from './read-body.ts';

export interface McpEndpointDeps {
  hosts: ServerHosts;
  sessions: ProxySessions;
  log: Logger;
  maxBodyBytes: number;
}

const requestId = (body: unknown): string | number | null => {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
};

/**
 * `/tenants/{t}/servers/{i}/mcp[?variant=canary]`, Streamable HTTP (2025-11-25): POST without a
 * session must be `initialize` and opens one (the server is started for it, and its failure to
 * start is the JSON-RPC error answered); every other request names its session in
 * `mcp-session-id`, which must have been opened for this tenant's installation and this variant
 * (else 404, as for an unknown one): a stable session is not usable on the canary, nor the reverse.
 */
export async function serveMcp(
  deps: McpEndpointDeps,
  req: IncomingMessage,
  res: ServerResponse,
  tenantId: string,
  installationId: string,
  variant: ServerVariant,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'POST' && method !== 'GET' && method !== 'DELETE')
    return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use POST, GET or DELETE', {
      allow: 'POST, GET, DELETE',
    });
  let body: unknown;
  if (method === 'POST') {
    const read = await readJsonBody(req, deps.maxBodyBytes);
    if (!read.ok)
      return sendRpcError(res, null, read.status === 413 ? -32600 : -32700, read.message, read.status);
    body = read.value;
  }
  const sessionHeader = req.headers['mcp-session-id'];
  if (typeof sessionHeader === 'string' && sessionHeader !== '') {
    const session = deps.sessions.find(sessionHeader, tenantId, installationId, variant);
    if (!session) return sendRpcError(res, requestId(body), -32001, 'Session not found', 404);
    return session.handle(req, res, body);
  }
  if (method !== 'POST' || !isInitializeRequest(body))
    return sendRpcError(
      res,
      requestId(body),
      -32000,
      'Bad Request: no mcp-session-id; start with initialize',
      400,
    );

  let host;
  try {
    host = await deps.hosts.get(tenantId, installationId, variant);
  } catch (error) {
    if (sendAppError(res, error)) return;
    throw error;
  }
  let identity;
  try {
    identity = await host.identity();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return sendRpcError(res, requestId(body), SERVER_UNAVAILABLE, message);
  }
  const session = await openProxySession({
    tenantId,
    installationId,
    variant,
    host,
    identity,
    onOpen: (opened) => deps.sessions.add(opened),
    onClose: (closed) => deps.sessions.remove(closed),
  });
  host.onNotification ??= (notification) =>
    deps.sessions.broadcast(tenantId, installationId, variant, notification);
  await session.handle(req, res, body);
}
