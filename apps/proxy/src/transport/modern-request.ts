import type { IncomingHttpHeaders } from 'node:http';
import type { ClientMessage, JsonRpcErrorObject } from '@toolgate/mcp/jsonrpc';
import { RPC } from '@toolgate/mcp/jsonrpc';
import { isStatelessVersion, isSupportedVersion, SUPPORTED_VERSIONS } from '@toolgate/mcp/protocol';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../dispatch/log-levels.ts';
import { firstHeader } from './http-util.ts';

/** The request `_meta` keys of the 2026-07-28 revision (basic/index, `_meta`). */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
} as const;

/** Methods whose `Mcp-Name` header mirrors a body field (streamable-http, Request Metadata). */
const NAME_SOURCE: Record<string, 'name' | 'uri' | 'taskId'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/result': 'taskId',
  'tasks/cancel': 'taskId',
  'tasks/update': 'taskId',
};

export type ModernCheck =
  /** Not a 2026-07-28 message: the session-based revisions handle it. */
  | { era: 'stateful' }
  | { era: 'modern'; clientCapabilities: Record<string, unknown>; logLevel?: LogLevel; clientName?: string }
  | { era: 'modern'; status: number; error: JsonRpcErrorObject };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const refuse = (code: number, message: string, data?: unknown): ModernCheck => ({
  era: 'modern',
  status: 400,
  error: { code, message, ...(data === undefined ? {} : { data }) },
});

const mismatch = (message: string, header: string) =>
  refuse(RPC.HEADER_MISMATCH, `Header mismatch: ${message}`, { mismatch: { header } });

/** `=?base64?…?=` carries values that are not plain ASCII; undefined when malformed. */
function decodeHeaderValue(value: string): string | undefined {
  const sentinel = /^=\?base64\?(.*)\?=$/.exec(value);
  if (!sentinel) return value;
  const encoded = sentinel[1]!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/**
 * Which revision a POSTed message speaks, and for 2026-07-28 whether it is well formed: the era
 * comes from the body (`_meta` protocol version) with the MCP-Protocol-Version header as a
 * cross-check; a request must carry the required `_meta` fields and the standard headers
 * (MCP-Protocol-Version, Mcp-Method, and Mcp-Name where the method has a name), and the headers
 * must say what the body says, since routing and policy may read them.
 */
export function checkModernRequest(headers: IncomingHttpHeaders, message: ClientMessage): ModernCheck {
  const versionHeader = firstHeader(headers['mcp-protocol-version']);
  if (message.kind === 'response') {
    return versionHeader !== undefined && isStatelessVersion(versionHeader)
      ? { era: 'modern', clientCapabilities: {} }
      : { era: 'stateful' };
  }
  const params = message.message.params;
  const meta = params?._meta;
  const metaVersion = isObject(meta) ? meta[META.protocolVersion] : undefined;
  const headerModern = versionHeader !== undefined && isStatelessVersion(versionHeader);
  const bodyModern = typeof metaVersion === 'string' && !isStatefulVersion(metaVersion);
  if (!headerModern && !bodyModern) return { era: 'stateful' };

  if (typeof metaVersion === 'string' && !isSupportedVersion(metaVersion)) {
    return refuse(RPC.UNSUPPORTED_PROTOCOL_VERSION, 'Unsupported protocol version', {
      supported: [...SUPPORTED_VERSIONS],
      requested: metaVersion,
    });
  }
  if (message.kind === 'notification') return { era: 'modern', clientCapabilities: {} };

  const method = message.message.method;
  if (!isObject(meta) || metaVersion === undefined) {
    return refuse(
      RPC.INVALID_PARAMS,
      `Invalid _meta envelope for protocol revision 2026-07-28: ${META.protocolVersion}: missing`,
      { envelope: { key: META.protocolVersion, problem: 'missing' } },
    );
  }
  if (typeof metaVersion !== 'string') {
    return refuse(
      RPC.INVALID_PARAMS,
      `Invalid _meta envelope for protocol revision 2026-07-28: ${META.protocolVersion}: must be a string`,
      { envelope: { key: META.protocolVersion, problem: 'invalid' } },
    );
  }
  const capabilities = meta[META.clientCapabilities];
  if (!isObject(capabilities)) {
    const problem = capabilities === undefined ? 'missing' : 'invalid';
    return refuse(
      RPC.INVALID_PARAMS,
      `Invalid _meta envelope for protocol revision 2026-07-28: ${META.clientCapabilities}: ${problem === 'missing' ? 'missing' : 'must be an object'}`,
      { envelope: { key: META.clientCapabilities, problem } },
    );
  }
  const clientInfo = meta[META.clientInfo];
  if (clientInfo !== undefined && !isObject(clientInfo)) {
    return refuse(
      RPC.INVALID_PARAMS,
      `Invalid _meta envelope for protocol revision 2026-07-28: ${META.clientInfo}: must be an object`,
      { envelope: { key: META.clientInfo, problem: 'invalid' } },
    );
  }

  const logLevel = meta[META.logLevel];
  if (logLevel !== undefined && !isLogLevel(logLevel)) {
    return refuse(
      RPC.INVALID_PARAMS,
      `Invalid _meta envelope for protocol revision 2026-07-28: ${META.logLevel}: must be one of ${LOG_LEVELS.join(', ')}`,
      { envelope: { key: META.logLevel, problem: 'invalid' } },
    );
  }

  if (versionHeader === undefined)
    return mismatch('the MCP-Protocol-Version header is absent', 'MCP-Protocol-Version');
  if (versionHeader !== metaVersion) {
    return mismatch(
      `MCP-Protocol-Version header value '${versionHeader}' does not match body value '${metaVersion}'`,
      'MCP-Protocol-Version',
    );
  }
  const methodHeader = firstHeader(headers['mcp-method']);
  if (methodHeader === undefined) return mismatch('the Mcp-Method header is absent', 'Mcp-Method');
  if (methodHeader !== method) {
    return mismatch(
      `Mcp-Method header value '${methodHeader}' does not match body value '${method}'`,
      'Mcp-Method',
    );
  }
  const source = NAME_SOURCE[method];
  if (source !== undefined) {
    const bodyName = params?.[source];
    const raw = firstHeader(headers['mcp-name']);
    if (raw === undefined) {
      return mismatch(`the Mcp-Name header is absent (the body carries params.${source})`, 'Mcp-Name');
    }
    const name = decodeHeaderValue(raw);
    if (name === undefined)
      return mismatch('the Mcp-Name header carries an invalid Base64 value', 'Mcp-Name');
    if (name !== bodyName) {
      return mismatch(
        `Mcp-Name header value '${name}' does not match body value '${String(bodyName)}'`,
        'Mcp-Name',
      );
    }
  }
  const clientName = (clientInfo as { name?: unknown } | undefined)?.name;
  return {
    era: 'modern',
    clientCapabilities: capabilities,
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(typeof clientName === 'string' && clientName ? { clientName } : {}),
  };
}

const isStatefulVersion = (v: string): boolean => isSupportedVersion(v) && !isStatelessVersion(v);
