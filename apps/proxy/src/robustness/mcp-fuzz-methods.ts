import type { FuzzRequest } from './fuzz-client.ts';
import { deepFragment, preview, rotation, tamperSealed } from './fuzz-kit.ts';
import {
  echo,
  headersOf,
  post,
  raw,
  withHeader,
  type CaseGenerator,
  type FuzzCase,
} from './mcp-fuzz-world.ts';

export const httpMethods = (): CaseGenerator => {
  const next = rotation();
  return async (rng, w) => {
    const base = headersOf(w);
    const garbage = rng.pick([
      '',
      '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      '\u0000\u0001',
      'x'.repeat(10_000),
    ]);
    const tampered = tamperSealed(w.session, rng);
    const foreign = rng.pick(w.foreignSessions);
    const stream = { ...base, accept: 'text/event-stream' };
    const bodyless = (method: string): FuzzRequest => ({ method, path: w.path, headers: base });
    const withBody = (method: string): FuzzRequest => ({
      method,
      path: w.path,
      headers: base,
      body: garbage,
    });
    const rawMethod = (line: string): FuzzRequest => ({
      method: line.split(' ', 1)[0]!,
      path: w.path,
      headers: {},
      raw: raw(
        line,
        [`authorization: Bearer ${w.token}`, `content-length: ${Buffer.byteLength(garbage)}`],
        garbage,
      ),
    });
    const onPath = (path: string): FuzzRequest => ({
      method: 'POST',
      path,
      headers: base,
      body: echo(w, 'path'),
    });
    const variants: [string, () => FuzzRequest | Promise<FuzzRequest>, Partial<FuzzCase>?][] = [
      ['PUT with a body', () => withBody('PUT')],
      ['PATCH with a body', () => withBody('PATCH')],
      ['OPTIONS with a body', () => withBody('OPTIONS')],
      ['HEAD', () => bodyless('HEAD')],
      ['TRACE', () => rawMethod(`TRACE ${w.path} HTTP/1.1`)],
      ['PROPFIND', () => rawMethod(`PROPFIND ${w.path} HTTP/1.1`)],
      ['an unknown method', () => rawMethod(`FOO ${w.path} HTTP/1.1`)],
      ['M-SEARCH', () => rawMethod(`M-SEARCH ${w.path} HTTP/1.1`)],
      ['CONNECT', () => rawMethod(`CONNECT ${w.path} HTTP/1.1`), { mayDrop: true }],
      ['OPTIONS *', () => rawMethod('OPTIONS * HTTP/1.1')],
      [
        'GET with the session (opens the stream)',
        () => ({
          method: 'GET',
          path: w.path,
          headers: { ...stream, 'last-event-id': rng.pick(['x', '-1', '\u00ff'.repeat(100)]) },
        }),
        { mayStream: true },
      ],
      [
        'GET with a body',
        () => ({ method: 'GET', path: w.path, headers: stream, body: garbage || 'x' }),
        { mayStream: true },
      ],
      [
        `GET with the session id with ${tampered.what}`,
        () => ({ method: 'GET', path: w.path, headers: { ...stream, 'mcp-session-id': tampered.value } }),
        { mustRefuse: true },
      ],
      [
        `GET with ${foreign.what}`,
        () => ({ method: 'GET', path: w.path, headers: { ...stream, 'mcp-session-id': foreign.id } }),
        { mustRefuse: true },
      ],
      [
        'GET without a session',
        () => ({ method: 'GET', path: w.path, headers: withHeader(stream, 'mcp-session-id', undefined) }),
        { mustRefuse: true },
      ],
      [
        'GET accepting only HTML',
        () => ({ method: 'GET', path: w.path, headers: { ...base, accept: 'text/html' } }),
      ],
      [
        'DELETE of a fresh session',
        async () => ({
          method: 'DELETE',
          path: w.path,
          headers: { ...base, 'mcp-session-id': await w.freshSession() },
          body: garbage || undefined,
        }),
      ],
      [
        `DELETE with the session id with ${tampered.what}`,
        () => ({ method: 'DELETE', path: w.path, headers: { ...base, 'mcp-session-id': tampered.value } }),
        { mustRefuse: true },
      ],
      [
        `DELETE of ${foreign.what}`,
        () => ({ method: 'DELETE', path: w.path, headers: { ...base, 'mcp-session-id': foreign.id } }),
        { mustRefuse: true },
      ],
      [
        'DELETE without a session',
        () => ({ method: 'DELETE', path: w.path, headers: withHeader(base, 'mcp-session-id', undefined) }),
        { mustRefuse: true },
      ],
      ['POST to an uppercase path', () => onPath(w.path.toUpperCase())],
      ['POST to a trailing slash', () => onPath(`${w.path}/`)],
      ['POST with a query of odd bytes', () => onPath(`${w.path}?x=%00&y=%ED%A0%80&z=${'%FF'.repeat(500)}`)],
      ['POST to a dot segment', () => onPath(`${w.path}/../${w.path.split('/').pop()}`)],
      ['POST to an encoded slash', () => onPath(`${w.path}%2F`)],
      ['POST to a double slash', () => onPath(`/${w.path}`)],
      ['POST to an extra segment', () => onPath(`${w.path}/sse/extra`)],
      ['POST to a 10 kB path', () => onPath(`${w.path}/${'a'.repeat(10_000)}`)],
    ];
    const [what, make, extra] = next(variants);
    return { transport: 'streamable', generator: 'HTTP methods', what, request: await make(), ...extra };
  };
};

export const statelessRequests: CaseGenerator = (rng, w, index) => {
  const headers = withHeader(
    { ...headersOf(w), 'mcp-protocol-version': '2026-07-28' },
    'mcp-session-id',
    undefined,
  );
  const method = rng.pick(['server/discover', 'tools/call', 'tools/list', 'ping', 'initialize']);
  const meta = rng.pick([
    () =>
      '{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}',
    () =>
      `{"io.modelcontextprotocol/protocolVersion":${rng.pick(['"2025-11-25"', '"2026-07-28"', '1', 'null'])},` +
      `"io.modelcontextprotocol/clientCapabilities":${rng.pick(['{}', '[]', 'null', '"x"', deepFragment(100, 'object')])}}`,
    () => '{"io.modelcontextprotocol/clientCapabilities":{"sampling":{}}}',
    () => rng.pick(['null', '[]', '"x"', '1', '{}']),
  ])();
  const params = `{"name":${JSON.stringify(w.names.echo)},"arguments":{"message":"stateless"},"_meta":${meta}}`;
  return {
    transport: 'streamable',
    generator: 'stateless requests',
    what: `${method} with _meta ${preview(meta, 60)}`,
    request: post(w, `{"jsonrpc":"2.0","id":${index},"method":"${method}","params":${params}}`, headers),
  };
};
