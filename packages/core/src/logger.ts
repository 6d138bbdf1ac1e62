import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface CreateLoggerOptions {
  name: string;
  level?: string;
  /** Pretty output for humans; defaults to whether stdout is a terminal. */
  pretty?: boolean;
  /** Where JSON lines go instead of stdout (tests read what a process logs); not with `pretty`. */
  destination?: DestinationStream;
}

/** Paths whose values must never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.headers.authorization',
  'credentials',
  '*.credentials',
];

export function createLogger({
  name,
  level = 'info',
  pretty: wantPretty,
  destination,
}: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  if (destination) return pino(options, destination);
  const usePretty = wantPretty ?? process.stdout.isTTY;
  // pino-pretty as a stream (not a transport) keeps it in-process: no worker thread to bundle.
  return usePretty ? pino(options, pretty({ colorize: true, translateTime: 'HH:MM:ss.l' })) : pino(options);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honour a well-formed incoming x-request-id, else mint one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}
