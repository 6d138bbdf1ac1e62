import { TtlLru } from '@toolgate/core/lru';
import { oauthClients } from '@toolgate/db/schema';
import { GuardedGetError, guardedGet } from '@toolgate/net/guarded-get';
import { eq } from 'drizzle-orm';
import { validateClientMetadata, type ClientMetadata } from './client-metadata.ts';
import type { OAuthClient } from './clients.ts';
import { nowOf, type AuthServerDeps } from './deps.ts';
import { OAuthError } from './errors.ts';
import { countMetadataFetch } from './rate-limits.ts';

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, as MCP 2025-11-25
 * uses them): the client_id is an https URL whose document describes the client. Fetched
 * through the SSRF guard with no redirects, a 5 s deadline and a 5 KB limit; cached per
 * Cache-Control; failures are never cached.
 */
export const CIMD_TIMEOUT_MS = 5_000;
export const CIMD_MAX_BYTES = 5 * 1024;
export const CIMD_DEFAULT_TTL_SECONDS = 5 * 60;
export const CIMD_MAX_TTL_SECONDS = 24 * 3600;

interface CachedDocument {
  meta: ClientMetadata;
  raw: Record<string, unknown>;
}

/** Validated documents by client_id URL, in this process. */
export class CimdCache {
  readonly entries = new TtlLru<string, CachedDocument>(1_000, CIMD_DEFAULT_TTL_SECONDS * 1000);
}
const processCache = new CimdCache();

/** A client_id in the CIMD style: an https URL (anything else with a scheme is refused later). */
export const isCimdClientId = (clientId: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(clientId);

const refuse = (clientId: string, why: string) =>
  new OAuthError('invalid_client', `client metadata document ${clientId}: ${why}`);

function checkClientIdUrl(clientId: string): URL {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw refuse(clientId, 'client_id is not a URL');
  }
  if (url.protocol !== 'https:') throw refuse(clientId, 'client_id must be an https URL');
  if (url.username || url.password) throw refuse(clientId, 'client_id must not contain credentials');
  if (clientId.includes('#')) throw refuse(clientId, 'client_id must not contain a fragment');
  if (url.pathname === '/' || url.pathname === '') throw refuse(clientId, 'client_id must have a path');
  if (/\/\.{1,2}(\/|$)/.test(clientId.split('?')[0]!.slice(url.origin.length))) {
    throw refuse(clientId, 'client_id must not contain dot segments');
  }
  return url;
}

/** Seconds the document may be cached; 0 = not at all. */
export function cacheSeconds(cacheControl: string | undefined): number {
  if (!cacheControl) return CIMD_DEFAULT_TTL_SECONDS;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache' || d === 'private')) return 0;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  if (!maxAge) return CIMD_DEFAULT_TTL_SECONDS;
  const seconds = Number(maxAge.slice('max-age='.length));
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.min(Math.floor(seconds), CIMD_MAX_TTL_SECONDS);
}

async function fetchDocument(
  deps: AuthServerDeps,
  clientId: string,
): Promise<{ doc: CachedDocument; ttl: number }> {
  const url = checkClientIdUrl(clientId);
  let answer;
  try {
    answer = await guardedGet(url, {
      allowPrivate: deps.allowPrivate,
      timeoutMs: CIMD_TIMEOUT_MS,
      maxBytes: CIMD_MAX_BYTES,
      headers: { accept: 'application/json' },
      ...(deps.cimdCa ? { ca: deps.cimdCa } : {}),
    });
  } catch (err) {
    const why = err instanceof GuardedGetError ? err.message : 'could not be fetched';
    deps.log?.info({ clientId, err: (err as Error).message }, 'client metadata document fetch failed');
    throw refuse(clientId, why);
  }
  if (answer.status >= 300 && answer.status < 400) throw refuse(clientId, 'redirects are not followed');
  if (answer.status !== 200) throw refuse(clientId, `answered HTTP ${answer.status}`);
  let raw: unknown;
  try {
    raw = JSON.parse(answer.body);
  } catch {
    throw refuse(clientId, 'is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw refuse(clientId, 'is not a JSON object');
  const doc = raw as Record<string, unknown>;
  if (doc.client_id !== clientId)
    throw refuse(clientId, 'its client_id does not equal the URL it was fetched from');
  const method = doc.token_endpoint_auth_method;
  if (method !== undefined && method !== 'none') {
    throw refuse(
      clientId,
      method === 'private_key_jwt'
        ? 'private_key_jwt is not supported; use token_endpoint_auth_method none'
        : 'token_endpoint_auth_method must be none (a published document cannot hold a secret)',
    );
  }
  if ('client_secret' in doc || 'client_secret_expires_at' in doc) {
    throw refuse(clientId, 'must not contain a client secret');
  }
  let meta: ClientMetadata;
  try {
    meta = validateClientMetadata(doc, { confidentialAllowed: false });
  } catch (err) {
    throw refuse(clientId, (err as OAuthError).description);
  }
  const cacheControl = answer.headers['cache-control'];
  return {
    doc: { meta, raw: doc },
    ttl: cacheSeconds(Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl),
  };
}

async function upsertCimdClient(
  deps: AuthServerDeps,
  clientId: string,
  doc: CachedDocument,
): Promise<OAuthClient> {
  const now = nowOf(deps);
  const values = {
    name: doc.meta.clientName ?? new URL(clientId).host,
    redirectUris: doc.meta.redirectUris,
    grantTypes: doc.meta.grantTypes,
    tokenEndpointAuthMethod: 'none' as const,
    clientSecretHash: null,
    clientUri: doc.meta.clientUri ?? null,
    logoUri: doc.meta.logoUri ?? null,
    metadata: doc.raw,
    updatedAt: now,
  };
  const [row] = await deps.db
    .insert(oauthClients)
    .values({ clientId, kind: 'cimd', ...values, createdAt: now })
    .onConflictDoUpdate({
      target: oauthClients.clientId,
      set: values,
      setWhere: eq(oauthClients.kind, 'cimd'),
    })
    .returning();
  if (!row) throw refuse(clientId, 'collides with a registered client');
  return row;
}

/**
 * The client a metadata-document client_id names: from the cache (the stored row), else fetched,
 * validated and saved as an oauth_clients row of kind 'cimd' so grants can reference it.
 */
export async function resolveCimdClient(
  deps: AuthServerDeps,
  clientId: string,
  /** Who asked (a client address), for the fetch allowance; unknown callers share one. */
  requester = 'unknown',
): Promise<OAuthClient> {
  const cache = (deps.cimdCache ?? processCache).entries;
  const nowMs = nowOf(deps).getTime();
  const cached = cache.get(clientId, nowMs);
  if (cached) {
    const [row] = await deps.db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
    if (row?.kind === 'cimd') return row;
    return upsertCimdClient(deps, clientId, cached);
  }
  await countMetadataFetch(deps, requester);
  const { doc, ttl } = await fetchDocument(deps, clientId);
  const row = await upsertCimdClient(deps, clientId, doc);
  if (ttl > 0) cache.set(clientId, doc, ttl * 1000, nowMs);
  return row;
}
