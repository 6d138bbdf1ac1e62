import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectClient, createHarness, type Harness, seedServerGateway } from '../testing/harness.ts';

/** Log messages an upstream sends during a call reach each client at the level it chose. */
let h: Harness;
let fixture: Awaited<ReturnType<typeof startConformanceFixture>>;
let url: string;
let token: string;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  fixture = await startConformanceFixture({ host: '127.0.0.1' });
  const seeded = await seedServerGateway(h, {
    server: 'fixture',
    upstream: { url: fixture.url },
    gateway: 'logs',
    tools: [{ toolName: 'test_tool_with_logging', alias: 'chatty' }],
  });
  token = seeded.token;
  const replicaA = await h.startProxy();
  await h.startProxy();
  url = `${replicaA.url}${seeded.path}`;
});

afterAll(async () => {
  await h?.close();
  await fixture?.close();
});

describe('logging/setLevel (2025 sessions)', () => {
  it('filters the log messages relayed to this session, and only this one', async () => {
    const { client } = await connectClient(url, token);
    const { client: other } = await connectClient(url, token);
    const seen: string[] = [];
    const otherSeen: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void seen.push(n.params.level));
    other.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void otherSeen.push(n.params.level),
    );
    try {
      await client.callTool({ name: 'chatty', arguments: {} });
      expect(seen).toEqual(['info', 'info', 'info']);

      await client.setLoggingLevel('warning');
      await client.callTool({ name: 'chatty', arguments: {} });
      expect(seen).toHaveLength(3);
      await other.callTool({ name: 'chatty', arguments: {} });
      expect(otherSeen).toEqual(['info', 'info', 'info']);

      await client.setLoggingLevel('debug');
      await client.callTool({ name: 'chatty', arguments: {} });
      expect(seen).toHaveLength(6);
      await expect(client.setLoggingLevel('loud' as 'debug')).rejects.toThrow(
        /"level" must be one of debug, info/,
      );
    } finally {
      await client.close();
      await other.close();
    }
  });
});

describe('log level in _meta (2026-07-28)', () => {
  const call = async (meta: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'chatty',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'chatty',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
            ...meta,
          },
        },
      }),
    });
    const text = await res.text();
    return {
      status: res.status,
      logs: text.split('\n').filter((l) => l.includes('notifications/message')).length,
      text,
    };
  };

  it('sends log messages only to a request that asked for them, at or above its level', async () => {
    expect((await call({})).logs).toBe(0);
    expect((await call({ 'io.modelcontextprotocol/logLevel': 'info' })).logs).toBe(3);
    expect((await call({ 'io.modelcontextprotocol/logLevel': 'error' })).logs).toBe(0);
    const bad = await call({ 'io.modelcontextprotocol/logLevel': 'loud' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('io.modelcontextprotocol/logLevel: must be one of');
  });
});
