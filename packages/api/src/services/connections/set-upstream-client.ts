import { discoverUpstreamAuthorization, ensureUpstreamClient } from '@toolgate/auth/upstream-client';
import type { KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { requireAdmin, type Actor } from '../../actor.ts';
import { findUsableEntry } from '../../installation-access.ts';
import type { SetUpstreamClientRequest, UpstreamClient } from '../../schemas/connections.ts';
import { connectionUrls } from './connection-urls.ts';

/**
 * A client an admin registered by hand at a server's authorization server (one that accepts
 * neither Client ID Metadata Documents nor Dynamic Client Registration): its id and secret (sealed)
 * replace Toolgate's registration there. Owners and admins only; the entry must use OAuth. The
 * redirect URI to register at the server is Toolgate's callback, returned with the result.
 */
export async function setUpstreamClient(options: {
  db: Database;
  keys: KeyRing;
  tenantId: string;
  actor: Actor;
  registryEntryId: string;
  input: SetUpstreamClientRequest;
  publicWebUrl: string;
  allowPrivate: boolean;
}): Promise<UpstreamClient> {
  const { db, tenantId, actor, input } = options;
  requireAdmin(actor, "set a server's OAuth client");
  const entry = await findUsableEntry(db, tenantId, options.registryEntryId);
  if (entry.authKind !== 'oauth' || !entry.url)
    throw new AppError('INVALID', `${entry.name} does not use OAuth: it has no OAuth client to set`);
  const http = { allowPrivate: options.allowPrivate };
  const found = await discoverUpstreamAuthorization(entry.url, http, {
    ...(entry.authConfig.authorizationServer ? { issuer: entry.authConfig.authorizationServer } : {}),
  });
  const urls = connectionUrls(options.publicWebUrl);
  const row = await ensureUpstreamClient({
    db,
    keys: options.keys,
    tenantId,
    registryEntryId: entry.id,
    server: found.server,
    redirectUri: urls.callback,
    manual: { clientId: input.clientId, ...(input.clientSecret ? { clientSecret: input.clientSecret } : {}) },
    http,
  });
  return {
    issuer: row.issuer,
    registration: row.registration,
    clientId: row.clientId,
    confidential: row.clientSecretSealed !== null,
    redirectUri: urls.callback,
  };
}
