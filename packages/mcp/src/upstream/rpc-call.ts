import type { JsonRpcNotification, JsonRpcRequest, RequestOptions } from './types.ts';
import { UpstreamError } from './types.ts';

type Json = Record<string, unknown>;
export type ProgressToken = string | number;

/** One request the pool sent upstream and still waits for. */
export interface PendingCall {
  readonly id: number;
  readonly method: string;
  readonly options: RequestOptions | undefined;
  readonly message: JsonRpcRequest;
  /** `message` serialised once, before any socket is touched; re-sends reuse it. */
  readonly body: string;
  readonly resolve: (result: Json) => void;
  readonly reject: (error: UpstreamError) => void;
  done: boolean;
  /** The token as sent upstream, and the caller's own when the pool had to substitute one. */
  progressToken: ProgressToken | undefined;
  callerToken: ProgressToken | undefined;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  /** Transport state (HTTP): the POST or resume GET currently carrying the call. */
  req: { destroy(): void } | undefined;
  /** Transport state (HTTP): the call was already re-sent once (lost session or stale socket). */
  resent: boolean;
}

/** What the proxy relays for its own clients; servers only use these when a caller can answer. */
export const CLIENT_CAPABILITIES = { sampling: {}, elicitation: {}, roots: { listChanged: false } };

export const label = (name: string): string => `upstream '${name}'`;

/** Notifications about the session rather than one call: they go to the pool's watchers. */
export const SESSION_NOTIFICATIONS = new Set([
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
]);

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isToken = (value: unknown): value is ProgressToken =>
  typeof value === 'string' || typeof value === 'number';

/**
 * The progress token a request's params carry, as sent upstream. Callers on a shared session
 * pick tokens independently; on a clash (`taken`) the later call gets a token of ours upstream
 * and sees its own again on the relayed notifications.
 */
export function claimProgressToken(
  params: Json | undefined,
  id: number,
  taken: ReadonlyMap<ProgressToken, unknown>,
): { sent: Json | undefined; token: ProgressToken | undefined; callerToken: ProgressToken | undefined } {
  const meta = params?._meta;
  if (!isObject(meta) || !isToken(meta.progressToken))
    return { sent: params, token: undefined, callerToken: undefined };
  const token = meta.progressToken;
  if (!taken.has(token)) return { sent: params, token, callerToken: undefined };
  const ours = `toolgate-progress-${id}`;
  return { sent: { ...params, _meta: { ...meta, progressToken: ours } }, token: ours, callerToken: token };
}

/** The JSON-RPC error an upstream answered with, or a stand-in when it is malformed. */
export function rpcErrorOf(error: unknown): { code: number; message: string; data?: unknown } {
  return isObject(error) && typeof error.code === 'number' && typeof error.message === 'string'
    ? {
        code: error.code,
        message: error.message,
        ...(error.data === undefined ? {} : { data: error.data }),
      }
    : { code: -32603, message: 'Malformed error from upstream' };
}

export function deliver(call: PendingCall, notification: JsonRpcNotification): void {
  const hooks = call.options;
  // Once answered, the caller's response is on its way: late notifications have no one to go to.
  if (call.done || hooks?.onNotification === undefined) return;
  try {
    hooks.onNotification(notification);
  } catch {
    // A failing relay must not break the upstream stream shared with other callers.
  }
}

export function toRpcError(
  error: unknown,
  method: string,
): { code: number; message: string; data?: unknown } {
  if (
    isObject(error) &&
    typeof error.code === 'number' &&
    Number.isSafeInteger(error.code) &&
    typeof error.message === 'string'
  ) {
    return error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data };
  }
  return { code: -32603, message: `The client could not handle ${method}` };
}

export function serialize(message: object): string | undefined {
  try {
    return JSON.stringify(message);
  } catch {
    return undefined;
  }
}

export const unsendable = (name: string, what: string): UpstreamError =>
  new UpstreamError('protocol', `The gateway could not serialise ${what} for ${label(name)}`);

export const cancelledError = (name: string): UpstreamError =>
  new UpstreamError('cancelled', `The call to ${label(name)} was cancelled`);
