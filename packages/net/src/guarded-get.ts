import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { createSsrfGuard, type SsrfGuard } from './ssrf-guard.ts';

export interface GuardedGetOptions {
  allowPrivate: boolean;
  /** Whole exchange, connect to last byte. */
  timeoutMs?: number;
  /** The body is abandoned (and the call fails) past this many bytes. */
  maxBytes?: number;
  headers?: Record<string, string>;
  /** An extra trusted CA (PEM) for this request only, on top of the system roots. */
  ca?: string;
  /** Reuse a guard; default one built from `allowPrivate`. */
  guard?: SsrfGuard;
  /** POST sends `body` (a form or JSON: set its content type in `headers`); default GET. */
  method?: 'GET' | 'POST';
  body?: string;
}

export interface GuardedGetResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export class GuardedGetError extends Error {
  constructor(
    readonly kind: 'blocked' | 'connect' | 'timeout' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'GuardedGetError';
  }
}

/**
 * A GET (or POST) of a tenant- or client-supplied URL (CIMD documents, JWKS, OAuth metadata): checked by the
 * SSRF guard before connecting and again at connect time (DNS rebinding), never following
 * redirects (a 3xx is returned as is), with a deadline and a body limit.
 */
export async function guardedGet(url: URL, options: GuardedGetOptions): Promise<GuardedGetResponse> {
  const { timeoutMs = 5_000, maxBytes = 64 * 1024 } = options;
  const guard = options.guard ?? createSsrfGuard({ allowPrivate: options.allowPrivate });
  try {
    await guard(url);
  } catch (err) {
    const kind = (err as { kind?: string }).kind === 'blocked' ? 'blocked' : 'connect';
    throw new GuardedGetError(kind, (err as Error).message);
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const tls = url.protocol === 'https:' && options.ca ? { ca: [...rootCertificates, options.ca] } : {};
  return new Promise<GuardedGetResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: GuardedGetError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers:
          options.body === undefined
            ? options.headers
            : { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        lookup: guard.lookup,
        agent: false,
        ...tls,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            fail(new GuardedGetError('too_large', `${url.host} answered more than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (err) => fail(new GuardedGetError('connect', err.message)));
      },
    );
    const timer = setTimeout(
      () => fail(new GuardedGetError('timeout', `${url.host} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (err) => {
      const blocked = /private address|only http and https/.test(err.message);
      fail(new GuardedGetError(blocked ? 'blocked' : 'connect', err.message));
    });
    req.end(options.body);
  });
}

/** A POST to a tenant-supplied URL (OAuth token, registration, revocation endpoints), guarded like `guardedGet`. */
export const guardedPost = (
  url: URL,
  body: string,
  options: Omit<GuardedGetOptions, 'method' | 'body'>,
): Promise<GuardedGetResponse> => guardedGet(url, { ...options, method: 'POST', body });
