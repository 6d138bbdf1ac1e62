import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { issuerFrom } from '@toolgate/auth/constants';
import { signAccessToken } from '@toolgate/auth/signing-keys';
import type { Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { gatewayTeams } from '@toolgate/db/schema';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTeam,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
// The proxy package exports only its entry points; its test harness is reached by path.
import {
  connectClient,
  createHarness,
  discoverAndSeedTools,
  rpc,
  type Harness,
  type RunningProxy,
} from '@toolgate/proxy/testing/harness';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedOrg, type SeededOrg } from '../testing/api-test-env.ts';
import { addTeamMember } from './add-team-member.ts';
import { removeTeamMember } from './remove-team-member.ts';

/*
 * Team membership through real proxies: a member added to a team reaches the team's gateway with
 * a personal API token and with a Toolgate OAuth access token, on every replica; taken out of the
 * team, both are refused on every replica within a second — open sessions included.
 */

const PUBLIC_MCP_URL = 'http://localhost:4000';
const PUBLIC_WEB_URL = 'http://localhost:3000/';
const REFUSED_WITHIN_MS = 1_000;
const signingRing = parseKeyRing(generateKeySpec('team-test'));

let h: Harness;
let everything: RunningEverythingServer;
let replicas: RunningProxy[];
let bus: Bus;
let org: SeededOrg;
const w = {} as {
  team: { id: string };
  gateway: { id: string; slug: string };
  toolName: string;
};
const clients: Client[] = [];

beforeAll(async () => {
  [h, everything] = await Promise.all([
    createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') }),
    startEverythingServer('streamableHttp'),
  ]);
  const env = { PUBLIC_MCP_URL, PUBLIC_WEB_URL };
  replicas = await Promise.all([h.startProxy(env), h.startProxy(env)]);
  // The control plane's own connection to the bus, as the web app has.
  bus = h.newBus();
  org = await seedOrg(h.db);
  const db = h.db.db;
  const tenantId = org.tenant.id;
  const entry = await seedRegistryEntry(db, tenantId, { slug: 'everything', url: everything.url });
  const installation = await seedInstallation(db, tenantId, entry.id);
  await discoverAndSeedTools(h.db, tenantId, installation.id, { url: everything.url });
  const team = await seedTeam(db, tenantId);
  const gateway = await seedGateway(db, tenantId, {
    visibility: 'teams',
    clientAuthMethods: ['api_token', 'oauth'],
  });
  await db.insert(gatewayTeams).values({ tenantId, gatewayId: gateway.id, teamId: team.id });
  await seedAssignments(db, tenantId, gateway.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);
  Object.assign(w, { team, gateway, toolName: 'everything__echo' });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await bus?.close();
  await h?.close();
  await everything?.close();
});

const gatewayUrl = (proxy: RunningProxy) => `${proxy.url}/mcp/${org.tenant.slug}/${w.gateway.slug}`;
const admin = () => ({ db: h.db.db, bus, tenantId: org.tenant.id, actor: org.actors.admin });

/** An access token as the authorization server mints it for this user and the team gateway. */
async function oauthToken(userId: string): Promise<string> {
  const { token } = await signAccessToken(h.db.db, signingRing, {
    iss: issuerFrom(PUBLIC_WEB_URL),
    sub: userId,
    aud: `${PUBLIC_MCP_URL}/mcp/${org.tenant.slug}/${w.gateway.slug}`,
    jti: randomUUID(),
    client_id: 'team-test-client',
    scope: 'mcp:tools mcp:read',
    tid: org.tenant.id,
    gid: w.gateway.id,
    grant: randomUUID(),
  });
  return token;
}

/** The HTTP status of an `initialize` with this bearer token on this replica. */
async function initializeStatus(proxy: RunningProxy, token: string): Promise<number> {
  const answer = await rpc(
    gatewayUrl(proxy),
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    { authorization: `Bearer ${token}` },
  );
  return answer.status;
}

async function echo(client: Client, message: string) {
  const result = await client.callTool({ name: w.toolName, arguments: { message } });
  expect(result.content).toEqual([{ type: 'text', text: `Echo: ${message}` }]);
}

describe('team membership through real proxies', () => {
  it('admits a member added to the team on every replica, and refuses them within 1 s of removal', async () => {
    const user = org.otherMember;
    const personal = (
      await seedApiToken(h.db.db, org.tenant.id, { scope: 'user', userId: user.id, capabilities: ['mcp'] })
    ).token;
    const oauth = await oauthToken(user.id);
    const credentials = { 'personal API token': personal, 'OAuth access token': oauth };

    // Not in the team: the gateway is not theirs (and each replica now has them cached so).
    for (const proxy of replicas)
      for (const [kind, token] of Object.entries(credentials))
        expect(await initializeStatus(proxy, token), `${kind} before joining`).toBe(403);

    await addTeamMember({ ...admin(), teamId: w.team.id, input: { userId: user.id } });

    // In the team: every replica, both credentials, at once (the cached "no teams" is dropped).
    const sessions: { label: string; client: Client }[] = [];
    for (const [i, proxy] of replicas.entries()) {
      for (const [kind, token] of Object.entries(credentials)) {
        const label = `${kind} on replica ${i + 1}`;
        await eventually(async () => expect(await initializeStatus(proxy, token), label).toBe(200), 1_000);
        const { client } = await connectClient(gatewayUrl(proxy), token);
        clients.push(client);
        await echo(client, label);
        sessions.push({ label, client });
      }
    }

    await removeTeamMember({ ...admin(), teamId: w.team.id, input: { userId: user.id } });
    const removedAt = Date.now();

    // Out of the team: open sessions and new ones alike, on every replica, within the second.
    await eventually(async () => {
      for (const { label, client } of sessions)
        await expect(
          client.callTool({ name: w.toolName, arguments: { message: 'after removal' } }),
          label,
        ).rejects.toThrow(/403|access/i);
      for (const proxy of replicas)
        for (const [kind, token] of Object.entries(credentials))
          expect(await initializeStatus(proxy, token), `${kind} after removal`).toBe(403);
    }, REFUSED_WITHIN_MS);
    expect(Date.now() - removedAt).toBeLessThan(REFUSED_WITHIN_MS + 500);

    // Still a member of the workspace, and the org token of an admin still reaches the gateway.
    const orgToken = (await seedApiToken(h.db.db, org.tenant.id, { capabilities: ['mcp'] })).token;
    for (const proxy of replicas) expect(await initializeStatus(proxy, orgToken)).toBe(200);
  });
});
