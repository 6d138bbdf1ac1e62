import { AppError } from '@toolgate/core/errors';
import { runnerLogEndpoint, type RunnerAccess } from '@toolgate/mcp/runner-routing';
import type { ServerLog } from '../../schemas/server-log.ts';
import { parseServerLogLines, parseServerState } from './parse-server-log.ts';

/** How long the runner gets to answer (it answers from memory). */
export const RUNNER_LOG_TIMEOUT_MS = 5_000;
/** The runner sends at most 64 KiB of lines; a larger answer is cut here. */
export const RUNNER_LOG_MAX_BYTES = 1024 * 1024;

export interface RunnerLogRoute {
  tenantId: string;
  installationId: string;
  variant?: 'canary';
}

/** What the runner answered that is not a log (its `{"error":{code,message}}` body). */
export interface RunnerRefusal {
  status: number;
  code?: string;
  message?: string;
}

const unreachable = (why: string) =>
  new AppError(
    'UNAVAILABLE',
    `The runner hosting this server could not be reached (${why}); the log is kept only there. Try again shortly.`,
  );

/**
 * Reads a route's log from the runner owning it (from the bus, never from the caller) with the
 * runner key: bounded in time and size, never following redirects (the key goes to the runner
 * only). A non-200 answer is returned as a refusal for the caller to word; no runner, or none
 * answering, is UNAVAILABLE.
 */
export async function fetchRunnerLog(
  runners: RunnerAccess,
  route: RunnerLogRoute,
  options: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<{ log: ServerLog } | { refusal: RunnerRefusal }> {
  const runner = await runners.directory.ownerOf(route);
  if (!runner)
    throw new AppError(
      'UNAVAILABLE',
      'No runner is running, so this self-hosted server is not running anywhere and has no log. Start `toolgate runner`.',
    );
  const timeoutMs = options.timeoutMs ?? RUNNER_LOG_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(runnerLogEndpoint(runner, route), {
      headers: { authorization: `Bearer ${runners.key}`, accept: 'application/x-ndjson' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    // The runner may have gone: read the list again for the next attempt.
    void runners.directory.refresh();
    throw unreachable(isTimeout(error) ? `no answer within ${timeoutMs} ms` : 'connection failed');
  }
  try {
    const { text, truncated } = await readBounded(response, options.maxBytes ?? RUNNER_LOG_MAX_BYTES);
    if (response.status !== 200) return { refusal: { status: response.status, ...errorBody(text) } };
    return {
      log: {
        state: parseServerState(response.headers.get('x-server-state')),
        lines: parseServerLogLines(text),
        truncated,
      },
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unreachable(isTimeout(error) ? `no answer within ${timeoutMs} ms` : 'the answer broke off');
  }
}

const isTimeout = (error: unknown) =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

/** The body as text, at most `maxBytes` of it; past that the rest is not read (and the last partial line dropped). */
async function readBounded(
  response: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return { text: truncated ? text.slice(0, Math.max(0, text.lastIndexOf('\n'))) : text, truncated };
}

/** The runner's `{"error":{"code","message"}}`, if that is what it sent. */
function errorBody(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    return {
      ...(typeof code === 'string' ? { code: code.slice(0, 64) } : {}),
      ...(typeof message === 'string' ? { message: message.slice(0, 500) } : {}),
    };
  } catch {
    return {};
  }
}
