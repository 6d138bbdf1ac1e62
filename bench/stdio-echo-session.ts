import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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

/** `message` is undefined for a large answer routed without a parse (see largeReplyId). */
type Waiter = (raw: string, message: JsonRpcReply | undefined) => void;

/** An MCP session with a child process over stdio: one JSON message per line, many in flight. */
export class StdioEchoSession implements EchoSession {
  private nextId = 1;
  private buffered = '';
  private readonly waiting = new Map<number, Waiter>();
  private exitError: Error | undefined;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly tool: string,
  ) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onData(chunk));
    child.stderr.resume();
    child.once('exit', (code, signal) => {
      this.exitError = new CallError(`stdio server exited (${signal ?? code})`);
      const raw = JSON.stringify({ error: this.exitError.message });
      for (const waiter of this.waiting.values()) waiter(raw, { error: this.exitError.message });
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async open(
    command: { command: string; args: string[] },
    options: { env: Record<string, string>; tool: string },
  ): Promise<StdioEchoSession> {
    const child = spawn(command.command, command.args, { env: options.env, stdio: 'pipe' });
    const session = new StdioEchoSession(child, options.tool);
    try {
      await session.request('initialize', INITIALIZE_PARAMS);
      child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
      return session;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  async echo(): Promise<void> {
    const id = this.nextId++;
    const { message, raw } = await this.send(id, echoRequest(id, this.tool));
    checkEcho(parsed(message, raw) as Record<string, unknown>, raw);
  }

  async request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const { message, raw } = await this.send(id, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return resultOf(parsed(message, raw), method);
  }

  async rawRequest(method: string, params?: Record<string, unknown>): Promise<string> {
    const id = this.nextId++;
    return (await this.send(id, JSON.stringify({ jsonrpc: '2.0', id, method, params }))).raw;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    await exited;
  }

  private send(id: number, line: string): Promise<{ message: JsonRpcReply | undefined; raw: string }> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve) => {
      this.waiting.set(id, (raw, message) => resolve({ message, raw }));
      this.child.stdin.write(`${line}\n`);
    });
  }

  private onData(chunk: string): void {
    const data = this.buffered + chunk;
    let start = 0;
    for (let newline = data.indexOf('\n'); newline !== -1; newline = data.indexOf('\n', start)) {
      const raw = data.slice(start, newline);
      start = newline + 1;
      if (raw.trim() !== '') this.onLine(raw);
    }
    this.buffered = data.slice(start);
  }

  private onLine(raw: string): void {
    if (raw.length >= LARGE_MESSAGE_CHARS) {
      const id = largeReplyId(raw);
      const waiter = id === undefined ? undefined : this.waiting.get(id);
      if (waiter) {
        this.waiting.delete(id!);
        waiter(raw, undefined);
      }
      return;
    }
    const message = JSON.parse(raw) as JsonRpcReply;
    if (message.method !== undefined) {
      // A server→client request: this client offers nothing, so say so (notifications: ignore).
      if (message.id !== undefined)
        this.child.stdin.write(
          `${JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } })}\n`,
        );
      return;
    }
    if (typeof message.id !== 'number') return;
    const waiter = this.waiting.get(message.id);
    if (waiter) {
      this.waiting.delete(message.id);
      waiter(raw, message);
    }
  }
}

const parsed = (message: JsonRpcReply | undefined, raw: string): JsonRpcReply =>
  message ?? (JSON.parse(raw) as JsonRpcReply);
