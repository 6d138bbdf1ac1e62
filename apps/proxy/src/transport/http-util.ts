import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  classifyMessage,
  errorMessage,
  idOf,
  type ClientMessage,
  type JsonRpcError,
  type JsonRpcId,
} from '@toolgate/mcp/jsonrpc';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '@toolgate/mcp/json-limits';
import type { Refusal } from '../admission/admission.ts';
import { PROXY_ERRORS, proxyErrorMessage, type ProxyErrorName } from '../errors.ts';
import type { UsageDraft } from '../usage/meter.ts';

export class BodyTooLargeError extends Error {}

/** Reads a request body up to `limit` bytes; stops reading (and rejects) past it. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Answers with a JSON body; returns its size in bytes (usage metering reuses it). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  const payload = JSON.stringify(body);
  const bytes = Buffer.byteLength(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': bytes,
    ...headers,
  });
  res.end(payload);
  return bytes;
}

/** An HTTP error whose body is a JSON-RPC error, as MCP clients expect; returns its size. */
export function sendProxyError(
  res: ServerResponse,
  name: ProxyErrorName,
  options: {
    id?: JsonRpcId | null;
    values?: Record<string, string | number>;
    headers?: Record<string, string>;
    data?: unknown;
  } = {},
): number {
  const def = PROXY_ERRORS[name];
  const error = { code: def.rpc, message: proxyErrorMessage(name, options.values) };
  return sendJson(
    res,
    def.status,
    errorMessage(options.id ?? null, options.data === undefined ? error : { ...error, data: options.data }),
    options.headers,
  );
}

/**
 * Answers a request admission turned away, and tells its usage record: a refusal of the caller
 * is `denied` with its reason, anything else an error.
 */
export function sendRefusal(res: ServerResponse, refusal: Refusal, usage?: UsageDraft, id?: JsonRpcId): void {
  const bytes = sendProxyError(res, refusal.error, {
    ...(id !== undefined ? { id } : {}),
    ...(refusal.values ? { values: refusal.values } : {}),
    ...(refusal.headers ? { headers: refusal.headers } : {}),
    ...(refusal.data !== undefined ? { data: refusal.data } : {}),
  });
  if (!usage) return;
  const { rpc } = PROXY_ERRORS[refusal.error];
  if (refusal.deny) usage.deny(refusal.deny, rpc, bytes);
  else usage.reject(rpc, bytes);
}

/** Server-Sent Events on one response: JSON-RPC messages as `message` events. */
export class SseWriter {
  private closed = false;
  private nextEventId = 0;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string> = {},
    private readonly streamId = '',
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    res.once('close', () => (this.closed = true));
  }

  get isClosed(): boolean {
    return this.closed || this.res.writableEnded;
  }

  /** Writes one message event; returns the size of its JSON (0 once closed). */
  send(message: unknown): number {
    if (this.isClosed) return 0;
    const id = this.streamId ? `id: ${this.streamId}-${this.nextEventId++}\n` : '';
    const data = JSON.stringify(message);
    this.res.write(`${id}event: message\ndata: ${data}\n\n`);
    return Buffer.byteLength(data);
  }

  /** A named event with one line of text, e.g. the legacy transport's `endpoint` event. */
  event(name: string, data: string): void {
    if (!this.isClosed) this.res.write(`event: ${name}\ndata: ${data.replace(/[\r\n]/g, '')}\n\n`);
  }

  comment(text: string): void {
    if (!this.isClosed) this.res.write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.isClosed) this.res.end();
    this.closed = true;
  }

  /** Runs `listener` when the connection closes, at once if it already has (the client left early). */
  onClose(listener: () => void): void {
    if (this.res.destroyed || this.res.closed) queueMicrotask(listener);
    else this.res.once('close', listener);
  }
}

export function acceptsSse(accept: string | undefined): boolean {
  return !!accept && (accept.includes('text/event-stream') || accept.includes('*/*'));
}

export function acceptsJson(accept: string | undefined): boolean {
  return (
    !accept ||
    accept.includes('application/json') ||
    accept.includes('*/*') ||
    accept.includes('application/*')
  );
}

export const firstHeader = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

export type ReadMessage =
  | { ok: true; message: ClientMessage; bytes: number }
  /** Already answered: `code` is the JSON-RPC error code sent, `responseBytes` its size. */
  | { ok: false; code: number; responseBytes: number };

const refused = (code: number, responseBytes: number): ReadMessage => ({ ok: false, code, responseBytes });

/**
 * Reads one JSON-RPC message from a POST body, with the body's size. On any client mistake (too
 * large, not JSON, a batch, not JSON-RPC) it answers the request itself and says so.
 */
export async function readClientMessage(
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
): Promise<ReadMessage> {
  let body: Buffer;
  try {
    body = await readBody(req, maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      res.setHeader('connection', 'close');
      return refused(
        PROXY_ERRORS.BODY_TOO_LARGE.rpc,
        sendProxyError(res, 'BODY_TOO_LARGE', { values: { limit: maxBodyBytes } }),
      );
    }
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return refused(
      PROXY_ERRORS.PARSE_ERROR.rpc,
      sendProxyError(res, 'PARSE_ERROR', { values: { detail: (err as Error).message } }),
    );
  }
  if (Array.isArray(parsed)) {
    return refused(PROXY_ERRORS.BATCH_NOT_SUPPORTED.rpc, sendProxyError(res, 'BATCH_NOT_SUPPORTED'));
  }
  if (exceedsJsonDepth(parsed)) {
    return refused(
      PROXY_ERRORS.TOO_DEEP.rpc,
      sendProxyError(res, 'TOO_DEEP', { id: idOf(parsed), values: { limit: MAX_JSON_DEPTH } }),
    );
  }
  try {
    return { ok: true, message: classifyMessage(parsed), bytes: body.length };
  } catch (err) {
    const error = (err as JsonRpcError).toObject();
    return refused(error.code, sendJson(res, 400, errorMessage(idOf(parsed), error)));
  }
}
