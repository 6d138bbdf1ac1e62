import { createSsrfGuard } from '@toolgate/net/ssrf-guard';
import {
  createUpstreamPool,
  UpstreamError,
  type UpstreamPool,
  type UpstreamTarget,
} from '@toolgate/mcp/upstream';
import { z } from 'zod';

const MAX_PAGES = 100;

const ZJsonObject = z.record(z.string(), z.unknown());

/** A tool as tools/list announces it; only what Toolgate stores is checked. */
const ZUpstreamTool = z.object({
  name: z.string().min(1).max(200),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: ZJsonObject,
  outputSchema: ZJsonObject.optional(),
  annotations: ZJsonObject.optional(),
});
export type UpstreamTool = z.infer<typeof ZUpstreamTool>;

export interface UpstreamListing {
  tools: UpstreamTool[];
  hasResources: boolean;
}

export interface ListUpstreamOptions {
  /** Private and loopback addresses are refused unless the operator allows them. */
  allowPrivate: boolean;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
}

/** A pool for one control-plane exchange with an upstream, guarded against SSRF; close it after. */
export function oneOffPool(clientName: string, options: ListUpstreamOptions): UpstreamPool {
  const guard = createSsrfGuard({ allowPrivate: options.allowPrivate });
  return createUpstreamPool({
    clientInfo: { name: clientName, version: '0.1.0' },
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
    maxConcurrency: 1,
    checkUrl: guard,
    lookup: guard.lookup,
  });
}

/**
 * Connects to an upstream through a short-lived pool guarded against SSRF and lists what it
 * offers: every page of tools/list, and (when the server declares resources) whether
 * resources/list returns any. Throws UpstreamError; nothing here touches the database.
 */
export async function listUpstream(
  target: UpstreamTarget,
  options: ListUpstreamOptions,
): Promise<UpstreamListing> {
  const pool = oneOffPool('toolgate-discovery', options);
  try {
    const info = await pool.serverInfo(target);
    const capabilities = (info.capabilities ?? {}) as Record<string, unknown>;
    const tools = capabilities.tools ? await listTools(pool, target) : [];
    const hasResources = capabilities.resources ? await anyResources(pool, target) : false;
    return { tools, hasResources };
  } finally {
    await pool.close();
  }
}

async function listTools(pool: UpstreamPool, target: UpstreamTarget): Promise<UpstreamTool[]> {
  const byName = new Map<string, UpstreamTool>();
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await pool.request(target, 'tools/list', cursor === undefined ? {} : { cursor });
    const listed = z.array(z.unknown()).safeParse(result.tools);
    if (!listed.success) throw protocolError(target, 'tools/list answered without a tools array');
    listed.data.forEach((raw, i) => {
      const tool = ZUpstreamTool.safeParse(raw);
      if (!tool.success) {
        const issue = tool.error.issues[0];
        throw protocolError(
          target,
          `tools/list item ${i} is not a valid tool (${issue?.path.join('.') || 'item'}: ${issue?.message})`,
        );
      }
      // A server listing one name twice gets the first definition, as clients would.
      if (!byName.has(tool.data.name)) byName.set(tool.data.name, tool.data);
    });
    const next = result.nextCursor;
    if (typeof next !== 'string' || next === '') return [...byName.values()];
    if (seenCursors.has(next)) throw protocolError(target, 'tools/list repeated a cursor');
    seenCursors.add(next);
    cursor = next;
  }
  throw protocolError(target, `tools/list did not end within ${MAX_PAGES} pages`);
}

async function anyResources(pool: UpstreamPool, target: UpstreamTarget): Promise<boolean> {
  const result = await pool.request(target, 'resources/list', {});
  const resources = Array.isArray(result.resources) ? result.resources : [];
  return resources.length > 0 || (typeof result.nextCursor === 'string' && result.nextCursor !== '');
}

const protocolError = (target: UpstreamTarget, message: string) =>
  new UpstreamError('protocol', `upstream '${target.label}': ${message}`);
