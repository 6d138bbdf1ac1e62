import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { SandboxedProcess } from '../sandbox/sandbox-spec.ts';

/**
 * The SDK's stdio framing (newline-delimited JSON-RPC) over a process a sandbox
 * backend started: the SDK's own StdioClientTransport spawns the command itself, which would
 * bypass the sandbox. Output that is not JSON-RPC (servers that log to stdout) is tolerated up to
 * `maxBytes` in all, as is one message; past either, `onFlood` is told and the server is stopped.
 */
export class SandboxStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private junkBytes = 0;
  private readonly responses: JSONRPCMessage[] = [];
  private closed = false;

  constructor(
    private readonly server: SandboxedProcess,
    private readonly options: { maxBytes: number; onFlood(reason: string): void },
  ) {}

  start(): Promise<void> {
    this.server.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    void this.server.exited.then(() => this.finish());
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the server has exited'));
    return new Promise((resolve) => {
      // Errors on a dead server's stdin are ignored by the backend; its exit says what happened.
      if (this.server.stdin.write(serializeMessage(message))) resolve();
      else this.server.stdin.once('drain', () => resolve());
    });
  }

  close(): Promise<void> {
    this.finish();
    return Promise.resolve();
  }

  private onData(chunk: Buffer): void {
    let from = 0;
    let newline = chunk.indexOf(10);
    while (newline !== -1 && !this.closed) {
      this.carry.push(chunk.subarray(from, newline));
      const line = Buffer.concat(this.carry).toString('utf8');
      const bytes = this.carryBytes + newline - from;
      this.carry = [];
      this.carryBytes = 0;
      this.line(line, bytes);
      from = newline + 1;
      newline = chunk.indexOf(10, from);
    }
    if (this.closed || from === chunk.length) return;
    this.carry.push(chunk.subarray(from));
    this.carryBytes += chunk.length - from;
    if (this.carryBytes > this.options.maxBytes)
      this.flood(`wrote a message over ${this.options.maxBytes} bytes to stdout`);
  }

  private line(text: string, bytes: number): void {
    const trimmed = text.replace(/\r$/, '');
    if (trimmed === '') return;
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(trimmed);
    } catch {
      this.junkBytes += bytes;
      if (this.junkBytes > this.options.maxBytes)
        this.flood(`wrote over ${this.options.maxBytes} bytes of non-MCP output to stdout`);
      return;
    }
    if ('method' in message) return this.onmessage?.(message);
    // The SDK hands notifications to their handlers a microtask later but settles a request at
    // once, so a progress notification written just before its result would reach a handler that
    // is gone. Results wait for the notifications read before them, in their own order.
    this.responses.push(message);
    if (this.responses.length === 1)
      setImmediate(() => {
        for (const response of this.responses.splice(0)) this.onmessage?.(response);
      });
  }

  private flood(reason: string): void {
    this.carry = [];
    this.finish();
    this.options.onFlood(reason);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.stdout.removeAllListeners('data');
    this.onclose?.();
  }
}
