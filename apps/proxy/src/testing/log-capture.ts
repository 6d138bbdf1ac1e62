import { createLogger, type Logger } from '@toolgate/core/logger';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/**
 * A real logger (the processes' own redaction and levels) whose JSON lines are kept for a test
 * to read: `lines` parsed, `text` as written, so a test can also look for what must never appear.
 */
export function captureLogs(level = 'info'): { log: Logger; lines: LogLine[]; text: () => string } {
  const written: string[] = [];
  const lines: LogLine[] = [];
  const log = createLogger({
    name: 'captured',
    level,
    destination: {
      write(chunk: string) {
        written.push(chunk);
        lines.push(JSON.parse(chunk) as LogLine);
      },
    },
  });
  return { log, lines, text: () => written.join('') };
}
