import { redactString } from '@toolgate/core/redact';
import {
  SERVER_LOG_STREAMS,
  SERVER_STATES,
  type ServerLog,
  type ServerLogLine,
} from '../../schemas/server-log.ts';

/** Lines longer than this are cut (the runner cuts at 2,000 characters already). */
export const MAX_LINE_CHARS = 4_000;
/** At most this many lines are kept (the runner keeps 500). */
export const MAX_LINES = 1_000;

const isState = (value: string): value is ServerLog['state'] =>
  (SERVER_STATES as readonly string[]).includes(value);
const isStream = (value: unknown): value is ServerLogLine['stream'] =>
  (SERVER_LOG_STREAMS as readonly unknown[]).includes(value);

/** The runner's `x-server-state` header; anything else (or nothing) is `unknown`. */
export const parseServerState = (header: string | null): ServerLog['state'] => {
  const value = header?.trim().toLowerCase() ?? '';
  return isState(value) ? value : 'unknown';
};

/**
 * The runner's JSON lines (`{"time","stream","line"}`), read defensively: a line that is not such
 * an object is skipped, over-long lines are cut, and token-shaped strings are redacted again (the
 * runner already did; a runner of another version might not have).
 */
export function parseServerLogLines(text: string): ServerLogLine[] {
  const lines: ServerLogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const { time, stream, line } = value as Record<string, unknown>;
    if (typeof time !== 'string' || typeof line !== 'string' || !isStream(stream)) continue;
    const cut = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
    lines.push({ time: time.slice(0, 64), stream, line: redactString(cut) });
  }
  return lines.length > MAX_LINES ? lines.slice(-MAX_LINES) : lines;
}
