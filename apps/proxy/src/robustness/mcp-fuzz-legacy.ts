import type { FuzzRequest } from './fuzz-client.ts';
import { rotation, tamperSealed } from './fuzz-kit.ts';
import { BODY_GENERATORS } from './mcp-fuzz-bodies.ts';
import {
  echo,
  legacyHeaders,
  messagesPath,
  raw,
  type CaseGenerator,
  type FuzzCase,
} from './mcp-fuzz-world.ts';

/** The legacy HTTP+SSE transport: POSTs to `…/messages?sessionId=`, answers on the stream. */

export function legacyBodies(): CaseGenerator {
  const names = Object.keys(BODY_GENERATORS);
  let turn = 0;
  return (rng, w, index) => {
    const name = names[turn++ % names.length]!;
    const { what, body } = BODY_GENERATORS[name]!(rng, w.names, `L${index}`);
    return {
      transport: 'legacy',
      generator: `legacy ${name}`,
      what,
      request: {
        method: 'POST',
        path: messagesPath(w, `?sessionId=${encodeURIComponent(w.legacySession)}`),
        headers: legacyHeaders(w),
        body,
      },
    };
  };
}

export const legacySessions = (): CaseGenerator => {
  const next = rotation();
  return (rng, w, index) => {
    const valid = encodeURIComponent(w.legacySession);
    const tampered = tamperSealed(w.legacySession, rng);
    const foreign = rng.pick(w.foreignLegacySessions);
    const [what, query, mustRefuse] = next<[string, string, boolean]>([
      ['no query', '', true],
      ['an empty sessionId', '?sessionId=', true],
      [`the session id with ${tampered.what}`, `?sessionId=${encodeURIComponent(tampered.value)}`, true],
      [foreign.what, `?sessionId=${encodeURIComponent(foreign.id)}`, true],
      ['a malformed escape', '?sessionId=%ZZ%', true],
      ['an encoded NUL appended', `?sessionId=${valid}%00`, true],
      ['garbage first, the real id second', `?sessionId=x&sessionId=${valid}`, true],
      ['9000 characters', `?sessionId=${'A'.repeat(9_000)}`, true],
      ['the real id first, garbage second', `?sessionId=${valid}&sessionId=x`, false],
      ['another parameter name', `?sessionid=${valid}`, true],
    ]);
    return {
      transport: 'legacy',
      generator: 'legacy session ids',
      what: `sessionId: ${what}`,
      request: {
        method: 'POST',
        path: messagesPath(w, query),
        headers: legacyHeaders(w),
        body: echo(w, `L${index}`),
      },
      mustRefuse,
    };
  };
};

export const legacyEndpoints = (): CaseGenerator => {
  const next = rotation();
  return (_rng, w, index) => {
    const sse = `${w.path}/sse`;
    const messages = messagesPath(w, `?sessionId=${encodeURIComponent(w.legacySession)}`);
    const auth = { authorization: `Bearer ${w.token}` };
    const variants: [string, FuzzRequest, Partial<FuzzCase>?][] = [
      [
        'GET /sse (opens a stream)',
        {
          method: 'GET',
          path: sse,
          headers: { ...auth, accept: 'text/event-stream', 'last-event-id': '\u00ff-1' },
        },
        { mayStream: true },
      ],
      [
        'GET /sse accepting only HTML',
        { method: 'GET', path: sse, headers: { ...auth, accept: 'text/html' } },
      ],
      [
        'GET /sse without credentials',
        { method: 'GET', path: sse, headers: { accept: 'text/event-stream' } },
        { mustRefuse: true },
      ],
      [
        'GET /sse with a revoked token',
        { method: 'GET', path: sse, headers: { authorization: `Bearer ${w.revokedToken}` } },
        { mustRefuse: true },
      ],
      [
        'GET /sse from a foreign Origin',
        { method: 'GET', path: sse, headers: { ...auth, origin: 'http://evil.example' } },
        { mustRefuse: true },
      ],
      ['POST /sse', { method: 'POST', path: sse, headers: legacyHeaders(w), body: echo(w, `L${index}`) }],
      ['DELETE /sse', { method: 'DELETE', path: sse, headers: auth }],
      ['GET /messages', { method: 'GET', path: messages, headers: auth }],
      [
        'PUT /messages',
        { method: 'PUT', path: messages, headers: legacyHeaders(w), body: echo(w, `L${index}`) },
      ],
      ['OPTIONS /messages', { method: 'OPTIONS', path: messages, headers: auth }],
      [
        'POST /messages as text/plain',
        {
          method: 'POST',
          path: messages,
          headers: { ...auth, 'content-type': 'text/plain' },
          body: echo(w, `L${index}`),
        },
      ],
      [
        'POST /messages without credentials',
        {
          method: 'POST',
          path: messages,
          headers: { 'content-type': 'application/json' },
          body: echo(w, `L${index}`),
        },
        { mustRefuse: true },
      ],
      [
        "POST /messages with another caller's token",
        {
          method: 'POST',
          path: messages,
          headers: { ...legacyHeaders(w), authorization: `Bearer ${w.memberToken}` },
          body: echo(w, `L${index}`),
        },
        { mustRefuse: true },
      ],
      [
        'POST /messages over 1 MiB',
        {
          method: 'POST',
          path: messages,
          headers: legacyHeaders(w),
          body: `{"pad":"${'x'.repeat(1024 * 1024)}"}`,
        },
      ],
      [
        'POST /messages, Content-Length more than sent',
        {
          method: 'POST',
          path: messages,
          headers: {},
          raw: raw(
            `POST ${messages} HTTP/1.1`,
            [`authorization: Bearer ${w.token}`, 'content-type: application/json', 'content-length: 500'],
            echo(w, `L${index}`),
          ),
          endAfterWrite: true,
        },
      ],
    ];
    const [what, request, extra] = next(variants);
    return { transport: 'legacy', generator: 'legacy endpoints', what, request, ...extra };
  };
};
