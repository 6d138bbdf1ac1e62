import { hkdfSync } from 'node:crypto';
import { parseKeyRing } from '@toolgate/core/crypto';

const INFO = 'toolgate/web/nextauth-secret/v1';

/**
 * The secret next-auth signs and encrypts session cookies with: NEXTAUTH_SECRET when set, else
 * derived (HKDF-SHA256) from the primary TOOLGATE_SECRET_KEYS key, so a one-machine install needs
 * no extra configuration and every web replica sharing the key ring agrees. Putting a new key
 * first in the ring (rotation) therefore signs everyone out, which is the safe outcome.
 */
export function authSecret(env: { NEXTAUTH_SECRET?: string; TOOLGATE_SECRET_KEYS?: string }): string {
  if (env.NEXTAUTH_SECRET) return env.NEXTAUTH_SECRET;
  if (!env.TOOLGATE_SECRET_KEYS) throw new Error('NEXTAUTH_SECRET or TOOLGATE_SECRET_KEYS must be set');
  const ring = parseKeyRing(env.TOOLGATE_SECRET_KEYS);
  const key = ring.keys.get(ring.primaryId)!;
  return Buffer.from(hkdfSync('sha256', key, ring.primaryId, INFO, 32)).toString('base64url');
}
