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

/** The ring's runner keys, derived once per ring (every runner request checks them). */
const derived = new WeakMap<KeyRing, Buffer[]>();
function runnerKeysOf(ring: KeyRing): Buffer[] {
  let keys = derived.get(ring);
  if (!keys) derived.set(ring, (keys = [...ring.keys.values()].map((key) => Buffer.from(derive(key)))));
  return keys;
}

/** The `Authorization: Bearer …` value a proxy sends a runner. */
export function runnerKey(ring: KeyRing): string {
  return derive(ring.keys.get(ring.primaryId)!);
}

/** Whether `presented` (the bearer value) is the runner key of some key of the ring. */
export function isRunnerKey(ring: KeyRing, presented: string | undefined): boolean {
  if (!presented) return false;
  const given = Buffer.from(presented);
  let found = false;
  // Every key compared, so the time taken does not say which one matched.
  for (const expected of runnerKeysOf(ring))
    if (expected.length === given.length && timingSafeEqual(expected, given)) found = true;
  return found;
}
