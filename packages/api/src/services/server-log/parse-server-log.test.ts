import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, MAX_LINES, parseServerLogLines, parseServerState } from './parse-server-log.ts';

describe('parseServerLogLines', () => {
  it('reads the runner’s JSON lines in order', () => {
    const text = [
      JSON.stringify({ time: '2026-12-07T10:00:00.000Z', stream: 'runner', line: 'started' }),
      JSON.stringify({ time: '2026-12-07T10:00:01.000Z', stream: 'stderr', line: 'listening on stdio' }),
      '',
    ].join('\n');
    expect(parseServerLogLines(text)).toEqual([
      { time: '2026-12-07T10:00:00.000Z', stream: 'runner', line: 'started' },
      { time: '2026-12-07T10:00:01.000Z', stream: 'stderr', line: 'listening on stdio' },
    ]);
  });

  it('skips lines that are not log entries instead of failing', () => {
    const good = { time: 't', stream: 'stderr', line: 'kept' };
    const text = [
      'not json',
      '[1,2]',
      'null',
      JSON.stringify({ time: 't', stream: 'stdout', line: 'unknown stream' }),
      JSON.stringify({ time: 't', stream: 'stderr', line: 42 }),
      JSON.stringify({ stream: 'stderr', line: 'no time' }),
      JSON.stringify(good),
      '{"time":"t","stream":"stderr","line":"cut off',
    ].join('\n');
    expect(parseServerLogLines(text)).toEqual([good]);
  });

  it('cuts over-long lines and keeps only the newest lines past the bound', () => {
    const long = parseServerLogLines(
      JSON.stringify({ time: 't', stream: 'stderr', line: 'x'.repeat(10_000) }),
    );
    expect(long[0]!.line).toHaveLength(MAX_LINE_CHARS + 1);
    const many = Array.from({ length: MAX_LINES + 5 }, (_, i) =>
      JSON.stringify({ time: 't', stream: 'stderr', line: `line ${i}` }),
    ).join('\n');
    const kept = parseServerLogLines(many);
    expect(kept).toHaveLength(MAX_LINES);
    expect(kept.at(-1)!.line).toBe(`line ${MAX_LINES + 4}`);
    expect(kept[0]!.line).toBe('line 5');
  });

  it('redacts token-shaped strings a runner let through', () => {
    const [entry] = parseServerLogLines(
      JSON.stringify({
        time: 't',
        stream: 'stderr',
        line: 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789',
      }),
    );
    expect(entry!.line).not.toContain('abcdefghijklmnopqrstuvwxyz0123456789');
    expect(entry!.line).toContain('[redacted]');
  });
});

describe('parseServerState', () => {
  it('accepts the four states and calls anything else unknown', () => {
    for (const state of ['stopped', 'starting', 'running', 'failed'] as const)
      expect(parseServerState(state)).toBe(state);
    expect(parseServerState(' Running ')).toBe('running');
    expect(parseServerState(null)).toBe('unknown');
    expect(parseServerState('exploded')).toBe('unknown');
  });
});
