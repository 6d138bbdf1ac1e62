import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a Prometheus registry offers (prom-client's `Registry` fits); core stays free of it. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares the bearer credential with the configured token in constant time. */
function bearerMatches(authorization: string | undefined, expected: Buffer): boolean {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/**
 * `GET /metrics` in the Prometheus text format. With a token configured, scrapers must send
 * `Authorization: Bearer <token>`; the answer never varies with anything else the caller sends.
 */
export function metricsHandler(source: MetricsSource, token: string | undefined) {
  const expected = token ? digest(token) : undefined;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method Not Allowed\n');
      return;
    }
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      res
        .writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' })
        .end('Unauthorized\n');
      return;
    }
    const body = await source.metrics();
    res.writeHead(200, {
      'content-type': source.contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
