import { randomBytes } from 'node:crypto';
import { JsonRpcError, type JsonRpcId } from '@toolgate/mcp/jsonrpc';

/**
 * In-flight client requests (for notifications/cancelled) and server→client requests awaiting
 * the client's answer, on this replica.
 */
export class CallRegistry {
  private readonly inFlight = new Map<string, AbortController>();
  private readonly pendingClient = new Map<
    string,
    {
      resolve: (result: Record<string, unknown>) => void;
      reject: (error: JsonRpcError) => void;
    }
  >();
  private nextId = 0;
  /** Names this replica in the ids of its server→client requests: an answer finds its way back. */
  private readonly replica = randomBytes(4).toString('hex');

  track(sessionId: string, requestId: JsonRpcId): { signal: AbortSignal; done: () => void } {
    const key = `${sessionId}\u0000${String(requestId)}`;
    const controller = new AbortController();
    this.inFlight.set(key, controller);
    return { signal: controller.signal, done: () => this.inFlight.delete(key) };
  }

  cancel(sessionId: string, requestId: JsonRpcId, reason?: string): boolean {
    const key = `${sessionId}\u0000${String(requestId)}`;
    const controller = this.inFlight.get(key);
    if (!controller) return false;
    controller.abort(new Error(reason ?? 'cancelled by client'));
    this.inFlight.delete(key);
    return true;
  }

  /** Registers a request the gateway sends to its client; resolves with the client's answer. */
  awaitClient(
    sessionId: string,
    timeoutMs: number,
  ): { id: string; response: Promise<Record<string, unknown>> } {
    const id = `tg-${this.replica}-${++this.nextId}`;
    const key = `${sessionId}\u0000${id}`;
    const response = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingClient.delete(key);
        reject(
          new JsonRpcError(
            -32001,
            `The client did not answer ${id} within ${Math.round(timeoutMs / 1000)} s`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.pendingClient.set(key, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
    return { id, response };
  }

  /** A JSON-RPC response POSTed by the client; false when nothing here was waiting for it. */
  settle(
    sessionId: string,
    id: JsonRpcId,
    outcome: { result?: Record<string, unknown>; error?: { code: number; message: string } },
  ): boolean {
    const key = `${sessionId}\u0000${String(id)}`;
    const pending = this.pendingClient.get(key);
    if (!pending) return false;
    this.pendingClient.delete(key);
    if (outcome.error) pending.reject(new JsonRpcError(outcome.error.code, outcome.error.message));
    else pending.resolve(outcome.result ?? {});
    return true;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
