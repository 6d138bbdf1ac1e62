import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverythingServer } from '@toolgate/fixtures/everything';
import { createUpstreamPool } from './index.ts';
import { clientInfo, rejection } from './testing/helpers.ts';
import { waitUntil } from './testing/processes.ts';
import type { UpstreamPool } from './types.ts';

/** Legacy HTTP+SSE edge cases: what the endpoint event may say, and a stream that drops mid-call. */
describe('legacy HTTP+SSE', () => {
  let server: Server;
  let base: string;
  const streams: ServerResponse[] = [];
  let pool: UpstreamPool;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      streams.push(res);
      if (req.url === '/foreign')
        res.write('event: endpoint\ndata: http://169.254.169.254/message?sessionId=1\n\n');
      // '/mute' never announces an endpoint.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    pool = createUpstreamPool({ clientInfo, connectTimeoutMs: 300 });
  });

  afterAll(async () => {
    await pool.close();
    for (const stream of streams) stream.end();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses an endpoint on another origin', async () => {
    const error = await rejection(
      pool.request(
        { key: 'foreign', label: 'foreign', transport: 'sse', url: `${base}/foreign` },
        'tools/list',
        {},
      ),
    );
    expect(error.kind).toBe('protocol');
    expect(error.message).toBe("upstream 'foreign' announced a message endpoint on another origin");
  });

  it('gives up when no endpoint is announced in time', async () => {
    const error = await rejection(
      pool.request({ key: 'mute', label: 'mute', transport: 'sse', url: `${base}/mute` }, 'tools/list', {}),
    );
    expect(error.kind).toBe('connect');
    expect(error.message).toBe("upstream 'mute' did not open its event stream within 300 ms");
  });

  it('fails in-flight calls when the stream drops', async () => {
    const everything = await startEverythingServer('sse');
    const target = { key: 'dropping', label: 'everything', transport: 'sse' as const, url: everything.url };
    try {
      await pool.serverInfo(target);
      let progressed = false;
      const call = rejection(
        pool.request(
          target,
          'tools/call',
          {
            name: 'trigger-long-running-operation',
            arguments: { duration: 30, steps: 300 },
            _meta: { progressToken: 1 },
          },
          { onNotification: () => (progressed = true) },
        ),
      );
      await waitUntil(() => progressed, 'the call is running upstream');
      await everything.kill();
      const error = await call;
      expect(error.kind).toBe('closed');
      expect(error.message).toBe("upstream 'everything' dropped its event stream");
    } finally {
      await everything.close();
    }
  });
});
