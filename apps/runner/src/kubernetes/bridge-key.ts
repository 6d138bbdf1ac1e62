import { createHmac } from 'node:crypto';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Variant } from './names.ts';

const LABEL = 'toolgate:bridge-key:v1';

/**
 * The bearer a server's bridge pod asks of the runner: derived from the primary key of the key
 * ring per installation and variant, kept in that installation's Secret only. A key rotation
 * changes it, which changes the Secret and rolls the pod (its template carries the Secret's hash).
 */
export function bridgeKey(ring: KeyRing, installationId: string, variant: Variant): string {
  return createHmac('sha256', ring.keys.get(ring.primaryId)!)
    .update(`${LABEL}\0${installationId}\0${variant}`)
    .digest('base64url');
}
