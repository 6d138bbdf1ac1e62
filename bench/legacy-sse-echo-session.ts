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
import { post } from './http-echo-session.ts';

/** `message` is undefined for a large answer routed without a parse (see largeReplyId). */
type Waiter = (raw: string, message: JsonRpcReply | undefined) => void;

export interface LegacySseSessionOptions {
  /** Keep-alive agent for the POSTs (the stream holds a socket of its own). */
  agent: http.Agent;
  tool: string;
}

const ENDPOINT_TIMEOUT_MS = 10_000;

/**
 * A session over the 2024-11-05 HTTP+SSE transport, the one mcp-hub serves on `/mcp`: a GET
 * opens an event stream whose first `endpoint` event names the URL to POST messages to; each POST
 * is answered 202 and the JSON-RPC answer arrives on the stream. Many calls may be in flight.
 */
export class LegacySseEchoSession implements EchoSession {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private closedError: Error | undefined;

  private constructor(
    private readonly stream: http.ClientRequest,
    private readonly base: http.RequestOptions,
    private readonly tool: string,
  ) {}

  static async open(url: string, options: LegacySseSessionOptions): Promise<LegacySseEchoSession> {
    const u = new URL(url);
    let session: LegacySseEchoSession | undefined;
    let onEndpoint: ((path: string) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const endpoint = new Promise<string>((resolve, reject) => {
      onEndpoint = resolve;
      timer = setTimeout(
        () => reject(new CallError(`${url}: no endpoint event within 10 s`)),
        ENDPOINT_TIMEOUT_MS,
      );
    }).finally(() => clearTimeout(timer));
    const stream = http.get(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers: { accept: 'text/event-stream' },
        // The stream stays open for the whole run: a socket of its own, outside the POST pool.
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          session?.fail(new CallError(`${url}: GET answered HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let buffered = '';
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let end = buffered.indexOf('\n\n');
          while (end !== -1) {
            const event = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const { type, data } = parseEvent(event);
            if (type === 'endpoint') onEndpoint?.(data);
            else if (data !== '') session?.onMessage(data);
            end = buffered.indexOf('\n\n');
          }
        });
        res.on('close', () => session?.fail(new CallError(`${url}: the event stream closed`)));
      },
    );
    stream.on('error', (error) => session?.fail(error));
    try {
      const messages = new URL(await endpoint, u);
      const base: http.RequestOptions = {
        hostname: messages.hostname,
        port: messages.port,
        path: messages.pathname + messages.search,
        method: 'POST',
        agent: options.agent,
      };
      session = new LegacySseEchoSession(stream, base, options.tool);
      await session.request('initialize', INITIALIZE_PARAMS);
      await session.notify('notifications/initialized');
      return session;
    } catch (error) {
      stream.destroy();
      throw error;
    }
  }

  async echo(): Promise<void> {
    const id = this.nextId++;
    const { raw, message } = await this.send(id, echoRequest(id, this.tool));
    checkEcho((message ?? JSON.parse(raw)) as Record<string, unknown>, raw);
  }

  async request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const { raw, message } = await this.send(id, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return resultOf(message ?? (JSON.parse(raw) as JsonRpcReply), method);
  }

  async rawRequest(method: string, params?: Record<string, unknown>): Promise<string> {
    const id = this.nextId++;
    return (await this.send(id, JSON.stringify({ jsonrpc: '2.0', id, method, params }))).raw;
  }

  close(): Promise<void> {
    this.stream.destroy();
    return Promise.resolve();
  }

  private async notify(method: string): Promise<void> {
    const reply = await post(this.base, HEADERS, JSON.stringify({ jsonrpc: '2.0', method }));
    if (reply.status !== 202 && reply.status !== 200)
      throw new CallError(`${method} got HTTP ${reply.status}`);
  }

  private send(id: number, body: string): Promise<{ raw: string; message: JsonRpcReply | undefined }> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (raw, message) => resolve({ raw, message }));
      post(this.base, HEADERS, body).then(
        (reply) => {
          if (reply.status === 202 || reply.status === 200) return;
          this.waiting.delete(id);
          reject(new CallError(`HTTP ${reply.status}: ${reply.text.slice(0, 300)}`));
        },
        (error: unknown) => {
          this.waiting.delete(id);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private onMessage(raw: string): void {
    let id: number | undefined;
    let message: JsonRpcReply | undefined;
    if (raw.length >= LARGE_MESSAGE_CHARS) id = largeReplyId(raw);
    else {
      message = JSON.parse(raw) as JsonRpcReply;
      if (message.method !== undefined) return; // a notification or a server request: ignored
      id = typeof message.id === 'number' ? message.id : undefined;
    }
    const waiter = id === undefined ? undefined : this.waiting.get(id);
    if (waiter) {
      this.waiting.delete(id!);
      waiter(raw, message);
    }
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    const raw = JSON.stringify({ error: error.message });
    for (const waiter of this.waiting.values()) waiter(raw, { error: error.message });
    this.waiting.clear();
  }
}

const HEADERS: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };

function parseEvent(block: string): { type: string; data: string } {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  return { type, data: data.join('\n') };
}
