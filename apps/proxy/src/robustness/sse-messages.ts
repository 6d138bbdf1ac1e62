import { SseParser } from '@toolgate/mcp/upstream/sse-parser';

export type RpcMessage = Record<string, unknown>;

/** The JSON-RPC messages of an event stream as they arrive, to be awaited one by one. */
export interface SseMessages {
  /** The first message, received or still to come, that `match` accepts (taken); undefined after `timeoutMs`. */
  next(match: (message: RpcMessage) => boolean, timeoutMs: number): Promise<RpcMessage | undefined>;
  /** The data of the first event of this name (the legacy transport's `endpoint`). */
  event(name: string, timeoutMs: number): Promise<string | undefined>;
  close(): void;
}

interface Waiter {
  match: (message: RpcMessage) => boolean;
  resolve: (message: RpcMessage) => void;
}

/** Reads `res` as an event stream until it ends or `controller` aborts it. */
export function readSse(res: Response, controller: AbortController): SseMessages {
  const unclaimed: RpcMessage[] = [];
  const waiters = new Set<Waiter>();
  const events = new Map<string, string>();
  const eventWaiters = new Map<string, (data: string) => void>();
  const parser = new SseParser((event) => {
    if (event.event !== 'message') {
      if (!events.has(event.event)) events.set(event.event, event.data);
      eventWaiters.get(event.event)?.(event.data);
      return;
    }
    let message: RpcMessage;
    try {
      message = JSON.parse(event.data) as RpcMessage;
    } catch {
      message = { unparseable: event.data };
    }
    for (const waiter of waiters) {
      if (waiter.match(message)) {
        waiters.delete(waiter);
        waiter.resolve(message);
        return;
      }
    }
    unclaimed.push(message);
  });
  if (res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.push(value);
      }
    })().catch(() => {});
  }
  const timed = <T>(register: (resolve: (value: T) => void) => () => void, timeoutMs: number) =>
    new Promise<T | undefined>((resolve) => {
      let unregister = () => {};
      const timer = setTimeout(() => {
        unregister();
        resolve(undefined);
      }, timeoutMs);
      unregister = register((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  return {
    next(match, timeoutMs) {
      const index = unclaimed.findIndex(match);
      if (index >= 0) return Promise.resolve(unclaimed.splice(index, 1)[0]);
      return timed<RpcMessage>((resolve) => {
        const waiter = { match, resolve };
        waiters.add(waiter);
        return () => waiters.delete(waiter);
      }, timeoutMs);
    },
    event(name, timeoutMs) {
      const seen = events.get(name);
      if (seen !== undefined) return Promise.resolve(seen);
      return timed<string>((resolve) => {
        eventWaiters.set(name, resolve);
        return () => eventWaiters.delete(name);
      }, timeoutMs);
    },
    close: () => controller.abort(),
  };
}

/** A response to request `id` (not a request of the same id going the other way). */
export const responseTo =
  (id: unknown) =>
  (message: RpcMessage): boolean =>
    message.method === undefined && JSON.stringify(message.id) === JSON.stringify(id);
