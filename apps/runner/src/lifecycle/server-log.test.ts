import { describe, expect, it } from 'vitest';
import { ServerLog } from './server-log.ts';

describe('ServerLog', () => {
  it("redacts the installation's own secrets and token-shaped strings before keeping a line", () => {
    const log = new ServerLog();
    log.setSecrets(['plain-words-secret', 'ab']);
    log.write(`using plain-words-secret and sk-${'x'.repeat(24)} now\nab stays\n`);
    expect(log.entries().map((e) => e.line)).toEqual(['using [redacted] and [redacted] now', 'ab stays']);
    expect(log.lastStderrLine()).toBe('ab stays');
  });

  it('joins lines split across chunks and keeps a trailing partial line until flushed', () => {
    const log = new ServerLog();
    log.write('first ha');
    log.write('lf\nsecond');
    expect(log.entries().map((e) => e.line)).toEqual(['first half']);
    expect(log.lastStderrLine()).toBe('second');
    log.flush();
    expect(log.entries().map((e) => e.line)).toEqual(['first half', 'second']);
  });

  it('keeps only the newest lines within its line and byte bounds, and cuts long lines', () => {
    const log = new ServerLog({ maxLines: 3, maxBytes: 1_000, maxLineChars: 10 });
    for (let i = 0; i < 5; i++) log.write(`line ${i}\n`);
    expect(log.entries().map((e) => e.line)).toEqual(['line 2', 'line 3', 'line 4']);
    log.note('a runner note that is long');
    expect(log.entries().at(-1)).toMatchObject({ stream: 'runner', line: 'a runner n…' });

    const small = new ServerLog({ maxLines: 100, maxBytes: 20 });
    for (let i = 0; i < 10; i++) small.write(`0123456789\n`);
    expect(small.entries()).toHaveLength(2);
  });
});
