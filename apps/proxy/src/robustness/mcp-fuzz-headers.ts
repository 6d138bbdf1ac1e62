import type { FuzzRequest } from './fuzz-client.ts';
import { deepFragment, preview, rotation, TAMPER_KINDS, tamperSealed } from './fuzz-kit.ts';
import { b64, echo, headersOf, post, raw, withHeader, type CaseGenerator } from './mcp-fuzz-world.ts';

/**
 * Header families over Streamable HTTP: each generator cycles through its variants (the rng picks
 * only details such as which bit of a session id to flip), so a long enough run meets them all.
 */

export const authorization = (): CaseGenerator => {
  const next = rotation();
  return (_rng, w) => {
    const future = 4_102_444_800;
    const claims = { iss: w.issuer, sub: 'u', aud: 'x', exp: future, iat: 1, jti: 'j', tid: 't', gid: 'g' };
    const variants: [string, string | undefined, boolean][] = [
      ['missing', undefined, true],
      ['empty', '', true],
      ['the scheme alone', 'Bearer', true],
      ['the scheme and spaces', 'Bearer    ', true],
      ['a lowercase scheme', `bearer ${w.token}`, false],
      ['extra spaces', `Bearer   ${w.token}`, false],
      ['trailing junk', `Bearer ${w.token} junk`, true],
      ['two credentials', `Bearer ${w.token}, Bearer ${w.token}`, true],
      ['Basic', `Basic ${Buffer.from(`x:${w.token}`).toString('base64')}`, true],
      ['a broken checksum', `Bearer ${w.token.slice(0, -1)}${w.token.endsWith('A') ? 'B' : 'A'}`, true],
      ['a token never issued', `Bearer ${w.unknownToken}`, true],
      ['a revoked token', `Bearer ${w.revokedToken}`, true],
      ["another tenant's token", `Bearer ${w.otherTenantToken}`, true],
      ['a token without the mcp capability', `Bearer ${w.noMcpToken}`, true],
      ["another caller's token (the session is not theirs)", `Bearer ${w.memberToken}`, true],
      ['a 12 kB token', `Bearer tg_${'A'.repeat(12_000)}`, true],
      ['a NUL', `Bearer ${w.token}\u0000`, true],
      ['a non-Latin-1 character', `Bearer ${w.token}🙂`, true],
      ['a Latin-1 character', `Bearer ${w.token}é`, true],
      [
        'an alg=none JWT of our issuer',
        `Bearer ${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`,
        true,
      ],
      [
        'an ES256 JWT of our issuer, unknown key',
        `Bearer ${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'nope' })}.${b64(claims)}.${'A'.repeat(86)}`,
        true,
      ],
      [
        'an HS256 JWT of our issuer',
        `Bearer ${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64(claims)}.${'A'.repeat(43)}`,
        true,
      ],
      [
        'a JWT with crit',
        `Bearer ${b64({ alg: 'ES256', crit: ['x'], x: 1 })}.${b64(claims)}.${'A'.repeat(86)}`,
        true,
      ],
      ['a JWT whose header is not JSON', `Bearer ${b64('{"alg":')}.${b64(claims)}.AAAA`, true],
      [
        'a JWT whose header is deep',
        `Bearer ${b64(deepFragment(5_000, 'object'))}.${b64(claims)}.AAAA`,
        true,
      ],
      [
        'a JWT whose payload is deep',
        `Bearer ${b64({ alg: 'ES256' })}.${b64(deepFragment(5_000, 'array'))}.AAAA`,
        true,
      ],
      [
        'a JWT of another issuer',
        `Bearer ${b64({ alg: 'RS256', kid: 'k' })}.${b64({ ...claims, iss: 'https://idp.invalid' })}.AAAA`,
        true,
      ],
      [
        'a 10 kB JWT',
        `Bearer ${'A'.repeat(3_000)}.${b64({ iss: w.issuer, pad: 'x'.repeat(3_000) })}.${'A'.repeat(3_000)}`,
        true,
      ],
    ];
    const [what, value, mustRefuse] = next(variants);
    return {
      transport: 'streamable',
      generator: 'authorization',
      what: `Authorization: ${what}`,
      request: post(w, echo(w, 'auth'), withHeader(headersOf(w), 'authorization', value)),
      mustRefuse,
    };
  };
};

export const sessionIds = (): CaseGenerator => {
  const next = rotation();
  return (rng, w) => {
    const variants: (() => [string, string])[] = [
      ...Array.from({ length: TAMPER_KINDS }, (_, kind) => () => {
        const tampered = tamperSealed(w.session, rng, kind);
        return [`the session id with ${tampered.what}`, tampered.value] as [string, string];
      }),
      ...w.foreignSessions.map((f) => () => [f.what, f.id] as [string, string]),
      ...(
        [
          ['empty', ''],
          ['one character', 'x'],
          ['the version alone', 'v1'],
          ['empty parts', 'v1.s1..'],
          ['dots', '....'],
          ['8192 characters', 'A'.repeat(8_192)],
          ['8193 characters', 'A'.repeat(8_193)],
          ['plausible parts', `v1.s1.${'A'.repeat(16)}.${'A'.repeat(40)}`],
          ['the id twice', `${w.session},${w.session}`],
          ['a Latin-1 character appended', `${w.session}é`],
          ['an emoji appended', `${w.session}🙂`],
          ['a NUL appended', `${w.session}\u0000`],
        ] as [string, string][]
      ).map((v) => () => v),
    ];
    const [what, value] = next(variants)();
    return {
      transport: 'streamable',
      generator: 'session ids',
      what: `Mcp-Session-Id: ${what}`,
      request: post(w, echo(w, 'sid'), withHeader(headersOf(w), 'mcp-session-id', value)),
      mustRefuse: true,
    };
  };
};

export const protocolVersions = (): CaseGenerator => {
  const next = rotation();
  return (_rng, w) => {
    const [value, mustRefuse] = next<[string, boolean]>([
      ['', true],
      ['2024-11-05', true],
      ['2025-11-26', true],
      ['latest', true],
      ['1'.repeat(5_000), true],
      ['2026-07-28', true],
      ['2025-03-26', false],
      ['2025-11-25, 2025-11-25', true],
      ['2025-11-25é', true],
      ['2025-11-25\u0000', true],
      ['\u202e2025-11-25', true],
    ]);
    return {
      transport: 'streamable',
      generator: 'protocol versions',
      what: `MCP-Protocol-Version: ${preview(value, 30)}`,
      request: post(w, echo(w, 'ver'), withHeader(headersOf(w), 'mcp-protocol-version', value)),
      mustRefuse,
    };
  };
};

export const mediaTypes = (): CaseGenerator => {
  const next = rotation();
  return (_rng, w) => {
    const [name, value] = next<[string, string | undefined]>([
      ['content-type', undefined],
      ['content-type', 'text/plain'],
      ['content-type', 'application/x-www-form-urlencoded'],
      ['content-type', 'multipart/form-data; boundary=x'],
      ['content-type', 'application/json; charset=utf-16'],
      ['content-type', 'APPLICATION/JSON'],
      ['content-type', 'application/jsonp'],
      ['content-type', 'application/json-seq'],
      ['content-type', ';;;'],
      ['content-type', `application/json; ${'x=y; '.repeat(1_000)}`],
      ['accept', undefined],
      ['accept', ''],
      ['accept', 'text/html'],
      ['accept', 'application/json'],
      ['accept', 'text/event-stream'],
      ['accept', 'application/*'],
      ['accept', 'text/event-stream;q=0, application/json;q=0'],
      ['accept', 'x'.repeat(10_000)],
    ]);
    return {
      transport: 'streamable',
      generator: 'content type and accept',
      what: `${name}: ${value === undefined ? '(missing)' : preview(value, 40)}`,
      request: post(w, echo(w, 'media'), withHeader(headersOf(w), name, value)),
    };
  };
};

export const contentLengths = (): CaseGenerator => {
  const next = rotation();
  return (_rng, w) => {
    const body = echo(w, 'length');
    const auth = [
      `authorization: Bearer ${w.token}`,
      'content-type: application/json',
      'accept: application/json',
      `mcp-session-id: ${w.session}`,
    ];
    const head = `POST ${w.path} HTTP/1.1`;
    const variants: [string, string, boolean?][] = [
      [
        'Content-Length more than sent, then half-closed',
        raw(head, [...auth, `content-length: ${body.length + 100}`], body),
        true,
      ],
      ['Content-Length less than sent', raw(head, [...auth, `content-length: ${body.length - 10}`], body)],
      ['Content-Length 0 with a body', raw(head, [...auth, 'content-length: 0'], body)],
      ['Content-Length negative', raw(head, [...auth, 'content-length: -1'], body)],
      ['Content-Length not a number', raw(head, [...auth, 'content-length: abc'], body)],
      [
        'two different Content-Lengths',
        raw(head, [...auth, `content-length: ${body.length}`, 'content-length: 5'], body),
      ],
      [
        'Content-Length of 20 digits',
        raw(head, [...auth, 'content-length: 99999999999999999999'], body),
        true,
      ],
      [
        'Content-Length over the body limit',
        raw(head, [...auth, `content-length: ${3 * 1024 * 1024}`], body),
        true,
      ],
      ['a bad chunk size', raw(head, [...auth, 'transfer-encoding: chunked'], `zz\r\n${body}\r\n0\r\n\r\n`)],
      [
        'chunked and a Content-Length',
        raw(
          head,
          [...auth, 'transfer-encoding: chunked', `content-length: ${body.length}`],
          `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        ),
      ],
      [
        'a chunk shorter than declared, then half-closed',
        raw(head, [...auth, 'transfer-encoding: chunked'], `ff\r\n${body}`),
        true,
      ],
      ['Transfer-Encoding gzip', raw(head, [...auth, 'transfer-encoding: gzip'], body), true],
      [
        'Expect: 100-continue',
        raw(head, [...auth, 'expect: 100-continue', `content-length: ${body.length}`], body),
      ],
      ['a body over 1 MiB', ''],
    ];
    const [what, bytes, endAfterWrite] = next(variants);
    if (bytes === '') {
      // Honest about its length, and just over the limit.
      const big = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'x'.repeat(1024 * 1024)}"}}`;
      return { transport: 'streamable', generator: 'content length', what, request: post(w, big) };
    }
    return {
      transport: 'streamable',
      generator: 'content length',
      what,
      request: { method: 'POST', path: w.path, headers: {}, raw: bytes, endAfterWrite },
    };
  };
};

export const malformedHeaders = (): CaseGenerator => {
  const next = rotation();
  return (rng, w) => {
    const body = echo(w, 'hdr');
    const base = headersOf(w);
    const lines = [...Object.entries(base).map(([n, v]) => `${n}: ${v}`), `content-length: ${body.length}`];
    const head = `POST ${w.path} HTTP/1.1`;
    const fetched = (headers: Record<string, string>): FuzzRequest => post(w, body, headers);
    const sent = (bytes: string): FuzzRequest => ({ method: 'POST', path: w.path, headers: {}, raw: bytes });
    const traceparent = rng.pick([
      '00-zz-zz-01',
      `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
      'ff'.repeat(500),
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    ]);
    const variants: [string, FuzzRequest, boolean?][] = [
      ['a 20 kB header', fetched({ ...base, 'x-fuzz': 'a'.repeat(20_000) })],
      ['a 15 kB header', fetched({ ...base, 'x-fuzz': 'a'.repeat(15_000) })],
      [
        '300 headers',
        fetched({ ...base, ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-f${i}`, 'v'])) }),
      ],
      ['a garbage X-Request-Id', fetched({ ...base, 'x-request-id': `é${'a'.repeat(5_000)}` })],
      [`traceparent ${preview(traceparent, 30)}`, fetched({ ...base, traceparent })],
      [
        'a huge tracestate',
        fetched({
          ...base,
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          tracestate: 'a=b,'.repeat(3_000),
        }),
      ],
      ['Origin null', fetched({ ...base, origin: 'null' }), true],
      ['a foreign Origin', fetched({ ...base, origin: 'http://evil.example' }), true],
      ['an unparseable Origin', fetched({ ...base, origin: '://' }), true],
      ['a header name with a space', sent(raw(head, [...lines, 'x fuzz: 1'], body))],
      ['a header line without a colon', sent(raw(head, [...lines, 'xfuzz'], body))],
      ['an obs-fold continuation', sent(raw(head, [...lines, 'x-a: 1', '  continued'], body))],
      ['a NUL in a header value', sent(raw(head, [...lines, 'x-a: a\u0000b'], body))],
      ['a foreign Host', sent(raw(head, lines, body).replace('host: {host}', 'host: evil.example')), true],
      ['an unparseable Host', sent(raw(head, lines, body).replace('host: {host}', 'host: [::1')), true],
      ['no Host', sent(raw(head, lines, body).replace('host: {host}\r\n', ''))],
      ['HTTP/1.0', sent(raw(`POST ${w.path} HTTP/1.0`, lines, body))],
      ['HTTP/9.9', sent(raw(`POST ${w.path} HTTP/9.9`, lines, body))],
      ['an HTTP/2 preface', sent('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
      ['an absolute-form target', sent(raw(`POST http://{host}${w.path} HTTP/1.1`, lines, body))],
      ['a lowercase method', sent(raw(`post ${w.path} HTTP/1.1`, lines, body))],
      ['bare LF line endings', sent(raw(head, lines, body).replaceAll('\r\n', '\n'))],
      [
        'a websocket upgrade',
        sent(
          raw(head, [...lines, 'upgrade: websocket', 'sec-websocket-version: 13'], body).replace(
            'connection: close',
            'connection: upgrade',
          ),
        ),
      ],
      [
        'an h2c upgrade',
        sent(
          raw(head, [...lines, 'upgrade: h2c', 'http2-settings: AAMAAABkAAQCAAAAAAIAAAAA'], body).replace(
            'connection: close',
            'connection: upgrade, http2-settings',
          ),
        ),
      ],
    ];
    const [what, request, mustRefuse] = next(variants);
    return { transport: 'streamable', generator: 'malformed headers', what, request, mustRefuse };
  };
};
