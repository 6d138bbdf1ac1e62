import { deepFragment, hostileFragment, oddFragment, rotation, WRONG_FRAGMENTS } from './fuzz-kit.ts';
import { headersOf, legacyHeaders, messagesPath, post, type CaseGenerator } from './mcp-fuzz-world.ts';

/**
 * Answers to a real question: during a call, the upstream asks the client for sampling, and the
 * client answers with garbage (`{id}` stands for the question's id). Whatever the answer, the call
 * must finish promptly: a refused answer leaves the question open for a proper one, an accepted
 * one settles it.
 */
export const samplingAnswers = (): CaseGenerator => {
  const next = rotation();
  return (rng, w) => {
    const variants: [string, string][] = [
      ['an empty result', '{"jsonrpc":"2.0","id":{id},"result":{}}'],
      ['a result of the wrong type', `{"jsonrpc":"2.0","id":{id},"result":${rng.pick(WRONG_FRAGMENTS)}}`],
      [
        'a result with odd text',
        `{"jsonrpc":"2.0","id":{id},"result":{"model":"m","role":"assistant","content":{"type":"text","text":${oddFragment(rng)}}}}`,
      ],
      [
        'a result nested too deep',
        `{"jsonrpc":"2.0","id":{id},"result":{"model":${deepFragment(100, 'object')}}}`,
      ],
      ['a fractional error code', '{"jsonrpc":"2.0","id":{id},"error":{"code":1.5,"message":"m"}}'],
      ['an error code past double range', '{"jsonrpc":"2.0","id":{id},"error":{"code":1e400,"message":"m"}}'],
      [
        'an unsafe integer error code',
        '{"jsonrpc":"2.0","id":{id},"error":{"code":9007199254740993,"message":"m"}}',
      ],
      ['a string error code', '{"jsonrpc":"2.0","id":{id},"error":{"code":"x","message":5}}'],
      ['an error that is a string', '{"jsonrpc":"2.0","id":{id},"error":"nope"}'],
      [
        'an error with odd message and data',
        `{"jsonrpc":"2.0","id":{id},"error":{"code":-1,"message":${oddFragment(rng)},"data":${hostileFragment(rng)}}}`,
      ],
      [
        'both a result and an error',
        '{"jsonrpc":"2.0","id":{id},"result":{},"error":{"code":1,"message":"m"}}',
      ],
      ['another id', '{"jsonrpc":"2.0","id":"tg-999999","result":{}}'],
      [
        'a request with the same id',
        '{"jsonrpc":"2.0","id":{id},"method":"sampling/createMessage","params":{}}',
      ],
    ];
    const pairs = variants.flatMap((v) => [[v, 'streamable'] as const, [v, 'legacy'] as const]);
    const [[what, body], transport] = next(pairs);
    const request =
      transport === 'streamable'
        ? post(w, body, { ...headersOf(w), 'mcp-session-id': w.samplingSession })
        : {
            method: 'POST',
            path: messagesPath(w, `?sessionId=${encodeURIComponent(w.legacySession)}`),
            headers: legacyHeaders(w),
            body,
          };
    return {
      transport,
      generator: 'answers to server requests',
      what: `a sampling request answered with ${what}`,
      request,
      answersServerRequest: true,
    };
  };
};
