import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair (RFC 7636, S256) and an unguessable `state`, for one authorization. */
export function newAuthorizationSecrets(): { state: string; verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return {
    state: randomBytes(24).toString('base64url'),
    verifier,
    challenge: createHash('sha256').update(verifier).digest('base64url'),
  };
}

/** `state` is stored hashed: a database reader cannot complete someone's authorization. */
export const stateHash = (state: string): string => createHash('sha256').update(state).digest('hex');
