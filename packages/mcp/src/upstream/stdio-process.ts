import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { MAX_BODY_CHARS } from './http-common.ts';
import { type PendingCall, RpcChannel, label } from './rpc-channel.ts';
import { type UpstreamTarget, UpstreamError } from './types.ts';

/** How much of the child's stderr is kept for start-up errors. */
const STDERR_KEEP_CHARS = 2_048;
const STDERR_SHOWN_CHARS = 500;
const KILL_AFTER_MS = 2_000;

export interface StdioOptions {
  clientInfo: { name: string; version: string };
  protocolVersion: string;
  connectTimeoutMs: number;
  /** The whole environment the child starts from; the target's `env` goes on top. */
  baseEnv: Record<string, string>;
  /** The child went away without being asked to (crash, or it exited by itself). */
  onCrash(process: StdioProcess): void;
  /** The child and its process group are gone, whatever the reason. */
  onGone(process: StdioProcess): void;
}

/**
 * One child process speaking newline-delimited JSON-RPC on stdin/stdout. It leads its own
 * process group, so stopping it also stops whatever it spawned (npx, shells, …).
 */
export class StdioProcess extends RpcChannel {
  readonly startedAt = Date.now();
  /** Resolves once the child has exited and its pipes are closed. */
  readonly gone: Promise<void>;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stdoutCarry: string[] = [];
  private stdoutCarryChars = 0;
  private stderrTail = '';
  private started = false;
  private stopping = false;
  private exited = false;
  private finished = false;
  private exitDescription = '';
  private killTimer: NodeJS.Timeout | undefined;
  private markGone!: () => void;
  /**
   * Lines waiting for the next write to stdin. Calls that arrive in one turn of the event loop
   * (many clients' requests read in one poll) go out in one write: a write per call cost the
   * gateway about a sixth of its CPU per call at c64, and woke the child once per line.
   */
  private outgoing: string[] = [];
  private flushScheduled = false;

  constructor(
    target: UpstreamTarget,
    private readonly options: StdioOptions,
  ) {
    super(target.label);
    this.gone = new Promise((resolve) => (this.markGone = resolve));
    this.child = spawn(target.command ?? '', target.args ?? [], {
      // Needed when Next's global types are loaded (apps/web type-checks this file through
      // @toolgate/api): they make ProcessEnv.NODE_ENV required.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      env: { ...options.baseEnv, ...target.env } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
    });
    this.child.stdin.on('error', () => undefined);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP_CHARS);
    });
    this.child.on('error', (error: NodeJS.ErrnoException) => {
      // Only spawn failures arrive before 'exit'; 'close' may never follow them.
      if (this.exited) return;
      this.exitDescription = `could not start its command (${error.code ?? error.message})`;
      this.onExit();
      this.finish();
    });
    this.child.on('exit', (code, signal) => {
      this.exitDescription =
        signal === null ? `exited (code ${code ?? 'unknown'})` : `was stopped by ${signal}`;
      this.onExit();
      // Grandchildren holding the pipes open would delay 'close' forever.
      setTimeout(() => this.finish(), KILL_AFTER_MS).unref();
    });
    this.child.on('close', () => this.finish());
  }

  /** Finished its handshake at some point (it may have exited since). */
  get running(): boolean {
    return this.started;
  }

  override async start(): Promise<void> {
    try {
      await this.handshake(
        this.options.clientInfo,
        this.options.protocolVersion,
        this.options.connectTimeoutMs,
      );
      this.started = true;
    } catch (error) {
      // Stopped by the pool (evict, shutdown) while starting: not a start-up failure.
      if (this.stopping) throw error;
      const message = error instanceof UpstreamError ? error.message : `${label(this.name)} failed to start`;
      const stderr = this.stderrTail.slice(-STDERR_SHOWN_CHARS).replace(/\s+/g, ' ').trim();
      void this.close(new UpstreamError('closed', `${label(this.name)} failed to start`));
      throw new UpstreamError('connect', stderr === '' ? message : `${message}; stderr: ${stderr}`);
    }
  }

  /** Closes stdin and sends SIGTERM to the group, then SIGKILL after 2 s; resolves when it is gone. */
  override close(error: UpstreamError): Promise<void> {
    this.closed = true;
    this.failAll(error);
    if (!this.stopping && !this.exited) {
      this.stopping = true;
      this.flush();
      this.child.stdin.end();
      this.signal('SIGTERM');
      this.killTimer = setTimeout(() => this.signal('SIGKILL'), KILL_AFTER_MS);
    }
    return this.gone;
  }

  protected override transmitRequest(call: PendingCall): void {
    if (this.exited) {
      this.fail(call, this.exitError());
      return;
    }
    this.enqueue(call.body);
  }

  protected override transmitBody(body: string): Promise<void> {
    if (this.exited) return Promise.reject(this.exitError());
    this.enqueue(body);
    return Promise.resolve();
  }

  /** Queues one line for stdin; the queue is written once the current turn of the event loop ends. */
  private enqueue(body: string): void {
    this.outgoing.push(body);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushNow);
  }

  private readonly flushNow = (): void => this.flush();

  private flush(): void {
    this.flushScheduled = false;
    const lines = this.outgoing;
    if (lines.length === 0) return;
    this.outgoing = [];
    // After an exit the calls have failed already; the pipe is gone (its errors are ignored).
    if (this.exited || this.child.stdin.writableEnded) return;
    this.child.stdin.write(lines.length === 1 ? `${lines[0]}\n` : `${lines.join('\n')}\n`);
  }

  private onStdout(chunk: string): void {
    let newline = chunk.indexOf('\n');
    if (newline === -1) {
      this.stdoutCarry.push(chunk);
      this.stdoutCarryChars += chunk.length;
      if (this.stdoutCarryChars > MAX_BODY_CHARS) {
        void this.close(new UpstreamError('protocol', `${label(this.name)} wrote an oversized message`));
      }
      return;
    }
    let start = 0;
    if (this.stdoutCarry.length > 0) {
      this.stdoutCarry.push(chunk.slice(0, newline));
      this.line(this.stdoutCarry.join(''));
      this.stdoutCarry = [];
      this.stdoutCarryChars = 0;
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    while (newline !== -1) {
      this.line(chunk.slice(start, newline));
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) {
      this.stdoutCarry.push(chunk.slice(start));
      this.stdoutCarryChars = chunk.length - start;
    }
  }

  private line(text: string): void {
    if (text.length === 0 || text === '\r') return;
    if (this.receive(text) === 'malformed') {
      // Servers that print logs to stdout are common; keep the text for start-up diagnostics.
      this.stderrTail = `${this.stderrTail}${text.slice(0, 200)}\n`.slice(-STDERR_KEEP_CHARS);
    }
  }

  private onExit(): void {
    if (this.exited) return;
    this.exited = true;
    const unexpected = !this.stopping;
    this.closed = true;
    this.failAll(this.exitError());
    // Leftovers in the group (a wrapper's children) go with the leader.
    this.signal(unexpected ? 'SIGTERM' : 'SIGKILL');
    if (unexpected) this.options.onCrash(this);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    this.killTimer = undefined;
    this.options.onGone(this);
    this.markGone();
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  private exitError(): UpstreamError {
    const what = `${label(this.name)} ${this.exitDescription || 'exited'}`;
    return new UpstreamError('closed', this.started ? what : `${what} during start-up`);
  }
}
