/**
 * Which callers an installation's canary serves: `percent` of them, chosen by a hash of the
 * installation and the caller, so a caller stays on one variant for as long as the canary runs
 * (no state shared between proxy replicas) and each installation's canary gets a different slice
 * of callers.
 */
export function inCanary(installationId: string, principalId: string, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return splitBucket(installationId, principalId) < percent;
}

/** 0–99: the caller's bucket for this installation (FNV-1a over both ids, then a final mix). */
export function splitBucket(installationId: string, principalId: string): number {
  let h = 0x811c9dc5;
  h = fnv(h, installationId);
  h = fnv(h, '\u0000'); // a separator, so ("ab", "c") and ("a", "bc") differ
  h = fnv(h, principalId);
  // FNV's low bits are weak for short, similar inputs (caller ids differ in a few characters):
  // murmur3's finaliser spreads every input bit over the result before the modulo.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 100;
}

function fnv(seed: number, text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
