import { INPUT_METHODS, isObject } from './modern-wire.ts';
import { cancelledError, label } from './rpc-channel.ts';
import { type RequestOptions, UpstreamError } from './types.ts';

type Json = Record<string, unknown>;

/** One round of a multi-round-trip request (MRTR, SEP-2322): what to ask and when to give up. */
export interface InputRound {
  /** The upstream's name, for errors. */
  name: string;
  /** The request that got `input_required`. */
  method: string;
  /** The `input_required` result. */
  result: Json;
  options: RequestOptions | undefined;
  /** `performance.now()` by which the whole call must be done (Infinity: no deadline). */
  deadline: number;
  timedOut: () => UpstreamError;
}

/**
 * The answers to the embedded requests of an `input_required` result, keyed as the upstream keyed
 * its requests; undefined when it asked for nothing (state only: the retry goes out at once). Each
 * request goes to the caller's `onRequest` as the JSON-RPC request a 2025 server would have sent,
 * which is how the proxy relays it to any client, of either era.
 */
export async function gatherInput(round: InputRound): Promise<Json | undefined> {
  const { name, method, result, options } = round;
  const requests = result.inputRequests ?? {};
  const malformed = () =>
    new UpstreamError('protocol', `${label(name)} asked for input on ${method} in a malformed way`);
  if (!isObject(requests)) throw malformed();
  const entries: [string, { method: string; params?: Json }][] = [];
  for (const [key, entry] of Object.entries(requests)) {
    if (
      !isObject(entry) ||
      typeof entry.method !== 'string' ||
      !INPUT_METHODS.has(entry.method) ||
      (entry.params !== undefined && !isObject(entry.params))
    )
      throw malformed();
    entries.push([key, entry as { method: string; params?: Json }]);
  }
  if (entries.length === 0) return undefined;
  if (options?.onRequest === undefined) {
    // This request declared no client capabilities, so the upstream had no right to ask.
    const asked = entries.map(([, entry]) => entry.method).join(', ');
    throw new UpstreamError(
      'protocol',
      `${label(name)} asked for input (${asked}) on ${method}, which this call cannot relay`,
    );
  }
  const onRequest = options.onRequest.bind(options);
  const answers = Promise.all(
    entries.map(async ([key, { method: asked, params }]) => {
      try {
        const request = { jsonrpc: '2.0' as const, id: key, method: asked, ...(params ? { params } : {}) };
        return [key, await onRequest(request)] as const;
      } catch (error) {
        throw unanswered(name, asked, error);
      }
    }),
  );
  return Object.fromEntries(await within(answers, name, options?.signal, round.deadline, round.timedOut));
}

/** Bounds the wait for the caller's answers by the call's own deadline and signal. */
function within<T>(
  work: Promise<T>,
  name: string,
  signal: AbortSignal | undefined,
  deadline: number,
  timedOut: () => UpstreamError,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(cancelledError(name));
  return new Promise<T>((resolve, reject) => {
    const left = deadline - performance.now();
    const timer = Number.isFinite(left)
      ? setTimeout(() => finish(() => reject(timedOut())), left)
      : undefined;
    const onAbort = (): void => finish(() => reject(cancelledError(name)));
    const finish = (settle: () => void): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}

/** The caller could not answer (the client refused, failed or went away): the call fails with it. */
function unanswered(name: string, method: string, error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const rpc =
    isObject(error) && typeof error.code === 'number' && typeof error.message === 'string'
      ? {
          code: error.code,
          message: error.message,
          ...(error.data === undefined ? {} : { data: error.data }),
        }
      : { code: -32603, message: `The client could not handle ${method}` };
  return new UpstreamError(
    'rpc',
    `The client did not answer ${method} for ${label(name)}: ${rpc.message}`,
    rpc,
  );
}
