import { generateApiToken } from '@toolgate/core/api-token';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import type { RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { expect } from 'vitest';
import {
  discoverAndSeedTools,
  initializeSession,
  rpc,
  type Harness,
  type RunningProxy,
} from '../testing/harness.ts';
import type { FuzzWorld } from './mcp-fuzz-world.ts';
import { readSse, type SseMessages } from './sse-messages.ts';

/** A legacy HTTP+SSE stream held open: its session id and the messages it carries. */
export interface LegacyStream {
  sessionId: string;
  messages: SseMessages;
}

export async function openLegacyStream(url: string, token: string): Promise<LegacyStream> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const messages = readSse(res, controller);
  const endpoint = await messages.event('endpoint', 5_000);
  expect(endpoint).toBeDefined();
  return { sessionId: new URL(endpoint!, 'http://x').searchParams.get('sessionId')!, messages };
}

/**
 * One tenant whose gateway `fuzz` exposes everything-server tools (one that asks the client for
 * sampling), prompts and resources and takes every client auth method (so forged JWTs reach
 * verification); a second gateway, a second tenant, tokens good and bad; sessions of the
 * gateway, of others and ended ones, on both transports; one proxy in front of it all.
 */
export async function setUpFuzzWorld(h: Harness, everything: RunningEverythingServer) {
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const otherTenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, { url: everything.url });
  // Offered only to clients that can sample, which discovery's client cannot; the gateway can.
  await seedTools(db.db, tenant.id, installation.id, [
    {
      name: 'trigger-sampling-request',
      inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
    },
  ]);
  const gateway = await seedGateway(db.db, tenant.id, {
    slug: 'fuzz',
    clientAuthMethods: ['api_token', 'oauth', 'idp_jwt'],
  });
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'echo' },
    { registryEntryId: entry.id, toolName: 'get-sum' },
    { registryEntryId: entry.id, toolName: 'trigger-sampling-request' },
    { registryEntryId: entry.id, kind: 'prompt', toolName: 'simple-prompt' },
    { registryEntryId: entry.id, kind: 'prompt', toolName: 'completable-prompt' },
    { registryEntryId: entry.id, kind: 'resources', toolName: '*' },
  ]);
  const other = await seedGateway(db.db, tenant.id, { slug: 'fuzz-other' });
  await seedAssignments(db.db, tenant.id, other.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);
  const token = (await seedApiToken(db.db, tenant.id)).token;
  const memberToken = (await seedApiToken(db.db, tenant.id)).token;
  const proxy: RunningProxy = await h.startProxy();
  const path = `/mcp/${tenant.slug}/fuzz`;
  const url = `${proxy.url}${path}`;
  const otherUrl = `${proxy.url}/mcp/${tenant.slug}/fuzz-other`;

  const { headers } = await initializeSession(url, { authorization: `Bearer ${token}` });
  await rpc(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  const list = async (method: string) => {
    const answer = await rpc(url, { jsonrpc: '2.0', id: method, method }, headers);
    expect(answer.json?.result, `${method}: ${answer.text}`).toBeDefined();
    return answer.json!.result as Record<string, { name?: string; uri?: string; uriTemplate?: string }[]>;
  };
  const tools = (await list('tools/list')).tools!.map((t) => t.name!);
  const prompts = (await list('prompts/list')).prompts!.map((p) => p.name!);
  const resources = (await list('resources/list')).resources!;
  const templates = (await list('resources/templates/list')).resourceTemplates!;
  const named = (all: string[], suffix: string) => all.find((n) => n.endsWith(suffix))!;

  const sessionOf = async (gatewayUrl: string, bearer: string, capabilities = '{}') => {
    const init = await rpc(
      gatewayUrl,
      `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":${capabilities},"clientInfo":{"name":"fuzz","version":"1"}}}`,
      { authorization: `Bearer ${bearer}` },
    );
    expect(init.status).toBe(200);
    return init.headers.get('mcp-session-id')!;
  };
  const deleted = await sessionOf(url, token);
  const ended = await fetch(url, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}`, 'mcp-session-id': deleted },
  });
  expect(ended.status).toBe(200);

  const legacy = await openLegacyStream(`${url}/sse`, token);
  const otherGatewayLegacy = await openLegacyStream(`${otherUrl}/sse`, token);
  const otherCallerLegacy = await openLegacyStream(`${url}/sse`, memberToken);
  const closedLegacy = await openLegacyStream(`${url}/sse`, token);
  closedLegacy.messages.close();
  await eventually(async () => {
    const refused = await rpc(
      `${url}/messages?sessionId=${encodeURIComponent(closedLegacy.sessionId)}`,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { authorization: `Bearer ${token}` },
    );
    expect(refused.status).toBe(404);
  });

  const world: FuzzWorld = {
    names: {
      echo: named(tools, '__echo'),
      sum: named(tools, '__get-sum'),
      sampling: named(tools, '__trigger-sampling-request'),
      prompt: named(prompts, 'simple-prompt'),
      completablePrompt: named(prompts, 'completable-prompt'),
      resourceUri: resources[0]!.uri!,
      templateUri: templates[0]!.uriTemplate!.replace(/\{[^}]+\}/g, '1'),
    },
    path,
    issuer: 'http://localhost:3000',
    token,
    memberToken,
    otherTenantToken: (await seedApiToken(db.db, otherTenant.id)).token,
    revokedToken: (await seedApiToken(db.db, tenant.id, { revokedAt: new Date() })).token,
    noMcpToken: (await seedApiToken(db.db, tenant.id, { capabilities: [] })).token,
    unknownToken: generateApiToken().token,
    session: headers['mcp-session-id']!,
    samplingSession: await sessionOf(url, token, '{"sampling":{}}'),
    foreignSessions: [
      { what: "another gateway's session", id: await sessionOf(otherUrl, token) },
      { what: "another caller's session", id: await sessionOf(url, memberToken) },
      { what: 'a deleted session', id: deleted },
      { what: 'a legacy session id', id: legacy.sessionId },
    ],
    legacySession: legacy.sessionId,
    foreignLegacySessions: [
      { what: "another gateway's legacy session", id: otherGatewayLegacy.sessionId },
      { what: "another caller's legacy session", id: otherCallerLegacy.sessionId },
      { what: 'a closed legacy session', id: closedLegacy.sessionId },
      { what: 'a Streamable HTTP session id', id: headers['mcp-session-id']! },
    ],
    freshSession: () => sessionOf(url, token),
  };
  return {
    world,
    proxy,
    legacy,
    close() {
      for (const stream of [legacy, otherGatewayLegacy, otherCallerLegacy]) stream.messages.close();
    },
  };
}
