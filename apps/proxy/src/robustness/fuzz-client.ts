import { connect } from 'node:net';

/** One fuzzed HTTP request: sent with fetch when fetch can express it, else byte for byte. */
export interface FuzzRequest {
  method: string;
  /** Path and query, sent as written. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /**
   * The whole request as bytes on a fresh socket; `{host}` is replaced by the proxy's host:port.
   * For what fetch refuses to send: lying Content-Length, control characters, odd methods.
   */
  raw?: string | Buffer;
  /** Half-close the socket after the raw bytes (a body that ends before its Content-Length). */
  endAfterWrite?: boolean;
}

export interface Answer {
  /** 0 when nothing was answered. */
  status: number;
  contentType: string;
  body: string;
  /** Until the whole answer (or, for an event stream opened by GET, its headers). */
  ms: number;
  /** Statuses of further answers on the same connection (pipelined leftovers of a lying request). */
  more: number[];
  /** Why there is no answer. */
  failure?: string;
  /** The request went out as raw bytes. */
  raw: boolean;
}

/** How long a connection the server keeps open is read after its first answer. */
const KEPT_OPEN_GRACE_MS = 100;

const FETCH_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
/** Headers fetch sets itself or refuses. */
const FETCH_OWNED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'expect',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Bytes fetch puts on the wire unchanged; anything else (NUL, CR/LF, non-Latin-1) goes raw.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Whether fetch would refuse or rewrite this request. */
export function needsRaw(request: FuzzRequest): boolean {
  if (request.raw !== undefined || !FETCH_METHODS.has(request.method)) return true;
  if (request.body !== undefined && (request.method === 'GET' || request.method === 'HEAD')) return true;
  return Object.entries(request.headers).some(
    ([name, value]) =>
      !HEADER_NAME.test(name) ||
      FETCH_OWNED.has(name.toLowerCase()) ||
      !HEADER_VALUE.test(value) ||
      value !== value.trim(),
  );
}

/** Sends one request and captures the answer, never throwing; `streamOk` GETs stop at the headers. */
export async function sendFuzz(origin: string, request: FuzzRequest, timeoutMs: number): Promise<Answer> {
  return needsRaw(request) ? sendRaw(origin, request, timeoutMs) : sendFetch(origin, request, timeoutMs);
}

async function sendFetch(origin: string, request: FuzzRequest, timeoutMs: number): Promise<Answer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = performance.now();
  try {
    const res = await fetch(`${origin}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    const contentType = res.headers.get('content-type') ?? '';
    // A GET that opened an event stream stays open: its headers are the answer.
    const isStream = request.method === 'GET' && contentType.startsWith('text/event-stream');
    const body = isStream ? '' : await res.text();
    const ms = performance.now() - started;
    if (isStream) controller.abort();
    return { status: res.status, contentType, body, ms, more: [], raw: false };
  } catch (err) {
    const ms = performance.now() - started;
    const failure = controller.signal.aborted
      ? `no answer within ${timeoutMs} ms`
      : `fetch failed: ${describe(err)}`;
    return { status: 0, contentType: '', body: '', ms, more: [], failure, raw: false };
  } finally {
    clearTimeout(timer);
  }
}

const describe = (err: unknown): string => {
  const e = err as Error & { cause?: Error & { code?: string } };
  return e.cause ? `${e.message} (${e.cause.code ?? e.cause.message})` : e.message;
};

/** The request as HTTP/1.1 bytes, with Host and `Connection: close` unless it brings its own. */
export function rawBytes(request: FuzzRequest, host: string): Buffer {
  if (request.raw !== undefined) {
    const raw = typeof request.raw === 'string' ? Buffer.from(request.raw, 'utf8') : request.raw;
    return Buffer.from(raw.toString('latin1').replaceAll('{host}', host), 'latin1');
  }
  const names = new Set(Object.keys(request.headers).map((n) => n.toLowerCase()));
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  if (!names.has('host')) lines.push(`host: ${host}`);
  if (!names.has('connection')) lines.push('connection: close');
  if (body && !names.has('content-length') && !names.has('transfer-encoding'))
    lines.push(`content-length: ${body.length}`);
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return body ? Buffer.concat([head, body]) : head;
}

interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Bytes after this response (another response, or an incomplete one). */
  rest: Buffer;
}

/** Parses one HTTP/1.1 response off the front of `data`, skipping 1xx; undefined until complete. */
function parseResponse(data: Buffer, closed: boolean): ParsedResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...headerLines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const after = data.subarray(end + 4);
  if (status >= 100 && status < 200) return parseResponse(after, closed);
  if (headers['content-type']?.startsWith('text/event-stream'))
    return { status, headers, body: Buffer.alloc(0), rest: Buffer.alloc(0) };
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (after.length < length) return undefined;
    return { status, headers, body: after.subarray(0, length), rest: after.subarray(length) };
  }
  if (headers['transfer-encoding']?.includes('chunked')) {
    const chunks: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = after.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(after.subarray(at, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) return undefined;
      if (size === 0) {
        const trailerEnd = after.indexOf('\r\n', lineEnd + 2);
        if (trailerEnd < 0) return undefined;
        return { status, headers, body: Buffer.concat(chunks), rest: after.subarray(trailerEnd + 2) };
      }
      if (after.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(after.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  // Neither length nor chunks: the body runs to the end of the connection.
  return closed ? { status, headers, body: after, rest: Buffer.alloc(0) } : undefined;
}

function sendRaw(origin: string, request: FuzzRequest, timeoutMs: number): Promise<Answer> {
  const { hostname, port, host } = new URL(origin);
  const bytes = rawBytes(request, host);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let data: Buffer = Buffer.alloc(0);
    let firstAt: number | undefined;
    let settled = false;
    let socketError: string | undefined;
    const finish = (closed: boolean, failure?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const answers: ParsedResponse[] = [];
      let rest: Buffer = data;
      for (let next = parseResponse(rest, closed); next; next = parseResponse(rest, closed)) {
        answers.push(next);
        if (next.rest.length === 0 || next.rest.length === rest.length) break;
        rest = next.rest;
      }
      const first = answers[0];
      const ms = (firstAt ?? performance.now()) - started;
      if (!first) {
        const why =
          failure ??
          (data.length > 0
            ? `unparseable answer: ${JSON.stringify(data.subarray(0, 120).toString('latin1'))}`
            : `connection closed without an answer${socketError ? ` (${socketError})` : ''}`);
        return resolve({ status: 0, contentType: '', body: '', ms, more: [], failure: why, raw: true });
      }
      resolve({
        status: first.status,
        contentType: first.headers['content-type'] ?? '',
        body: first.body.toString('utf8'),
        ms,
        more: answers.slice(1).map((a) => a.status),
        raw: true,
      });
    };
    const timer = setTimeout(() => finish(false, `no answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const parsed = parseResponse(data, false);
      if (!parsed || firstAt !== undefined) return;
      firstAt = performance.now();
      // An event stream never ends by itself: its headers are the answer.
      if (parsed.headers['content-type']?.startsWith('text/event-stream')) finish(false);
      // A connection kept open (an upgrade, keep-alive) gets a moment for pipelined answers.
      else if (!/close/i.test(parsed.headers.connection ?? ''))
        setTimeout(() => finish(true), KEPT_OPEN_GRACE_MS);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    // A server may answer and close before reading everything (413): keep what was answered.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      socketError = err.code ?? err.message;
    });
    socket.write(bytes, () => {
      if (request.endAfterWrite) socket.end();
    });
  });
}
