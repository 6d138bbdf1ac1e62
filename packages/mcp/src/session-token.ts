import { randomBytes } from 'node:crypto';
import { open, seal, type KeyRing } from '@toolgate/core/crypto';

/**
 * MCP session ids are sealed (AES-256-GCM) claims, so any proxy replica can serve any request
 * of any session without shared state or sticky routing. The tenant and gateway ids are also the
 * additional authenticated data, so a session id minted for one gateway cannot be replayed on
 * another even before its claims are compared.
 */
export interface SessionClaims {
  /** Random id: the handle for revocation (DELETE) and logs. */
  sid: string;
  tenantId: string;
  gatewayId: string;
  /** The authenticated principal the session is bound to, e.g. "token:<id>" or "user:<id>". */
  principal: string;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: { name: string; version: string };
  /** Unix seconds. */
  issuedAt: number;
  expiresAt: number;
}

export const DEFAULT_SESSION_TTL_SECONDS = 24 * 3600;

const aadFor = (tenantId: string, gatewayId: string) => `mcp-session:${tenantId}:${gatewayId}`;

export function issueSession(
  ring: KeyRing,
  claims: Omit<SessionClaims, 'sid' | 'issuedAt' | 'expiresAt'>,
  ttlSeconds = DEFAULT_SESSION_TTL_SECONDS,
  now = Date.now(),
): { id: string; claims: SessionClaims } {
  const issuedAt = Math.floor(now / 1000);
  const full: SessionClaims = {
    ...claims,
    sid: randomBytes(12).toString('base64url'),
    issuedAt,
    expiresAt: issuedAt + ttlSeconds,
  };
  return { id: seal(ring, JSON.stringify(full), aadFor(claims.tenantId, claims.gatewayId)), claims: full };
}

export type SessionCheck =
  { ok: true; claims: SessionClaims } | { ok: false; reason: 'malformed' | 'expired' | 'wrong-gateway' };

/** Opens a session id presented on a gateway; never throws for client-supplied garbage. */
export function openSession(
  ring: KeyRing,
  sessionId: string,
  expected: { tenantId: string; gatewayId: string },
  now = Date.now(),
): SessionCheck {
  if (sessionId.length > 8_192) return { ok: false, reason: 'malformed' };
  let claims: SessionClaims;
  try {
    claims = JSON.parse(
      open(ring, sessionId, aadFor(expected.tenantId, expected.gatewayId)).toString('utf8'),
    ) as SessionClaims;
  } catch {
    // Wrong gateway fails authentication exactly like tampering; we cannot tell them apart.
    return { ok: false, reason: 'malformed' };
  }
  if (claims.tenantId !== expected.tenantId || claims.gatewayId !== expected.gatewayId) {
    return { ok: false, reason: 'wrong-gateway' };
  }
  if (claims.expiresAt * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
