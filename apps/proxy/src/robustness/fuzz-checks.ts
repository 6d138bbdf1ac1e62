import type { Answer } from './fuzz-client.ts';
import type { FuzzCase } from './mcp-fuzz-world.ts';

/** Bounds every answer is held to. */
export interface Bounds {
  answerMs: number;
}

/**
 * Internal errors of the proxy's own making: the catch-all of build-proxy.ts and the legacy
 * dispatcher answer `Internal error` with the request id; an unexpected throw while calling an
 * upstream becomes "Calling X failed unexpectedly". (An upstream's own -32603, relayed as it came,
 * is the upstream's business: the healthy everything server answers that for unknown resources.)
 */
export function isProxyInternalError(error: { code?: unknown; message?: unknown; data?: unknown }): boolean {
  if (error.code !== -32603) return false;
  const data = error.data as { requestId?: unknown } | undefined;
  return (
    (error.message === 'Internal error' && typeof data?.requestId === 'string') ||
    (typeof error.message === 'string' && error.message.endsWith('failed unexpectedly'))
  );
}

/**
 * The one upstream failure a healthy upstream gives: HTTP 400 to a message carrying client data
 * the gateway passes through as it came and the upstream's own validation refuses (e.g. a
 * `_meta.progressToken` that is not a string or safe integer). Timeouts, broken connections and
 * unreadable answers from a healthy upstream mean the gateway broke something, and count.
 */
function isRefusedByUpstream(error: { code?: unknown; message?: unknown; data?: unknown }): boolean {
  const data = error.data as { kind?: unknown } | undefined;
  return (
    error.code === -32010 &&
    data?.kind === 'http' &&
    typeof error.message === 'string' &&
    error.message.includes('answered HTTP 400')
  );
}

const isId = (id: unknown) => id === null || typeof id === 'string' || typeof id === 'number';

/** What is wrong with one JSON-RPC message the proxy sent as an answer (empty when nothing). */
export function messageProblems(message: unknown): string[] {
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    return ['the answer is not a JSON-RPC object'];
  const m = message as { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: unknown };
  const problems: string[] = [];
  if (m.jsonrpc !== '2.0') problems.push('"jsonrpc" is not "2.0"');
  if (!isId(m.id)) problems.push('"id" is not a string, number or null');
  if (m.error !== undefined) {
    const error = m.error as { code?: unknown; message?: unknown };
    if (
      typeof error !== 'object' ||
      error === null ||
      !Number.isInteger(error.code) ||
      typeof error.message !== 'string'
    )
      problems.push('"error" is not { code: integer, message: string }');
    else if (isProxyInternalError(error)) problems.push(`an internal error: ${JSON.stringify(error)}`);
    else if ((error.code === -32011 || error.code === -32010) && !isRefusedByUpstream(error))
      problems.push(`an upstream failure: ${JSON.stringify(error)}`);
  } else if (typeof m.result !== 'object' || m.result === null || Array.isArray(m.result)) {
    problems.push('neither a "result" object nor an "error"');
  }
  return problems;
}

/** The last `data:` of an event-stream body (a POST answered as a stream ends with its response). */
function lastEventData(body: string): string | undefined {
  return body
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .at(-1)
    ?.slice(5)
    .trim();
}

/**
 * What is wrong with an answer: none at all, a 5xx, a status no client error explains, a body
 * that is not JSON-RPC, slowness, or a credential that should have been refused and was served.
 */
export function answerProblems(fuzzCase: FuzzCase, answer: Answer, bounds: Bounds): string[] {
  if (answer.failure) {
    const dropped = answer.failure.startsWith('connection closed without an answer');
    return dropped && fuzzCase.mayDrop ? [] : [`no answer: ${answer.failure}`];
  }
  const problems: string[] = [];
  if (answer.ms > bounds.answerMs)
    problems.push(`slow: ${Math.round(answer.ms)} ms (bound ${bounds.answerMs} ms)`);
  for (const status of [answer.status, ...answer.more]) {
    if (status >= 500) problems.push(`HTTP ${status}`);
    else if (status !== 200 && status !== 202 && (status < 400 || status > 499))
      problems.push(`unexpected HTTP ${status}`);
  }

  const isStream = answer.contentType.startsWith('text/event-stream');
  if (isStream && fuzzCase.request.method === 'GET') {
    if (!fuzzCase.mayStream) problems.push('opened an event stream');
    if (fuzzCase.mustRefuse) problems.push('served (opened an event stream); it must be refused');
    return problems;
  }
  if (answer.body === '') {
    // Empty is fine for errors, 202 and DELETE; a POST that was read must get a JSON-RPC answer.
    if (answer.status === 200 && fuzzCase.request.method === 'POST')
      problems.push('HTTP 200 with an empty body');
    if (fuzzCase.mustRefuse && answer.status < 400)
      problems.push(`served (HTTP ${answer.status}); it must be refused`);
    return problems;
  }
  if (answer.status === 202) {
    // The legacy transport acknowledges with text (its answers travel on the stream).
    if (!(fuzzCase.transport === 'legacy' && answer.body === 'Accepted'))
      problems.push('HTTP 202 with a body');
    if (fuzzCase.mustRefuse) problems.push('accepted (HTTP 202); it must be refused');
    return problems;
  }
  let message: unknown;
  try {
    message = JSON.parse(isStream ? (lastEventData(answer.body) ?? '') : answer.body);
  } catch {
    problems.push(`the body is not JSON (${answer.contentType || 'no content type'})`);
    return problems;
  }
  problems.push(...messageProblems(message));
  const isError = (message as { error?: unknown } | null)?.error !== undefined;
  if (answer.status >= 400 && !isError) problems.push(`HTTP ${answer.status} without a JSON-RPC error`);
  if (fuzzCase.mustRefuse && !isError)
    problems.push(`served (HTTP ${answer.status} with a result); it must be refused`);
  return problems;
}
