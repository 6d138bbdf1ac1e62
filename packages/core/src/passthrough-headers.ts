/**
 * Client headers that are never forwarded to an upstream, whatever a gateway's allow-list says:
 * hop-by-hop headers, framing, the client's own credentials and the MCP session headers. The
 * proxy drops them; the control plane refuses them in an allow-list so the admin learns early.
 */
export const NEVER_FORWARDED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'authorization',
  'cookie',
  'mcp-session-id',
  'mcp-protocol-version',
]);
