import http from 'node:http';
import {
  CallError,
  checkEcho,
  echoRequest,
  INITIALIZE_PARAMS,
  largeReplyId,
  LARGE_MESSAGE_CHARS,
  resultOf,
  type EchoSession,
  type JsonRpcReply,
} from './echo-session.ts';

interface HttpReply {
  status: number;
  contentType: string;
  sessionId: string | undefined;
  text: string;
}

export interface HttpSessionOptions {
  /** Shared keep-alive agent of one target (sockets are reused across its sessions). */
  agent: http.Agent;
  /** Tool name as this endpoint lists it. */
  tool: string;
  authorization?: string;
}

/** A Streamable HTTP session over raw keep-alive POSTs; answers may be JSON or an SSE stream. */
export class HttpEchoSession implements EchoSession {
  private nextId = 1;

  private constructor(
    private readonly base: http.RequestOptions,
    private readonly headers: http.OutgoingHttpHeaders,
    private readonly tool: string,
  ) {}

  static async open(url: string, options: HttpSessionOptions): Promise<HttpEchoSession> {
    const u = new URL(url);
    const base: http.RequestOptions = {
      hostname: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      method: 'POST',
      agent: options.agent,
    };
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(options.authorization ? { authorization: options.authorization } : {}),
    };
    const init = await post(
      base,
      headers,
      JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }),
    );
    const initResult = resultOf(parseReply(init, 0).message, 'initialize');
    if (!init.sessionId) throw new CallError(`${url}: initialize answered without mcp-session-id`);
    const sessionHeaders = {
      ...headers,
      'mcp-session-id': init.sessionId,
      'mcp-protocol-version': String(initResult.protocolVersion),
    };
    const ack = await post(base, sessionHeaders, '{"jsonrpc":"2.0","method":"notifications/initialized"}');
    if (ack.status !== 202 && ack.status !== 200)
      throw new CallError(`${url}: notifications/initialized got HTTP ${ack.status}`);
    return new HttpEchoSession(base, sessionHeaders, options.tool);
  }

  async echo(): Promise<void> {
    const id = this.nextId++;
    const { message, raw } = parseReply(await post(this.base, this.headers, echoRequest(id, this.tool)), id);
    checkEcho(message as Record<string, unknown>, raw);
  }

  async request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const reply = await post(this.base, this.headers, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return resultOf(parseReply(reply, id).message, method);
  }

  async rawRequest(method: string, params?: Record<string, unknown>): Promise<string> {
    const id = this.nextId++;
    const reply = await post(this.base, this.headers, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return rawReply(reply, id);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const req = http.request({ ...this.base, method: 'DELETE', headers: this.headers }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => resolve());
      req.end();
    });
  }
}

export function post(
  base: http.RequestOptions,
  headers: http.OutgoingHttpHeaders,
  body: string,
  mayRetry = true,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    // end(body) before any write lets Node send Content-Length instead of chunked encoding.
    const req = http.request({ ...base, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => {
        const sessionId = res.headers['mcp-session-id'];
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          sessionId: typeof sessionId === 'string' ? sessionId : undefined,
          text,
        });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A keep-alive socket the server closed while idle (between phases): Node's documented retry.
      if (mayRetry && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        post(base, headers, body, false).then(resolve, reject);
        return;
      }
      reject(error);
    });
    req.end(body);
  });
}

/** Finds the response to `id` in a JSON body or in the `data:` lines of an SSE stream. */
function parseReply(reply: HttpReply, id: number): { message: JsonRpcReply; raw: string } {
  if (reply.status !== 200)
    throw new CallError(`HTTP ${reply.status} (${reply.contentType}): ${reply.text.slice(0, 300)}`);
  if (!reply.contentType.includes('text/event-stream')) {
    return { message: JSON.parse(reply.text) as JsonRpcReply, raw: reply.text };
  }
  let start = 0;
  while (start < reply.text.length) {
    let end = reply.text.indexOf('\n', start);
    if (end === -1) end = reply.text.length;
    if (reply.text.startsWith('data:', start)) {
      const raw = reply.text.slice(start + 5, end).trim();
      if (raw !== '') {
        const message = JSON.parse(raw) as JsonRpcReply;
        if (message.id === id && message.method === undefined) return { message, raw };
      }
    }
    start = end + 1;
  }
  throw new CallError(`no response to request ${id} in the SSE stream: ${reply.text.slice(0, 300)}`);
}

/** The answer to `id` as received: a JSON body, or its `data:` line of an SSE stream. */
function rawReply(reply: HttpReply, id: number): string {
  if (reply.status !== 200)
    throw new CallError(`HTTP ${reply.status} (${reply.contentType}): ${reply.text.slice(0, 300)}`);
  if (!reply.contentType.includes('text/event-stream')) return reply.text;
  let start = 0;
  while (start < reply.text.length) {
    let end = reply.text.indexOf('\n', start);
    if (end === -1) end = reply.text.length;
    if (reply.text.startsWith('data:', start)) {
      const raw = reply.text.slice(start + 5, end).trim();
      if (raw.length >= LARGE_MESSAGE_CHARS ? largeReplyId(raw) === id : isAnswerTo(raw, id)) return raw;
    }
    start = end + 1;
  }
  throw new CallError(`no response to request ${id} in the SSE stream: ${reply.text.slice(0, 300)}`);
}

function isAnswerTo(raw: string, id: number): boolean {
  if (raw === '') return false;
  const message = JSON.parse(raw) as JsonRpcReply;
  return message.id === id && message.method === undefined;
}
