import { KeyObject, randomUUID, sign } from 'node:crypto';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import type { CryptoKey } from 'jose';
import { currentSigningKey } from './signing-keys.ts';

/**
 * Forwarded JWTs: what Toolgate sends a `jwt` ("Forwarded JWT") upstream as `Authorization:
 * Bearer` — a short-lived ES256 JWT about the caller, signed with the authorization server's
 * current key, so the upstream verifies it against Toolgate's JWKS. One set of claims for every
 * sender: the proxy (a caller's calls, with its own token cache) and the control plane
 * (discovery and health checks, one token each).
 */

/** Lifetime of a forwarded JWT (`exp` − `iat`); the documented maximum is 5 minutes. */
export const FORWARDED_JWT_TTL_SECONDS = 300;

/**
 * `sub` of the tokens Toolgate sends on its own behalf, when no person is acting (health checks).
 * It can be neither a user id (a UUID) nor an API token's `token:<id>`.
 */
export const DISCOVERY_SUBJECT = 'toolgate:discovery';

/** What an upstream receives: RFC 7519 claims plus the caller's tenant and teams. */
export interface ForwardedJwtClaims {
  iss: string;
  /** The user's id; for a caller without a user (an org API token), `token:<id>`; DISCOVERY_SUBJECT for Toolgate itself. */
  sub: string;
  /** The upstream's URL, exactly as configured on the registry entry. */
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  /** The user's address, for a caller who is a user (absent for organization and team tokens). */
  email?: string;
  /** The tenant the call is made in. */
  tid: string;
  /** Ids of the teams the caller acts for (sorted as the principal carries them). */
  teams: string[];
  /** Only on Toolgate's own tokens (`sub` DISCOVERY_SUBJECT): what they are for. */
  purpose?: 'discovery';
}

/** Who a forwarded JWT speaks for. */
export interface ForwardedJwtSubject {
  tenantId: string;
  /** See ForwardedJwtClaims.sub. */
  sub: string;
  email?: string;
  teamIds: readonly string[];
  purpose?: 'discovery';
}

/** Toolgate itself in a tenant: no user, no address, no teams, and a claim saying so. */
export const discoverySubject = (tenantId: string): ForwardedJwtSubject => ({
  tenantId,
  sub: DISCOVERY_SUBJECT,
  teamIds: [],
  purpose: 'discovery',
});

/** A signing key in the form `node:crypto` signs with (synchronously). */
export interface ForwardedJwtKey {
  kid: string;
  key: KeyObject;
}

export const forwardedJwtKey = (kid: string, privateKey: CryptoKey | KeyObject): ForwardedJwtKey => ({
  kid,
  key: privateKey instanceof KeyObject ? privateKey : KeyObject.from(privateKey),
});

/** The claims of a token for `subject`, addressed to `audience`, issued at `nowMs`. */
export function forwardedJwtClaims(
  issuer: string,
  audience: string,
  subject: ForwardedJwtSubject,
  nowMs: number,
): ForwardedJwtClaims {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: issuer,
    sub: subject.sub,
    aud: audience,
    iat,
    exp: iat + FORWARDED_JWT_TTL_SECONDS,
    jti: randomUUID(),
    ...(subject.email ? { email: subject.email } : {}),
    tid: subject.tenantId,
    teams: [...subject.teamIds],
    ...(subject.purpose ? { purpose: subject.purpose } : {}),
  };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The compact JWT: ES256 in JOSE's r‖s form, `typ` JWT, the key's `kid`. Synchronous. */
export function signForwardedJwt(claims: ForwardedJwtClaims, key: ForwardedJwtKey): string {
  const input = `${b64url({ alg: 'ES256', typ: 'JWT', kid: key.kid })}.${b64url(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export interface MintForwardedJwtOptions {
  issuer: string;
  audience: string;
  subject: ForwardedJwtSubject;
  now?: Date;
}

/**
 * One token now, with the authorization server's current key (read from Postgres, opened with
 * TOOLGATE_SECRET_KEYS): for senders that need one token per exchange, not a cache.
 */
export async function mintForwardedJwt(
  db: Database,
  ring: KeyRing,
  { issuer, audience, subject, now = new Date() }: MintForwardedJwtOptions,
): Promise<{ token: string; kid: string; claims: ForwardedJwtClaims }> {
  const current = await currentSigningKey(db, ring, now);
  const key = forwardedJwtKey(current.kid, current.privateKey);
  const claims = forwardedJwtClaims(issuer, audience, subject, now.getTime());
  return { token: signForwardedJwt(claims, key), kid: key.kid, claims };
}
