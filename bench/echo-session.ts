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
