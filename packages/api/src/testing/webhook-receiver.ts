import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '@toolgate/core/webhook-signature';

export interface ReceivedWebhook {
  body: string;
  json: unknown;
  headers: IncomingHttpHeaders;
  /** What the receiver answered. */
  status: number;
}

/**
 * A webhook endpoint for tests, on a loopback port: it checks each request's signature with
 * `secret` as a real receiver would (401 when it does not verify) and keeps what it got. Answers
 * can be scripted (`failNext`), to make the sender retry.
 */
export interface WebhookReceiver {
  url: string;
  /** The secret signatures are checked with; set it once Toolgate made one. */
  secret: string;
  /** Every request, in arrival order, with the receiver's answer. */
  readonly received: ReceivedWebhook[];
  /** The requests answered 2xx, as parsed JSON. */
  accepted(): unknown[];
  /** The next requests are answered with these statuses, in order, whatever they carry (replacing any left). */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks/toolgate'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const scripted: number[] = [];
  const receiver: { secret: string } = { secret: '' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = req.headers[SIGNATURE_HEADER];
      const verified =
        req.method === 'POST' &&
        req.url === path &&
        typeof signature === 'string' &&
        verifySignature(receiver.secret, body, signature).ok;
      const status = scripted.shift() ?? (verified ? 200 : 401);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      received.push({ body, json, headers: req.headers, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.json),
    failNext: (...statuses: number[]) => void scripted.splice(0, scripted.length, ...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
