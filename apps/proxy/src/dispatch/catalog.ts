import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
import type { SnapshotResourceServer } from '@toolgate/core/snapshot';
import { JsonRpcError, RPC } from '@toolgate/mcp/jsonrpc';
import { UpstreamError, type UpstreamPool, type UpstreamTarget } from '@toolgate/mcp/upstream';
import type { Principal } from '../mcp-call.ts';
import type { PreparedGateway } from '../config/snapshot-store.ts';
import {
  logUpstreamFailure,
  upstreamErrorToRpc,
  upstreamMeta,
  type FailedUpstreamRequest,
} from '../backend/upstream-errors.ts';
import { stdioRefusal } from '../backend/stdio-policy.ts';
import { resolveInstallation, type UpstreamTargets } from '../backend/upstream-target.ts';

type Result = Record<string, unknown>;
type Listed = Record<string, unknown>;

const MAX_PAGES = 50;
const LISTING_TTL_MS = 30_000;

export interface ResolvedServer {
  entryId: string;
  label: string;
  target: UpstreamTarget;
  /** Who serves it, as a failure is logged. */
  ids: Pick<FailedUpstreamRequest, 'tenantId' | 'gatewayId' | 'installationId'>;
}

/**
 * Prompts, resources, resource templates and completions of a gateway: listed live from the
 * upstreams that serve them for this caller, renamed like tools, routed back by name or URI.
 */
export class Catalog {
  /** Listings per (snapshot version, upstream target), so reads can route URIs without relisting. */
  private readonly listings = new TtlLru<string, Listed[]>(5_000, LISTING_TTL_MS);
  /** Bumped when an upstream says its lists changed, so its cached listings are not read again. */
  private readonly listingGenerations = new Map<string, number>();

  constructor(
    private readonly pool: UpstreamPool,
    private readonly targets: UpstreamTargets,
    /** Where failed upstream requests are logged, once each. */
    private readonly log?: Logger,
  ) {}

  capabilities(gateway: PreparedGateway): Result {
    const { listedPrompts: prompts, listedResourceServers: resourceServers } = gateway;
    return {
      // Relayed from the upstreams while a client listens (live-notifications.ts); subscribing
      // to a URI whose server cannot notify is refused with the reason.
      ...(prompts.length > 0 ? { prompts: { listChanged: true } } : {}),
      ...(resourceServers.length > 0 ? { resources: { listChanged: true, subscribe: true } } : {}),
      ...(prompts.length > 0 || resourceServers.length > 0 ? { completions: {} } : {}),
    };
  }

  /**
   * `subjectToken` (every method): the caller's own token, for servers reached with a credential
   * made from it (token exchange, ID-JAG); see Caller.subjectToken.
   */
  async listPrompts(gateway: PreparedGateway, principal: Principal, subjectToken?: string): Promise<Result> {
    const byEntry = new Map<string, Map<string, string>>();
    for (const p of gateway.listedPrompts) {
      const names = byEntry.get(p.entryId) ?? new Map<string, string>();
      names.set(p.upstreamName, p.name);
      byEntry.set(p.entryId, names);
    }
    const lists = await Promise.all(
      [...byEntry].map(async ([entryId, names]) => {
        const server = await this.resolve(
          gateway,
          { entryId, installationId: null },
          principal,
          subjectToken,
        );
        if (!server) return [];
        const prompts = await this.listAll(gateway, server, 'prompts/list', 'prompts');
        return prompts
          .filter((p) => names.has(String(p.name)))
          .map((p) => ({ ...p, name: names.get(String(p.name)) }));
      }),
    );
    return { prompts: lists.flat() };
  }

  async getPrompt(
    gateway: PreparedGateway,
    principal: Principal,
    params: Result,
    subjectToken?: string,
  ): Promise<Result> {
    const prompt = gateway.snapshot.prompts.find((p) => p.name === params.name);
    if (!prompt) throw new JsonRpcError(RPC.INVALID_PARAMS, `Unknown prompt: ${String(params.name)}`);
    const server = await this.resolveOrFail(gateway, prompt, principal, subjectToken);
    return this.forward(server, 'prompts/get', { ...params, name: prompt.upstreamName });
  }

  async listResources(
    gateway: PreparedGateway,
    principal: Principal,
    only?: SnapshotResourceServer[],
    subjectToken?: string,
  ): Promise<{ resources: Listed[] }> {
    const lists = await Promise.all(
      (await this.resourceServers(gateway, principal, only, subjectToken)).map((s) =>
        this.listAll(gateway, s, 'resources/list', 'resources'),
      ),
    );
    return { resources: lists.flat() };
  }

  async listResourceTemplates(
    gateway: PreparedGateway,
    principal: Principal,
    subjectToken?: string,
  ): Promise<Result> {
    const lists = await Promise.all(
      (await this.resourceServers(gateway, principal, undefined, subjectToken)).map((s) =>
        this.listAll(gateway, s, 'resources/templates/list', 'resourceTemplates'),
      ),
    );
    return { resourceTemplates: lists.flat() };
  }

  /** resources/read, subscribe and unsubscribe: sent to the server that owns the URI. */
  async forUri(
    gateway: PreparedGateway,
    principal: Principal,
    method: string,
    params: Result,
    only?: SnapshotResourceServer[],
    subjectToken?: string,
  ): Promise<Result> {
    const uri = params.uri;
    if (typeof uri !== 'string' || uri.length === 0)
      throw new JsonRpcError(RPC.INVALID_PARAMS, 'Invalid params: "uri" is required');
    const servers = await this.resourceServers(gateway, principal, only, subjectToken);
    const owner = await this.ownerOf(gateway, servers, uri);
    if (owner) return this.forward(owner, method, params);
    // Not in any listing or template: ask each server in turn; "not found" means try the next.
    for (const server of servers) {
      try {
        return await this.pool.request(server.target, method, params);
      } catch (err) {
        if (
          err instanceof UpstreamError &&
          err.kind === 'rpc' &&
          err.rpcError?.code === RPC.RESOURCE_NOT_FOUND
        )
          continue;
        throw this.failed(err, server, method);
      }
    }
    throw new JsonRpcError(RPC.RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
  }

  async complete(
    gateway: PreparedGateway,
    principal: Principal,
    params: Result,
    subjectToken?: string,
  ): Promise<Result> {
    const ref = params.ref as { type?: string; name?: string; uri?: string } | undefined;
    if (ref?.type === 'ref/prompt') {
      const prompt = gateway.snapshot.prompts.find((p) => p.name === ref.name);
      if (!prompt) throw new JsonRpcError(RPC.INVALID_PARAMS, `Unknown prompt: ${String(ref.name)}`);
      const server = await this.resolveOrFail(gateway, prompt, principal, subjectToken);
      return this.forward(server, 'completion/complete', {
        ...params,
        ref: { ...ref, name: prompt.upstreamName },
      });
    }
    if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') {
      const servers = await this.resourceServers(gateway, principal, undefined, subjectToken);
      const owner = await this.ownerOf(gateway, servers, ref.uri);
      if (!owner) throw new JsonRpcError(RPC.INVALID_PARAMS, `Unknown resource template: ${ref.uri}`);
      return this.forward(owner, 'completion/complete', params);
    }
    throw new JsonRpcError(RPC.INVALID_PARAMS, 'Invalid params: "ref" must be a ref/prompt or ref/resource');
  }

  /** Every upstream behind the gateway for this caller (tools, prompts, resources), once each. */
  servers(gateway: PreparedGateway, principal: Principal): ResolvedServer[] {
    const byKey = new Map<string, ResolvedServer>();
    const items: SnapshotResourceServer[] = [
      ...gateway.snapshot.tools,
      ...gateway.listedPrompts,
      ...gateway.listedResourceServers,
    ];
    for (const item of items) {
      const upstream = gateway.upstreams.get(item.entryId);
      // Built-in servers have no upstream; the others named here need a credential made for each
      // request's caller, which a watch (outside any request) does not have.
      if (
        gateway.refusedEntries.has(item.entryId) ||
        upstream?.transport === 'builtin' ||
        upstream?.authKind === 'oauth_passthrough' ||
        upstream?.authKind === 'jwt' ||
        upstream?.authKind === 'token_exchange' ||
        upstream?.authKind === 'id_jag'
      )
        continue;
      const server = this.resolveNow(gateway, item, principal);
      if (server && !byKey.has(server.target.key)) byKey.set(server.target.key, server);
    }
    return [...byKey.values()];
  }

  /** The server that owns a resource URI for this caller (listed, or matching a template). */
  async resourceOwner(
    gateway: PreparedGateway,
    principal: Principal,
    uri: string,
    subjectToken?: string,
  ): Promise<ResolvedServer> {
    const servers = await this.resourceServers(gateway, principal, undefined, subjectToken);
    const owner = await this.ownerOf(gateway, servers, uri);
    if (!owner) throw new JsonRpcError(RPC.RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
    return owner;
  }

  /** Refuses, with the reason, a subscription to a server that cannot notify about its resources. */
  async requireSubscribable(server: ResolvedServer, uri: string): Promise<void> {
    let capabilities: { resources?: { subscribe?: boolean } } | undefined;
    try {
      capabilities = (await this.pool.serverInfo(server.target)).capabilities as typeof capabilities;
    } catch (err) {
      throw this.failed(err, server, 'resources/subscribe');
    }
    if (capabilities?.resources?.subscribe !== true)
      throw new JsonRpcError(
        RPC.INVALID_PARAMS,
        `${server.label} does not notify about changes to its resources, so ${uri} cannot be subscribed to`,
      );
  }

  /** The upstream behind `key` said its lists changed: its listings are read afresh. */
  forget(key: string): void {
    this.listingGenerations.set(key, (this.listingGenerations.get(key) ?? 0) + 1);
  }

  private async resourceServers(
    gateway: PreparedGateway,
    principal: Principal,
    only: SnapshotResourceServer[] | undefined,
    subjectToken: string | undefined,
  ): Promise<ResolvedServer[]> {
    const servers = await Promise.all(
      (only ?? gateway.listedResourceServers).map((s) => this.resolve(gateway, s, principal, subjectToken)),
    );
    return servers.filter((s): s is ResolvedServer => s !== undefined);
  }

  private async ownerOf(
    gateway: PreparedGateway,
    servers: ResolvedServer[],
    uri: string,
  ): Promise<ResolvedServer | undefined> {
    if (servers.length === 1) return servers[0];
    for (const server of servers) {
      const resources = await this.listAll(gateway, server, 'resources/list', 'resources');
      if (resources.some((r) => r.uri === uri)) return server;
    }
    for (const server of servers) {
      const templates = await this.listAll(gateway, server, 'resources/templates/list', 'resourceTemplates');
      if (templates.some((t) => typeof t.uriTemplate === 'string' && templateMatches(t.uriTemplate, uri)))
        return server;
    }
    return undefined;
  }

  /** The installation and upstream that serve `item` for this caller, if any. */
  private serving(gateway: PreparedGateway, item: SnapshotResourceServer, principal: Principal) {
    const installation = resolveInstallation(gateway, item, principal);
    const upstream = gateway.upstreams.get(item.entryId);
    if (!installation || !upstream) return undefined;
    // Lists leave refused (stdio) servers out, so only a call by name or a pinned server gets here.
    if (gateway.refusedEntries.has(item.entryId))
      throw new JsonRpcError(...spread(upstreamErrorToRpc(stdioRefusal(), upstream.name)));
    const ids = {
      tenantId: gateway.snapshot.tenant.id,
      gatewayId: gateway.snapshot.gateway.id,
      installationId: installation.id,
    };
    return { installation, upstream, ids };
  }

  /**
   * For a request: the caller's target, with the credential made for them where the server needs
   * one (a Forwarded JWT, waiting for the signing key once; a token exchanged at their IdP). A
   * credential that cannot be had is the caller's error, told as the server's.
   */
  private async resolve(
    gateway: PreparedGateway,
    item: SnapshotResourceServer,
    principal: Principal,
    subjectToken: string | undefined,
  ): Promise<ResolvedServer | undefined> {
    const found = this.serving(gateway, item, principal);
    if (!found) return undefined;
    const { installation, upstream, ids } = found;
    try {
      const target = await this.targets.forCaller(upstream, installation, principal, subjectToken);
      return { entryId: item.entryId, label: upstream.name, target, ids };
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      throw new JsonRpcError(...spread(upstreamErrorToRpc(err, upstream.name)));
    }
  }

  /** Outside a request (watches): only servers whose credential is not made per caller. */
  private resolveNow(
    gateway: PreparedGateway,
    item: SnapshotResourceServer,
    principal: Principal,
  ): ResolvedServer | undefined {
    const found = this.serving(gateway, item, principal);
    if (!found) return undefined;
    const { installation, upstream, ids } = found;
    const target = this.targets.forInstallation(upstream, installation, principal);
    return { entryId: item.entryId, label: upstream.name, target, ids };
  }

  private async resolveOrFail(
    gateway: PreparedGateway,
    item: SnapshotResourceServer,
    principal: Principal,
    subjectToken: string | undefined,
  ): Promise<ResolvedServer> {
    const server = await this.resolve(gateway, item, principal, subjectToken);
    if (!server) {
      const name = gateway.upstreams.get(item.entryId)?.name ?? 'this server';
      throw new JsonRpcError(
        RPC.INVALID_PARAMS,
        `You have no connection to ${name} yet: connect your own account in Toolgate`,
      );
    }
    return server;
  }

  private async forward(server: ResolvedServer, method: string, params: Result): Promise<Result> {
    const { _meta, ...rest } = params;
    const meta = upstreamMeta(_meta);
    try {
      return await this.pool.request(server.target, method, meta ? { ...rest, _meta: meta } : rest);
    } catch (err) {
      throw this.failed(err, server, method);
    }
  }

  /** A failed upstream request: logged once, here, and turned into the client's error. */
  private failed(err: unknown, server: ResolvedServer, method: string): JsonRpcError {
    if (this.log) logUpstreamFailure(this.log, err, { target: server.target, method, ...server.ids });
    return new JsonRpcError(...spread(upstreamErrorToRpc(err, server.label)));
  }

  private async listAll(
    gateway: PreparedGateway,
    server: ResolvedServer,
    method: string,
    field: string,
  ): Promise<Listed[]> {
    const generation = this.listingGenerations.get(server.target.key) ?? 0;
    const key = `${gateway.snapshot.version}\u0000${server.target.key}\u0000${generation}\u0000${method}`;
    const cached = this.listings.get(key);
    if (cached) return cached;
    const items: Listed[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.forward(server, method, cursor ? { cursor } : {});
      const list = result[field];
      if (Array.isArray(list)) items.push(...(list as Listed[]));
      cursor = typeof result.nextCursor === 'string' && result.nextCursor ? result.nextCursor : undefined;
      if (!cursor) break;
    }
    this.listings.set(key, items);
    return items;
  }
}

const spread = (e: { code: number; message: string; data?: unknown }) => [e.code, e.message, e.data] as const;

/** RFC 6570 level-1 match: each `{var}` stands for one or more characters other than '/'. */
export function templateMatches(template: string, uri: string): boolean {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) =>
      part.startsWith('{')
        ? part.startsWith('{+')
          ? '.+'
          : '[^/]+'
        : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${pattern}$`).test(uri);
}
