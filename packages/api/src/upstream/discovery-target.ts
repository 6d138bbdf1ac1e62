import { openString, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { installations, registryEntries } from '@toolgate/db/schema';
import type { UpstreamTarget } from '@toolgate/mcp/upstream';
import { buildUpstreamTarget, credentialsAad } from '@toolgate/mcp/upstream-target';
import { withForwardedJwt, type ControlPlaneCaller, type ForwardedJwtSigning } from './forwarded-jwt.ts';

export { credentialsAad };

/** The upstream target discovery uses: the same builder as the proxy, with a discovery key. */
export function discoveryTarget(
  entry: typeof registryEntries.$inferSelect,
  installation: Pick<typeof installations.$inferSelect, 'id' | 'tenantId' | 'config' | 'credentialsSealed'>,
  secretKeys: KeyRing | undefined,
): UpstreamTarget {
  if (entry.transport === 'builtin')
    throw new AppError('INVALID', `${entry.name} is built into Toolgate and has no upstream to connect to`);
  let secrets: Record<string, string> = {};
  if (installation.credentialsSealed) {
    if (!secretKeys) throw new AppError('UNAVAILABLE', 'This server has no secret keys configured');
    try {
      secrets = JSON.parse(
        openString(secretKeys, installation.credentialsSealed, credentialsAad(installation.id)),
      ) as Record<string, string>;
    } catch (err) {
      const reason = err instanceof AppError ? err.message : 'not JSON';
      throw new AppError('INVALID', `The stored credentials could not be opened (${reason}); install again`);
    }
  }
  const target = buildUpstreamTarget(
    `discovery:${installation.id}`,
    { ...entry, transport: entry.transport },
    installation,
    secrets,
  );
  return entry.transport === 'stdio'
    ? { ...target, runner: { tenantId: installation.tenantId, installationId: installation.id } }
    : target;
}

/**
 * discoveryTarget, as `as` would be sent it: a `jwt` (Forwarded JWT) server gets a token naming
 * them, as the proxy sends on their calls; other servers get the installation's credential alone.
 */
export async function signedDiscoveryTarget(
  entry: typeof registryEntries.$inferSelect,
  installation: Pick<typeof installations.$inferSelect, 'id' | 'tenantId' | 'config' | 'credentialsSealed'>,
  options: ForwardedJwtSigning & { db: Database; tenantId: string; as: ControlPlaneCaller },
): Promise<UpstreamTarget> {
  const target = discoveryTarget(entry, installation, options.secretKeys);
  return entry.authKind === 'jwt' ? withForwardedJwt(target, entry, options) : target;
}
