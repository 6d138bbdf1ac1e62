import { rpc } from '../testing/harness.ts';
import { answerProblems, messageProblems, type Bounds } from './fuzz-checks.ts';
import { sendFuzz, type Answer, type FuzzRequest } from './fuzz-client.ts';
import { preview } from './fuzz-kit.ts';
import type { LegacyStream } from './mcp-fuzz-setup.ts';
import type { FuzzCase, FuzzWorld } from './mcp-fuzz-world.ts';
import { readSse, responseTo, type SseMessages } from './sse-messages.ts';

export interface CaseResult {
  /** The request as sent (an answer to a server request has its id filled in). */
  sent: FuzzRequest;
  answer: Answer;
  problems: string[];
}

interface RunnerOptions {
  origin: string;
  world: FuzzWorld;
  /** The legacy stream of `world.legacySession`: legacy answers arrive there. */
  legacy: LegacyStream;
  bounds: Bounds;
  /** How long to wait for any answer before calling it hung. */
  answerTimeoutMs: number;
}

/** Sends cases to the proxy and judges how each was answered, on the stream too where it answers there. */
export function createRunner({ origin, world, legacy, bounds, answerTimeoutMs }: RunnerOptions) {
  const repliesAwaited = new Set<string>();

  /** The id of a legacy request the stream must answer: a well-formed request the POST accepted. */
  function legacyRequestId(fuzzCase: FuzzCase, answer: Answer): string | number | undefined {
    if (fuzzCase.transport !== 'legacy' || answer.status !== 202 || fuzzCase.request.body === undefined)
      return undefined;
    try {
      const { id, method } = JSON.parse(Buffer.from(fuzzCase.request.body).toString('utf8')) as {
        id?: unknown;
        method?: unknown;
      };
      if (typeof method !== 'string' || method === '') return undefined;
      return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : undefined;
    } catch {
      return undefined;
    }
  }

  async function runPlain(fuzzCase: FuzzCase): Promise<CaseResult> {
    const answer = await sendFuzz(origin, fuzzCase.request, answerTimeoutMs);
    const problems = answerProblems(fuzzCase, answer, bounds);
    const id = legacyRequestId(fuzzCase, answer);
    // Each id is awaited once: a mutation may repeat another case's id.
    if (id !== undefined && !repliesAwaited.has(JSON.stringify(id))) {
      repliesAwaited.add(JSON.stringify(id));
      const waited = performance.now();
      const reply = await legacy.messages.next(responseTo(id), bounds.answerMs);
      if (reply === undefined)
        problems.push(
          `nothing answered request ${JSON.stringify(id)} on the legacy stream within ${bounds.answerMs} ms`,
        );
      else
        problems.push(
          ...messageProblems(reply).map(
            (p) => `on the legacy stream (after ${Math.round(performance.now() - waited)} ms): ${p}`,
          ),
        );
    }
    return { sent: fuzzCase.request, answer, problems };
  }

  /** Starts a call whose upstream asks the client for sampling; where its messages arrive. */
  async function callThatAsks(fuzzCase: FuzzCase, callId: string): Promise<SseMessages | string> {
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: callId,
      method: 'tools/call',
      params: { name: world.names.sampling, arguments: { prompt: 'fuzz' } },
    });
    if (fuzzCase.transport === 'legacy') {
      const posted = await rpc(`${origin}${fuzzCase.request.path}`, call, fuzzCase.request.headers).catch(
        () => undefined,
      );
      return posted?.status === 202
        ? legacy.messages
        : `the call was answered ${posted?.status ?? 'by nothing'}`;
    }
    const controller = new AbortController();
    setTimeout(() => controller.abort(), answerTimeoutMs).unref();
    const res = await fetch(`${origin}${fuzzCase.request.path}`, {
      method: 'POST',
      headers: { ...fuzzCase.request.headers, accept: 'application/json, text/event-stream' },
      body: call,
      signal: controller.signal,
    }).catch((err: Error) => err.message);
    if (typeof res === 'string') return `the call failed: ${res}`;
    if (!res.headers.get('content-type')?.startsWith('text/event-stream'))
      return `the call was answered ${res.status} ${preview(await res.text())} instead of a stream`;
    return readSse(res, controller);
  }

  /** A case that answers a question of the upstream: ask, answer with the case, then properly. */
  async function runAnswer(fuzzCase: FuzzCase, index: number): Promise<CaseResult> {
    const callId = `ask-${index}`;
    const messages = await callThatAsks(fuzzCase, callId);
    if (typeof messages === 'string') {
      const answer: Answer = { status: 0, contentType: '', body: '', ms: 0, more: [], raw: false };
      return { sent: fuzzCase.request, answer, problems: [`could not start a call that asks: ${messages}`] };
    }
    try {
      const asked = await messages.next((m) => m.method === 'sampling/createMessage', bounds.answerMs);
      if (!asked) {
        const answer: Answer = { status: 0, contentType: '', body: '', ms: 0, more: [], raw: false };
        return {
          sent: fuzzCase.request,
          answer,
          problems: ['the upstream asked for sampling, the client never saw it'],
        };
      }
      const idText = JSON.stringify(asked.id);
      const sent = { ...fuzzCase.request, body: String(fuzzCase.request.body).replaceAll('{id}', idText) };
      const answered = performance.now();
      const answer = await sendFuzz(origin, sent, answerTimeoutMs);
      const problems = answerProblems(fuzzCase, answer, bounds);
      // A refused or misaddressed answer leaves the question open: a proper one must then finish it.
      const proper = `{"jsonrpc":"2.0","id":${idText},"result":{"model":"m","role":"assistant","content":{"type":"text","text":"ok"}}}`;
      await sendFuzz(origin, { ...fuzzCase.request, body: proper }, answerTimeoutMs);
      const final = await messages.next(responseTo(callId), bounds.answerMs);
      if (!final)
        problems.push(
          `the call that asked (${callId}) did not finish within ${bounds.answerMs} ms of the answer`,
        );
      else
        problems.push(
          ...messageProblems(final).map(
            (p) =>
              `the call that asked finished after ${Math.round(performance.now() - answered)} ms with ${p}`,
          ),
        );
      return { sent, answer, problems };
    } finally {
      // Only the Streamable call's own stream; the legacy stream stays open for the whole run.
      if (messages !== legacy.messages) messages.close();
    }
  }

  /** A normal tools/call over both transports: the proxy still serves after what came before. */
  async function stillServing(round: number): Promise<string[]> {
    const problems: string[] = [];
    const message = `alive ${round}`;
    const body = {
      jsonrpc: '2.0',
      id: `alive-${round}`,
      method: 'tools/call',
      params: { name: world.names.echo, arguments: { message } },
    };
    const headers = {
      authorization: `Bearer ${world.token}`,
      'mcp-session-id': world.session,
      'mcp-protocol-version': '2025-11-25',
    };
    const started = performance.now();
    const failed = (err: Error) => ({ status: 0, text: err.message });
    const streamable = await rpc(`${origin}${world.path}`, body, headers).catch(failed);
    if (streamable.status !== 200 || !streamable.text.includes(`Echo: ${message}`))
      problems.push(`Streamable HTTP echo answered ${streamable.status}: ${preview(streamable.text)}`);
    const legacyUrl = `${origin}${world.path}/messages?sessionId=${encodeURIComponent(world.legacySession)}`;
    const posted = await rpc(legacyUrl, body, { authorization: `Bearer ${world.token}` }).catch(failed);
    const reply =
      posted.status === 202 ? await legacy.messages.next(responseTo(body.id), bounds.answerMs) : undefined;
    if (!JSON.stringify(reply ?? null).includes(`Echo: ${message}`))
      problems.push(
        `legacy echo answered ${posted.status}, then ${preview(JSON.stringify(reply ?? 'nothing on the stream'))}`,
      );
    const ms = performance.now() - started;
    if (ms > 2 * bounds.answerMs) problems.push(`the two calls took ${Math.round(ms)} ms`);
    return problems;
  }

  return {
    run: (fuzzCase: FuzzCase, index: number): Promise<CaseResult> =>
      fuzzCase.answersServerRequest ? runAnswer(fuzzCase, index) : runPlain(fuzzCase),
    stillServing,
  };
}

/** One violation, readable on its own: what was sent, what came back, what is wrong, how to replay. */
export function describeViolation(
  seed: number,
  index: number,
  fuzzCase: FuzzCase,
  { sent, answer, problems }: CaseResult,
): string {
  const more = answer.more.length > 0 ? ` (then ${answer.more.join(', ')})` : '';
  return [
    `#${index} [${fuzzCase.transport} / ${fuzzCase.generator}] ${fuzzCase.what}  (replay: FUZZ_SEED=${seed} FUZZ_ONLY=${index})`,
    `    request: ${sent.method} ${preview(sent.path, 100)}${answer.raw ? ' (raw bytes)' : ''}`,
    `      headers ${preview(JSON.stringify(sent.headers), 300)}`,
    `      body ${preview(sent.raw ?? sent.body, 300)}`,
    `    answer: ${answer.status || '-'} ${answer.contentType} in ${Math.round(answer.ms)} ms${more}; body ${preview(answer.body, 300)}`,
    ...problems.map((p) => `    - ${p}`),
  ].join('\n');
}
