import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { completeConnection, startConnection } from '@toolgate/api/services/connections';
import type { Logger } from '@toolgate/core/logger';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedMember,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { authorizeHeadless, startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { expect } from 'vitest';
import { createHarness, rpc, type Harness, type RunningProxy } from './harness.ts';

/**
 * Connected accounts against a real OpenID provider (oidc-provider) fronting an MCP server that
 * accepts only its tokens: one tenant whose gateway exposes the server's `whoami` as
 * `notes__whoami`, members with user API tokens, a proxy, and the steps a user takes to connect
 * (start, consent at the provider, callback) and a caller takes to call.
 */

/** Where the web app would be: the callback and the "connect your account" links point there. */
export const PUBLIC_WEB_URL = 'http://127.0.0.1:3999';

type StartConnectionInput = Parameters<typeof startConnection>[0]['input'];

/** A tool call's JSON-RPC answer, as a raw HTTP client reads it. */
export interface CallAnswer {
  result?: { content: { text: string }[]; isError?: boolean };
  error?: { code: number; message: string; data?: unknown };
}

export const works = (answer: { result?: { isError?: boolean } }) =>
  answer.result !== undefined && answer.result.isError !== true;

/** The `sub` the upstream's `whoami` saw. */
export const subjectOf = (answer: CallAnswer) =>
  (JSON.parse(answer.result!.content[0]!.text) as { sub: string }).sub;

export async function startConnectedAccounts<Name extends string>(options: {
  postgresUrl: string;
  redisUrl: string;
  users: readonly Name[];
  log?: Logger;
}) {
  const h: Harness = await createHarness(options);
  const upstream: OAuthUpstream = await startOAuthUpstream();
  const tenant = await seedTenant(h.db.db);
  const entry = await seedRegistryEntry(h.db.db, tenant.id, {
    slug: 'notes',
    name: 'Notes',
    url: upstream.mcpUrl,
    authKind: 'oauth',
  });
  const gateway = await seedGateway(h.db.db, tenant.id);
  await seedAssignments(h.db.db, tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'whoami' }]);
  const users = {} as Record<Name, { id: string; token: string }>;
  for (const name of options.users) {
    const user = await seedMember(h.db.db, tenant.id);
    const { token } = await seedApiToken(h.db.db, tenant.id, { scope: 'user', userId: user.id });
    users[name] = { id: user.id, token };
  }
  const path = `/mcp/${tenant.slug}/${gateway.slug}`;
  const proxy: RunningProxy = await h.startProxy({ PUBLIC_WEB_URL }, options.log ? { log: options.log } : {});

  const services = () => ({ db: h.db.db, bus: proxy.bus, keys: h.secretKeys, allowPrivate: true });
  const actor = (name: Name) => ({ userId: users[name].id, role: 'member' as const });

  /**
   * The user connects their account: Toolgate's start, consent at the provider as `username`
   * (default: the user's name), the callback. `input` reconnects an installation, say.
   */
  async function connect(
    name: Name,
    { username = name, input = {} }: { username?: string; input?: Partial<StartConnectionInput> } = {},
  ) {
    const { authorizationUrl } = await startConnection({
      ...services(),
      tenantId: tenant.id,
      actor: actor(name),
      input: { registryEntryId: entry.id, scope: 'personal', ...input },
      publicWebUrl: PUBLIC_WEB_URL,
    });
    const back = await authorizeHeadless(authorizationUrl, { username });
    expect(back.href.startsWith(`${PUBLIC_WEB_URL}/oauth/upstream/callback?`)).toBe(true);
    const params = Object.fromEntries(back.searchParams);
    return { params, done: await completeConnection({ ...services(), userId: users[name].id, params }) };
  }

  /** An initialized raw HTTP session for the user; the returned function calls `notes__whoami` in it. */
  async function session(name: Name, capabilities: Record<string, unknown> = {}) {
    const auth = { authorization: `Bearer ${users[name].token}` };
    const init = await rpc(
      `${proxy.url}${path}`,
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 't', version: '1' } },
      },
      auth,
    );
    const headers = {
      ...auth,
      'mcp-session-id': init.headers.get('mcp-session-id')!,
      'mcp-protocol-version': '2025-11-25',
    };
    return async () =>
      (
        await rpc(
          `${proxy.url}${path}`,
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes__whoami', arguments: {} } },
          headers,
        )
      ).json as CallAnswer;
  }

  /** The official SDK client, as an MCP client would call the gateway, in one session until closed. */
  async function sdkClient(name: Name, capabilities: ClientCapabilities = {}) {
    const client = new Client({ name: 'connected-accounts-test', version: '1.0.0' }, { capabilities });
    const transport = new StreamableHTTPClientTransport(new URL(`${proxy.url}${path}`), {
      requestInit: { headers: { authorization: `Bearer ${users[name].token}` } },
    });
    await client.connect(transport);
    return { client, transport };
  }

  return {
    h,
    upstream,
    proxy,
    tenant,
    entryId: entry.id,
    /** The gateway's path on the proxy. */
    path,
    /** The gateway's URL, for MCP clients. */
    gatewayUrl: `${proxy.url}${path}`,
    users,
    services,
    actor,
    connect,
    session,
    sdkClient,
    async close() {
      await h.close();
      await upstream.close();
    },
  };
}

export type ConnectedAccounts<Name extends string> = Awaited<ReturnType<typeof startConnectedAccounts<Name>>>;
