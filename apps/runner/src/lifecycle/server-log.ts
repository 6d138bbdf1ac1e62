import { REDACTED, redactString } from '@toolgate/core/redact';

/** One line of a server's log: what it wrote to stderr, or what the runner did with it. */
export interface ServerLogLine {
  time: string;
  stream: 'stderr' | 'runner';
  line: string;
}

export interface ServerLogOptions {
  maxLines?: number;
  maxBytes?: number;
  /** Longer lines are cut (a server printing a megabyte without a newline). */
  maxLineChars?: number;
}

/** Secret values shorter than this are not searched for (they would redact ordinary words). */
const MIN_SECRET_CHARS = 4;

/**
 * A server's recent log, bounded by lines and bytes, secrets redacted before anything is kept:
 * token-like strings (redactString) and the installation's own credential values, which may not
 * look like tokens at all.
 */
export class ServerLog {
  private readonly lines: ServerLogLine[] = [];
  private bytes = 0;
  private partial = '';
  private secrets: string[] = [];
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly maxLineChars: number;

  constructor(options: ServerLogOptions = {}) {
    this.maxLines = options.maxLines ?? 500;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
    this.maxLineChars = options.maxLineChars ?? 2_000;
  }

  /** The values to redact: the installation's decrypted credentials (longest first). */
  setSecrets(values: string[]): void {
    this.secrets = values.filter((v) => v.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
  }

  /** Raw stderr output; complete lines are kept, a trailing partial line waits for its newline. */
  write(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    if (this.partial.length > this.maxLineChars) {
      this.push('stderr', this.partial);
      this.partial = '';
    }
    for (const part of parts) this.push('stderr', part.replace(/\r$/, ''));
  }

  /** What the runner did (started, stopped, why it failed). */
  note(line: string): void {
    this.push('runner', line);
  }

  /** The last line the server wrote to stderr, redacted (for "exited at start: …" errors). */
  lastStderrLine(): string | undefined {
    if (this.partial.trim()) return this.redact(this.partial.trim());
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const entry = this.lines[i]!;
      if (entry.stream === 'stderr' && entry.line.trim()) return entry.line.trim();
    }
    return undefined;
  }

  /** Completes a pending partial line (the server exited without a final newline). */
  flush(): void {
    if (this.partial) this.push('stderr', this.partial);
    this.partial = '';
  }

  entries(): ServerLogLine[] {
    return [...this.lines];
  }

  private push(stream: ServerLogLine['stream'], raw: string): void {
    if (stream === 'stderr' && raw === '') return;
    const cut = raw.length > this.maxLineChars ? `${raw.slice(0, this.maxLineChars)}…` : raw;
    const entry = { time: new Date().toISOString(), stream, line: this.redact(cut) };
    this.lines.push(entry);
    this.bytes += entry.line.length;
    while (this.lines.length > this.maxLines || (this.bytes > this.maxBytes && this.lines.length > 1)) {
      this.bytes -= this.lines.shift()!.line.length;
    }
  }

  private redact(line: string): string {
    let out = line;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return redactString(out);
  }
}
