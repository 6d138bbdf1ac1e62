import type { SandboxExit } from '../sandbox/sandbox-spec.ts';

/** JSON-RPC error code of "the server is not available" (implementation-defined server error range). */
export const SERVER_UNAVAILABLE = -32000;

/** The server cannot serve now; `message` says why in words an admin can act on. */
export class ServerUnavailableError extends Error {
  readonly code = SERVER_UNAVAILABLE;
  constructor(message: string) {
    super(message);
    this.name = 'ServerUnavailableError';
  }
}

/** "the server exited at start (code 1): <last stderr line>" */
export function startFailure(exit: SandboxExit, lastStderrLine: string | undefined): string {
  const how =
    exit.reason === 'exited'
      ? `exited at start (code ${String(exit.code)})`
      : exit.reason === 'memory-limit'
        ? `was killed at start: ${exit.detail}`
        : exit.reason === 'start-failed'
          ? `could not start: ${exit.detail}`
          : `was killed at start (${exit.signal ?? exit.detail})`;
  return `the server ${how}${lastStderrLine ? `: ${lastStderrLine}` : ''}`;
}

const SDK_PREFIX = /^MCP error -?\d+: /;

/**
 * The error a proxy session gets for a forwarded request: the server's own JSON-RPC error as the
 * server sent it (the SDK prefixes its message, which is removed), or why the server is down.
 */
export function relayedError(error: unknown): Error & { code: number; data?: unknown } {
  if (error instanceof ServerUnavailableError) return error;
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'number') {
    const { code, data } = error as Error & { code: number; data?: unknown };
    const relayed = new Error(error.message.replace(SDK_PREFIX, '')) as Error & {
      code: number;
      data?: unknown;
    };
    relayed.code = code;
    if (data !== undefined) relayed.data = data;
    return relayed;
  }
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(`the server could not answer: ${message}`), { code: -32603 });
}
