import { AppError } from '@toolgate/core/errors';
import { GuardedGetError, guardedGet, guardedPost, type GuardedGetResponse } from '@toolgate/net/guarded-get';

/** What the upstream OAuth client needs to reach tenant-supplied URLs: the SSRF rule. */
export interface UpstreamHttpOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
}

const MAX_BYTES = 256 * 1024;

/** An upstream that cannot be used, told to the person connecting (never a 500). */
export const upstreamProblem = (message: string): AppError => new AppError('UPSTREAM', message);

function reach<T>(url: URL, run: () => Promise<T>): Promise<T> {
  return run().catch((err: unknown) => {
    if (err instanceof GuardedGetError)
      throw upstreamProblem(
        err.kind === 'blocked'
          ? `${url.host} is a private address (${err.message})`
          : `${url.host} could not be reached: ${err.message}`,
      );
    throw err;
  });
}

export const httpGet = (url: URL, options: UpstreamHttpOptions, headers: Record<string, string> = {}) =>
  reach(url, () =>
    guardedGet(url, {
      allowPrivate: options.allowPrivate,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxBytes: MAX_BYTES,
      headers: { accept: 'application/json', ...headers },
    }),
  );

export const httpPost = (
  url: URL,
  body: string,
  contentType: 'application/json' | 'application/x-www-form-urlencoded',
  options: UpstreamHttpOptions,
  headers: Record<string, string> = {},
) =>
  reach(url, () =>
    guardedPost(url, body, {
      allowPrivate: options.allowPrivate,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxBytes: MAX_BYTES,
      headers: { accept: 'application/json', 'content-type': contentType, ...headers },
    }),
  );

/** The JSON object a response carries, or undefined. */
export function jsonObject(response: GuardedGetResponse): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(response.body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An https URL (http only for loopback hosts, as OAuth 2.1 allows), or undefined. */
export function endpointUrl(value: unknown, allowPrivate: boolean): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return url;
    if (url.protocol === 'http:' && allowPrivate) return url;
    return undefined;
  } catch {
    return undefined;
  }
}
