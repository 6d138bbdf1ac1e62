import { AppError } from '@toolgate/core/errors';
import type { installations } from '@toolgate/db/schema';
import { UpstreamError, type UpstreamTarget } from '@toolgate/mcp/upstream';
import { listUpstreamTools, oneOffPool, type UpstreamTool } from './list-upstream.ts';
import { serverIdentityOf, type ServerIdentity } from './server-identity.ts';

export type InstallationHealth = (typeof installations.$inferSelect)['status'];

export interface HealthVerdict {
  status: Exclude<InstallationHealth, 'pending'>;
  /** Why it is not ready, for the servers page (null when ready). */
  error: string | null;
}

/**
 * What a failed discovery or health check says about an installation: no answer at all is
 * `unreachable`, an upstream refusing the credential (HTTP 401/403) is `auth_failed`, anything
 * else (bad MCP, an error answer, a refused address) is `error`.
 */
export function healthOfFailure(err: unknown): HealthVerdict {
  const message = (
    err instanceof UpstreamError || err instanceof AppError
      ? err.message
      : `failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`
  ).slice(0, 1_000);
  if (err instanceof UpstreamError) {
    if (err.httpStatus === 401 || err.httpStatus === 403) return { status: 'auth_failed', error: message };
    if (err.kind === 'connect' || err.kind === 'timeout' || err.kind === 'closed')
      return { status: 'unreachable', error: message };
  }
  return { status: 'error', error: message };
}

export interface ProbeOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
  /**
   * Asked once the server has answered `initialize`, with what it said it is: whether to read its
   * tools/list as well, on the same session (a new version's tool definitions are re-checked).
   */
  relistToolsIf?: (server: ServerIdentity | null) => boolean;
}

export interface ProbeResult extends HealthVerdict {
  /** serverInfo of the handshake; null when it failed or named no version. */
  server: ServerIdentity | null;
  /** tools/list, when `relistToolsIf` asked for it. */
  tools?: UpstreamTool[];
}

/**
 * One health check: an MCP handshake and a `ping` through a short-lived pool guarded against
 * SSRF. A server that answers the ping with a JSON-RPC error (some do not implement it) is up.
 * A failed tools/list (when asked for) fails the check, and what the server said it is is not
 * reported, so the next check asks again.
 */
export async function probeUpstream(target: UpstreamTarget, options: ProbeOptions): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pool = oneOffPool('toolgate-health', {
    allowPrivate: options.allowPrivate,
    connectTimeoutMs: timeoutMs,
    callTimeoutMs: timeoutMs,
  });
  try {
    const server = serverIdentityOf(await pool.serverInfo(target));
    await pool.request(target, 'ping', {}).catch((err: unknown) => {
      if (!(err instanceof UpstreamError && err.kind === 'rpc')) throw err;
    });
    const tools = options.relistToolsIf?.(server) ? await listUpstreamTools(pool, target) : undefined;
    return { status: 'ready', error: null, server, ...(tools ? { tools } : {}) };
  } catch (err) {
    return { ...healthOfFailure(err), server: null };
  } finally {
    await pool.close();
  }
}
