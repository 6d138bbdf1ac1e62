import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeyRing } from './crypto.ts';

/**
 * How proxies prove themselves to runners (apps/runner): a bearer key derived from the secret key
 * ring (TOOLGATE_SECRET_KEYS), which every proxy and runner of a deployment share and no client
 * ever holds. Derived per key of the ring, so a rotation keeps working: proxies send the primary
 * key's derivation; runners accept any key's.
 */
const LABEL = 'toolgate:runner-key:v1';

const derive = (key: Buffer): string => createHmac('sha256', key).update(LABEL).digest('base64url');

/** The `Authorization: Bearer …` value a proxy sends a runner. */
export function runnerKey(ring: KeyRing): string {
  return derive(ring.keys.get(ring.primaryId)!);
}

/** Whether `presented` (the bearer value) is the runner key of some key of the ring. */
export function isRunnerKey(ring: KeyRing, presented: string | undefined): boolean {
  if (!presented) return false;
  const given = Buffer.from(presented);
  for (const key of ring.keys.values()) {
    const expected = Buffer.from(derive(key));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
  }
  return false;
}
