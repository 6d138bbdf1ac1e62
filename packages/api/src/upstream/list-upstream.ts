import { createSsrfGuard } from '@toolgate/net/ssrf-guard';
import {
  createUpstreamPool,
  UpstreamError,
  type UpstreamPool,
  type UpstreamTarget,
} from '@toolgate/mcp/upstream';
import { routeToRunners, type RunnerAccess } from '@toolgate/mcp/runner-routing';
import { z } from 'zod';
import { serverIdentityOf, type ServerIdentity } from './server-identity.ts';

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
  _meta: ZJsonObject.optional(),
  /** MCP tasks (2025-11-25): `taskSupport` forbidden | optional | required. */
  execution: ZJsonObject.optional(),
});
export type UpstreamTool = z.infer<typeof ZUpstreamTool>;

/** A prompt as prompts/list announces it. */
const ZUpstreamPrompt = z.object({
  name: z.string().min(1).max(200),
  title: z.string().optional(),
  description: z.string().optional(),
  arguments: z
    .array(
      z.object({ name: z.string(), description: z.string().optional(), required: z.boolean().optional() }),
    )
    .optional(),
});
export type UpstreamPrompt = z.infer<typeof ZUpstreamPrompt>;

export interface UpstreamListing {
  tools: UpstreamTool[];
  /** prompts/list, when the server declares prompts; absent where nothing lists them. */
  prompts?: UpstreamPrompt[];
  hasResources: boolean;
  /** serverInfo of the initialize answer; null when it names no version (or nothing connected). */
  server?: ServerIdentity | null;
}

export interface ListUpstreamOptions {
  /** Private and loopback addresses are refused unless the operator allows them. */
  allowPrivate: boolean;
  /** Self-hosted (stdio) targets with a runner route go to their runner (else start locally). */
  runners?: RunnerAccess;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
}

/** A pool for one control-plane exchange with an upstream, guarded against SSRF; close it after. */
export function oneOffPool(clientName: string, options: ListUpstreamOptions): UpstreamPool {
  const guard = createSsrfGuard({ allowPrivate: options.allowPrivate });
  const base = {
    clientInfo: { name: clientName, version: '0.1.0' },
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
    maxConcurrency: 1,
  };
  const pool = createUpstreamPool({ ...base, checkUrl: guard, lookup: guard.lookup });
  if (!options.runners) return pool;
  // Runners are internal addresses of this deployment, announced on its bus: not user-supplied.
  const runnerPool = createUpstreamPool({ ...base, preferModern: false });
  return routeToRunners({
    pool,
    runnerPool,
    directory: options.runners.directory,
    runnerKey: options.runners.key,
  });
}

/**
 * Connects to an upstream through a short-lived pool guarded against SSRF and lists what it
 * offers: every page of tools/list and prompts/list, and (when the server declares resources) whether
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
    const tools = capabilities.tools ? await listAll(pool, target, 'tools', ZUpstreamTool) : [];
    const prompts = capabilities.prompts ? await listAll(pool, target, 'prompts', ZUpstreamPrompt) : [];
    const hasResources = capabilities.resources ? await anyResources(pool, target) : false;
    return { tools, prompts, hasResources, server: serverIdentityOf(info) };
  } finally {
    await pool.close();
  }
}

/** Every page of the upstream's tools/list, each tool checked (on the caller's pool). */
export const listUpstreamTools = (pool: UpstreamPool, target: UpstreamTarget): Promise<UpstreamTool[]> =>
  listAll(pool, target, 'tools', ZUpstreamTool);

/** Every page of tools/list or prompts/list, each item checked, first definition of a name kept. */
async function listAll<T extends { name: string }>(
  pool: UpstreamPool,
  target: UpstreamTarget,
  kind: 'tools' | 'prompts',
  schema: z.ZodType<T>,
): Promise<T[]> {
  const method = `${kind}/list`;
  const noun = kind === 'tools' ? 'tool' : 'prompt';
  const byName = new Map<string, T>();
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await pool.request(target, method, cursor === undefined ? {} : { cursor });
    const listed = z.array(z.unknown()).safeParse(result[kind]);
    if (!listed.success) throw protocolError(target, `${method} answered without a ${kind} array`);
    listed.data.forEach((raw, i) => {
      const item = schema.safeParse(raw);
      if (!item.success) {
        const issue = item.error.issues[0];
        throw protocolError(
          target,
          `${method} item ${i} is not a valid ${noun} (${issue?.path.join('.') || 'item'}: ${issue?.message})`,
        );
      }
      // A server listing one name twice gets the first definition, as clients would.
      if (!byName.has(item.data.name)) byName.set(item.data.name, item.data);
    });
    const next = result.nextCursor;
    if (typeof next !== 'string' || next === '') return [...byName.values()];
    if (seenCursors.has(next)) throw protocolError(target, `${method} repeated a cursor`);
    seenCursors.add(next);
    cursor = next;
  }
  throw protocolError(target, `${method} did not end within ${MAX_PAGES} pages`);
}

async function anyResources(pool: UpstreamPool, target: UpstreamTarget): Promise<boolean> {
  const result = await pool.request(target, 'resources/list', {});
  const resources = Array.isArray(result.resources) ? result.resources : [];
  return resources.length > 0 || (typeof result.nextCursor === 'string' && result.nextCursor !== '');
}

const protocolError = (target: UpstreamTarget, message: string) =>
  new UpstreamError('protocol', `upstream '${target.label}': ${message}`);
