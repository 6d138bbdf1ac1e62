import type { FuzzRequest } from './fuzz-client.ts';
import type { Rng } from './fuzz-kit.ts';
import type { GatewayNames } from './mcp-fuzz-bodies.ts';

/** What the fuzzer knows about the proxy under test: one gateway, its credentials and sessions. */
export interface FuzzWorld {
  names: GatewayNames;
  /** `/mcp/{tenant}/{gateway}` of the gateway under test. */
  path: string;
  /** Toolgate's OAuth issuer: forged JWTs naming it reach signature verification. */
  issuer: string;
  token: string;
  /** Another org token of the tenant: a valid caller, but not the one sessions are bound to. */
  memberToken: string;
  otherTenantToken: string;
  revokedToken: string;
  noMcpToken: string;
  /** Well-formed (checksum and all) but never issued. */
  unknownToken: string;
  /** A Streamable HTTP session of `token` on this gateway, used by every case. */
  session: string;
  /** Another session of `token`, declaring sampling: calls that make the upstream ask the client. */
  samplingSession: string;
  /** Session ids that must not open here: another gateway's, another principal's, deleted, legacy. */
  foreignSessions: { what: string; id: string }[];
  /** The legacy stream's session, open for the whole run. */
  legacySession: string;
  /** Legacy session ids posts must not reach: closed, another gateway's, another principal's, Streamable. */
  foreignLegacySessions: { what: string; id: string }[];
  /** A new Streamable session of `token` (for DELETE). */
  freshSession(): Promise<string>;
}

export interface FuzzCase {
  transport: 'streamable' | 'legacy';
  generator: string;
  what: string;
  request: FuzzRequest;
  /**
   * Serving it would be a defect (forged or tampered credentials, another gateway's session): the
   * answer must be a 4xx or a JSON-RPC error.
   */
  mustRefuse?: boolean;
  /** A GET that may rightly open an event stream. */
  mayStream?: boolean;
  /**
   * The connection may close without an answer: Node's HTTP server does that itself for CONNECT
   * when no `connect` listener is installed (the proxy installs none); no proxy code runs.
   */
  mayDrop?: boolean;
  /**
   * The request answers a question the upstream asks during a call (sampling): the runner starts
   * such a call first, then sends this with `{id}` in the body replaced by the question's id.
   */
  answersServerRequest?: boolean;
}

export type CaseGenerator = (rng: Rng, world: FuzzWorld, index: number) => FuzzCase | Promise<FuzzCase>;

export const headersOf = (w: FuzzWorld): Record<string, string> => ({
  authorization: `Bearer ${w.token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-session-id': w.session,
  'mcp-protocol-version': '2025-11-25',
});

/** `headers` with one header set, or removed when `value` is undefined. */
export function withHeader(headers: Record<string, string>, name: string, value: string | undefined) {
  const copy = { ...headers };
  delete copy[name];
  if (value !== undefined) copy[name] = value;
  return copy;
}

export const echo = (w: FuzzWorld, id: string | number) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: w.names.echo, arguments: { message: `fuzz ${id}` } },
  });

export const post = (w: FuzzWorld, body: string | Buffer, headers = headersOf(w)): FuzzRequest => ({
  method: 'POST',
  path: w.path,
  headers,
  body,
});

/** A raw request; `{host}` is filled in, and the connection closes after the answer. */
export const raw = (head: string, headerLines: string[], body = ''): string =>
  `${head}\r\nhost: {host}\r\nconnection: close\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n${body}`;

export const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export const messagesPath = (w: FuzzWorld, query: string) => `${w.path}/messages${query}`;

export const legacyHeaders = (w: FuzzWorld): Record<string, string> => ({
  authorization: `Bearer ${w.token}`,
  'content-type': 'application/json',
});
