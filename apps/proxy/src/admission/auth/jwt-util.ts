import { errors } from 'jose';
import type { AuthFailure } from './principal.ts';

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Syntactic only: three base64url segments (a compact JWS), the middle one a JSON object. */
export function isCompactJws(bearer: string): boolean {
  const parts = bearer.split('.');
  return (
    parts.length === 3 && parts.every((p, i) => (i === 2 ? p === '' || SEGMENT.test(p) : SEGMENT.test(p)))
  );
}

/**
 * The `iss` a compact JWS claims, NOT verified: only for choosing who verifies it. Undefined when
 * the payload is not a JSON object with a string `iss`.
 */
export function unverifiedIssuer(bearer: string): string | undefined {
  const payload = bearer.split('.', 2)[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    const iss = (claims as { iss?: unknown } | null)?.iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** How a failed `jwtVerify` is reported; anything that is not the token's fault is 'unavailable'. */
export function verifyFailure(err: unknown): AuthFailure {
  if (err instanceof errors.JWTExpired) return 'expired';
  // The key set could not be had: the issuer's problem (or ours), not the caller's.
  if (err instanceof errors.JWKSInvalid || err instanceof errors.JWKSTimeout) return 'unavailable';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'wrong_issuer';
    if (err.claim === 'aud') return 'wrong_audience';
    return 'malformed';
  }
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys
  )
    return 'unknown';
  if (err instanceof errors.JOSEError) return 'malformed';
  return 'unavailable';
}
