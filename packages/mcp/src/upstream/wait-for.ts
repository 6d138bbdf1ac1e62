import { cancelledError, label } from './rpc-call.ts';
import { UpstreamError } from './types.ts';

/** Bounds a caller's wait on a shared connection attempt by its own deadline and signal. */
export function waitFor<T>(
  promise: Promise<T>,
  name: string,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (timeoutMs === undefined && signal === undefined) return promise;
  if (signal?.aborted) return Promise.reject(cancelledError(name));
  if (timeoutMs !== undefined && timeoutMs <= 0) {
    return Promise.reject(new UpstreamError('timeout', `${label(name)} did not connect in time`));
  }
  return new Promise<T>((resolve, reject) => {
    const timer =
      timeoutMs === undefined || !Number.isFinite(timeoutMs)
        ? undefined
        : setTimeout(
            () =>
              finish(() =>
                reject(
                  new UpstreamError(
                    'timeout',
                    `${label(name)} did not connect within ${Math.round(timeoutMs)} ms`,
                  ),
                ),
              ),
            timeoutMs,
          );
    const onAbort = () => finish(() => reject(cancelledError(name)));
    const finish = (settle: () => void) => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}
