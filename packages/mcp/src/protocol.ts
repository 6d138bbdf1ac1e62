/**
 * Protocol revisions the gateway serves side by side. Up to 2025-11-25 a session starts with
 * `initialize`; 2026-07-28 is stateless: every request carries its version and client details in
 * `_meta`, and `server/discover` replaces the handshake.
 */
export const STATEFUL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export const STATELESS_VERSIONS = ['2026-07-28'] as const;
export const SUPPORTED_VERSIONS = [...STATELESS_VERSIONS, ...STATEFUL_VERSIONS] as const;
export type ProtocolVersion = (typeof SUPPORTED_VERSIONS)[number];

export const LATEST_STATEFUL_VERSION: ProtocolVersion = '2025-11-25';
/** Assumed when a client sends no MCP-Protocol-Version header (spec: backwards compatibility). */
export const DEFAULT_HEADERLESS_VERSION: ProtocolVersion = '2025-03-26';

export const isSupportedVersion = (v: unknown): v is ProtocolVersion =>
  typeof v === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(v);

export const isStatelessVersion = (v: string): boolean =>
  (STATELESS_VERSIONS as readonly string[]).includes(v);

/**
 * initialize: answer with the client's version when we support it (as a stateful version),
 * else our latest stateful version; the client decides whether it can continue.
 */
export function negotiateVersion(requested: unknown): ProtocolVersion {
  if (isSupportedVersion(requested) && !isStatelessVersion(requested)) return requested;
  return LATEST_STATEFUL_VERSION;
}

/**
 * The HTTP+SSE transport of 2024-11-05, served only on a gateway's legacy endpoints (`…/sse` and
 * `…/messages`); Streamable HTTP keeps refusing it. Legacy session ids carry it as their
 * protocolVersion: it names the transport, the session is stateful.
 */
export const LEGACY_SSE_VERSION = '2024-11-05';
export type LegacyProtocolVersion = typeof LEGACY_SSE_VERSION | (typeof STATEFUL_VERSIONS)[number];

/**
 * initialize over the legacy transport: the client's version when it is 2024-11-05 or one of our
 * stateful versions (newer SDKs keep the SSE transport but speak newer revisions), else
 * 2024-11-05, the revision a client of this transport most likely speaks.
 */
export function negotiateLegacyVersion(requested: unknown): LegacyProtocolVersion {
  if (requested === LEGACY_SSE_VERSION) return LEGACY_SSE_VERSION;
  if (isSupportedVersion(requested) && !isStatelessVersion(requested)) {
    return requested as (typeof STATEFUL_VERSIONS)[number];
  }
  return LEGACY_SSE_VERSION;
}
