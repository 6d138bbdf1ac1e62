/**
 * One MCP session able to call the `echo` tool. Implementations are deliberately lean (raw
 * node:http or a pipe, no SDK): the load generator shares two cores with the gateway and the
 * upstream, and every microsecond it spends is taken from them.
 */
export interface EchoSession {
  /** One `tools/call` of echo; resolves once the matching answer arrived and checked out. */
  echo(): Promise<void>;
  /** A JSON-RPC request that must succeed (setup only: tools/list and the like). */
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * A JSON-RPC request whose answer is returned as received, unparsed (large listings: parsing
   * 300 KB of JSON would cost the client more than the call it measures). Not checked.
   */
  rawRequest(method: string, params?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export const PROTOCOL_VERSION = '2025-11-25';
export const ECHO_MESSAGE = 'bench';
const EXPECTED_TEXT = `"Echo: ${ECHO_MESSAGE}"`;

/** No sampling/elicitation/roots and no progress token: the gateway then answers plain JSON. */
export const INITIALIZE_PARAMS = {
  protocolVersion: PROTOCOL_VERSION,
  capabilities: {},
  clientInfo: { name: 'toolgate-bench', version: '1.0.0' },
};

export const echoRequest = (id: number, tool: string): string =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":${JSON.stringify(tool)},"arguments":{"message":"${ECHO_MESSAGE}"}}}`;

export class CallError extends Error {}

/**
 * Checks an echo answer without a full walk of the result: it must be the response to `id`
 * (raw text, already parsed by the caller) and carry the echoed text and no error.
 */
export function checkEcho(message: Record<string, unknown>, raw: string): void {
  if (message.error !== undefined) throw new CallError(`echo failed: ${JSON.stringify(message.error)}`);
  if (!raw.includes(EXPECTED_TEXT)) throw new CallError(`unexpected echo answer: ${raw.slice(0, 300)}`);
}

export interface JsonRpcReply {
  id?: unknown;
  result?: unknown;
  error?: unknown;
  method?: string;
}

/** Unwraps a JSON-RPC answer, throwing on an error response. */
export function resultOf(message: JsonRpcReply, method: string): Record<string, unknown> {
  if (message.error !== undefined) throw new CallError(`${method} failed: ${JSON.stringify(message.error)}`);
  if (typeof message.result !== 'object' || message.result === null)
    throw new CallError(`${method}: answer without a result`);
  return message.result as Record<string, unknown>;
}

/** Messages at least this long are routed by an id read off their ends instead of a full parse. */
export const LARGE_MESSAGE_CHARS = 16 * 1024;
const TAIL_ID = /"id":(\d+)\}\s*$/;
const HEAD_ID = /^\{"jsonrpc":"2\.0","id":(\d+),/;

/**
 * The numeric id of a large JSON-RPC answer, read off its first or last few characters (the
 * SDKs write `{"result":…,"jsonrpc":"2.0","id":7}` or `{"jsonrpc":"2.0","id":7,"result":…}`);
 * parses the whole message only if neither matches.
 */
export function largeReplyId(raw: string): number | undefined {
  const match = TAIL_ID.exec(raw.slice(-48)) ?? HEAD_ID.exec(raw.slice(0, 48));
  if (match) return Number(match[1]);
  const message = JSON.parse(raw) as JsonRpcReply;
  return message.method === undefined && typeof message.id === 'number' ? message.id : undefined;
}

const NEXT_CURSOR = /"nextCursor":"([^"]+)"/;

export interface Listing {
  pages: number;
  /** Characters of all pages: the same on every walk of an unchanged catalog. */
  chars: number;
}

/** One full `tools/list` walk, page after page, without parsing the pages. */
export async function listAllTools(session: EchoSession): Promise<Listing> {
  let cursor: string | undefined;
  let pages = 0;
  let chars = 0;
  do {
    const raw = await session.rawRequest('tools/list', cursor === undefined ? undefined : { cursor });
    pages++;
    chars += raw.length;
    cursor = NEXT_CURSOR.exec(raw)?.[1];
  } while (cursor !== undefined && pages < 1_000);
  return { pages, chars };
}

/** A full walk, parsed and checked: the names listed, in order. */
export async function listToolNames(session: EchoSession): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const result = await session.request('tools/list', cursor === undefined ? undefined : { cursor });
    const tools = result.tools as { name: string }[] | undefined;
    if (!Array.isArray(tools)) throw new CallError(`tools/list answered without tools`);
    names.push(...tools.map((t) => t.name));
    cursor =
      typeof result.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
  } while (cursor !== undefined);
  return names;
}
