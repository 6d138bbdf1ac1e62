import { randomUUID } from 'node:crypto';
import type { Bus } from '@toolgate/bus';
import { ALL_TENANTS } from '@toolgate/core/config-change';
import { openString, seal, type KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import { oauthSigningKeys } from '@toolgate/db/schema';
import { desc, gt, isNull, or } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { recordAndDeliver } from './config-delivery.ts';
import {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_TTL_SECONDS,
  ACCESS_TOKEN_TYP,
  CLOCK_SKEW_SECONDS,
  signingKeyRevocationId,
  type AccessTokenClaims,
} from './constants.ts';

/** A signing key is replaced after this long; the old one keeps verifying until its tokens expire. */
export const SIGNING_KEY_ROTATION_MS = 30 * 24 * 3600 * 1000;
const AAD = 'oauth-signing-key';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  createdAt: Date;
}

/** Private keys opened once per process (kid → key); the database row is the source of truth. */
const opened = new Map<string, CryptoKey>();

async function openKey(ring: KeyRing, kid: string, sealed: string): Promise<CryptoKey> {
  let key = opened.get(kid);
  if (!key) {
    const jwk = JSON.parse(openString(ring, sealed, `${AAD}:${kid}`)) as JWK;
    key = (await importJWK(jwk, ACCESS_TOKEN_ALG)) as CryptoKey;
    opened.set(kid, key);
  }
  return key;
}

/**
 * Creates a new signing key and retires the previous ones: they stay in the JWKS until their
 * tokens expire — or, with `dropPrevious` (a key no longer trusted), leave it at once; their kids
 * come back in `dropped` for revokeSigningKeys, which makes proxies refuse what they signed.
 */
export async function rotateSigningKey(
  db: Database,
  ring: KeyRing,
  now = new Date(),
  { dropPrevious = false }: { dropPrevious?: boolean } = {},
): Promise<SigningKey & { dropped: string[] }> {
  const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN_ALG, use: 'sig' };
  const sealedPrivateJwk = seal(ring, JSON.stringify(await exportJWK(privateKey)), `${AAD}:${kid}`);
  const retiredUntil = new Date(now.getTime() + (ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000);
  const dropped = await db.transaction(async (tx) => {
    await tx
      .update(oauthSigningKeys)
      .set({ retiredAt: now, expiresAt: retiredUntil })
      .where(isNull(oauthSigningKeys.retiredAt));
    const gone = dropPrevious
      ? await tx
          .update(oauthSigningKeys)
          .set({ expiresAt: now })
          .where(gt(oauthSigningKeys.expiresAt, now))
          .returning({ kid: oauthSigningKeys.kid })
      : [];
    await tx.insert(oauthSigningKeys).values({ kid, publicJwk, sealedPrivateJwk, createdAt: now });
    return gone.map((k) => k.kid);
  });
  for (const gone of dropped) opened.delete(gone);
  opened.set(kid, privateKey);
  return { kid, privateKey, createdAt: now, dropped };
}

/** Tells every proxy to refuse, at once, the tokens the given keys signed (see rotateSigningKey). */
export async function revokeSigningKeys(db: Database, bus: Bus, kids: readonly string[]): Promise<void> {
  const expiresAt = Math.ceil(Date.now() / 1000) + ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS;
  await recordAndDeliver(
    db,
    bus,
    // Keys serve every tenant.
    kids.map((kid) => ({
      tenantId: ALL_TENANTS,
      reason: 'signing key dropped',
      revoked: { id: signingKeyRevocationId(kid), expiresAt },
    })),
  );
}

/** The key that signs now: the newest unretired one, created or rotated when missing or too old. */
export async function currentSigningKey(db: Database, ring: KeyRing, now = new Date()): Promise<SigningKey> {
  const [row] = await db
    .select()
    .from(oauthSigningKeys)
    .where(isNull(oauthSigningKeys.retiredAt))
    .orderBy(desc(oauthSigningKeys.createdAt))
    .limit(1);
  if (!row || now.getTime() - row.createdAt.getTime() > SIGNING_KEY_ROTATION_MS) {
    return rotateSigningKey(db, ring, now);
  }
  return {
    kid: row.kid,
    privateKey: await openKey(ring, row.kid, row.sealedPrivateJwk),
    createdAt: row.createdAt,
  };
}

/** The JWKS: the current key and retired keys whose tokens may still be live. */
export async function publicJwks(db: Database, now = new Date()): Promise<{ keys: JWK[] }> {
  const rows = await db
    .select({ publicJwk: oauthSigningKeys.publicJwk })
    .from(oauthSigningKeys)
    .where(or(isNull(oauthSigningKeys.expiresAt), gt(oauthSigningKeys.expiresAt, now)))
    .orderBy(desc(oauthSigningKeys.createdAt));
  return { keys: rows.map((r) => r.publicJwk as JWK) };
}

/** Signs an RFC 9068 access token with the current key. */
export async function signAccessToken(
  db: Database,
  ring: KeyRing,
  claims: Omit<AccessTokenClaims, 'iat' | 'exp'> & { ttlSeconds?: number },
  now = new Date(),
): Promise<{ token: string; expiresIn: number }> {
  const key = await currentSigningKey(db, ring, now);
  const { ttlSeconds = ACCESS_TOKEN_TTL_SECONDS, ...payload } = claims;
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ ...payload })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid: key.kid })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(key.privateKey);
  return { token, expiresIn: ttlSeconds };
}
