import type { IncomingMessage } from 'node:http';
import type { KeyRing } from '@toolgate/core/crypto';
import { isRunnerKey } from '@toolgate/core/runner-auth';

/**
 * Whether the request carries the runner key of this deployment's key ring. Only proxies hold
 * it; client tokens (API tokens, OAuth JWTs) never match, whatever they are.
 */
export function hasRunnerKey(req: IncomingMessage, ring: KeyRing): boolean {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header.trim()) : null;
  return isRunnerKey(ring, match?.[1]);
}
