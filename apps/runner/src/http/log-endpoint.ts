import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHosts } from '../lifecycle/server-hosts.ts';
import type { ServerVariant } from '../registry/load-installation.ts';
import { sendAppError, sendError } from './http-errors.ts';

/**
 * `GET /tenants/{t}/servers/{i}/log[?variant=canary]`: the (stable or canary) server's recent log as JSON lines
 * (`{"time","stream":"stderr"|"runner","line"}`), secrets redacted; empty while it never ran here.
 * The installation is checked against the tenant like the MCP endpoint (404 for another tenant's).
 */
export async function serveLog(
  deps: { hosts: ServerHosts },
  req: IncomingMessage,
  res: ServerResponse,
  tenantId: string,
  installationId: string,
  variant: ServerVariant,
): Promise<void> {
  if (req.method !== 'GET') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET' });
  let host;
  try {
    host = await deps.hosts.get(tenantId, installationId, variant);
  } catch (error) {
    if (sendAppError(res, error)) return;
    throw error;
  }
  const lines = host.log.entries().map((entry) => JSON.stringify(entry));
  res.writeHead(200, {
    'content-type': 'application/x-ndjson',
    'cache-control': 'no-store',
    'x-server-state': host.state,
  });
  res.end(lines.length > 0 ? `${lines.join('\n')}\n` : '');
}
