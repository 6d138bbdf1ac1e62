import { OAUTH_CLIENT_KINDS } from '@toolgate/db/schema';
import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';

/**
 * Why a redirect URI of a pre-registered client is refused, or undefined (OAuth 2.1 §2.3.1 and
 * RFC 8252): https; http on a loopback host (native apps); or a private-use scheme in reverse
 * domain form (`com.example.app:/callback`). No fragment, no credentials.
 */
export function redirectUriIssue(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.hash || value.includes('#')) return 'must not contain a fragment (#)';
  if (url.username || url.password) return 'must not contain credentials';
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'https') return undefined;
  if (scheme === 'http')
    return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
      ? undefined
      : 'http is allowed for localhost only; use https';
  if (['javascript', 'data', 'file', 'vbscript', 'blob', 'about', 'ftp', 'ws', 'wss'].includes(scheme))
    return `the ${scheme}: scheme is not allowed`;
  return scheme.includes('.')
    ? undefined
    : 'use https, http://localhost or a reverse-domain scheme (com.example.app:/cb)';
}

export const ZRedirectUri = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .superRefine((value, ctx) => {
    const message = redirectUriIssue(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });

export const ZCreateOAuthClientRequest = z.strictObject({
  name: z.string().trim().min(1, 'enter a name').max(100),
  /** Matched exactly at the authorization endpoint. */
  redirectUris: z
    .array(ZRedirectUri)
    .min(1, 'enter at least one redirect URI')
    .max(20, 'at most 20 redirect URIs')
    .transform((uris) => [...new Set(uris)]),
  /** Confidential clients authenticate at the token endpoint with a secret shown once. */
  confidential: z.boolean().default(false),
});
export type CreateOAuthClientRequest = z.input<typeof ZCreateOAuthClientRequest>;

export const ZOAuthClient = z.object({
  id: ZId,
  /** What the client sends as `client_id`. */
  clientId: z.string(),
  name: z.string(),
  redirectUris: z.array(z.string()),
  confidential: z.boolean(),
  /** Grants not revoked, in this workspace. */
  activeGrants: z.number().int(),
  createdAt: ZTimestamp,
  lastUsedAt: ZTimestamp.nullable(),
});
export type OAuthClient = z.infer<typeof ZOAuthClient>;

export const ZCreatedOAuthClient = ZOAuthClient.extend({
  /** Confidential clients only; shown once, stored hashed. */
  clientSecret: z.string().nullable(),
});
export type CreatedOAuthClient = z.infer<typeof ZCreatedOAuthClient>;

export const ZDeletedOAuthClient = z.object({
  id: ZId,
  /** Grants removed with the client; their access tokens are refused at once. */
  revokedGrants: z.number().int(),
});
export type DeletedOAuthClient = z.infer<typeof ZDeletedOAuthClient>;

export const OAUTH_GRANT_STATUSES = ['active', 'revoked'] as const;

export const ZOAuthGrant = z.object({
  id: ZId,
  client: z.object({
    id: ZId,
    clientId: z.string(),
    name: z.string(),
    /** dcr: registered itself; cimd: a metadata document URL; preregistered: by an admin. */
    kind: z.enum(OAUTH_CLIENT_KINDS),
  }),
  user: z.object({ id: ZId, email: z.string(), name: z.string().nullable() }),
  scopes: z.array(z.string()),
  /** The approved gateways that still exist. */
  gateways: z.array(z.object({ id: ZId, slug: z.string(), name: z.string() })),
  status: z.enum(OAUTH_GRANT_STATUSES),
  createdAt: ZTimestamp,
  lastUsedAt: ZTimestamp.nullable(),
  revokedAt: ZTimestamp.nullable(),
});
export type OAuthGrant = z.infer<typeof ZOAuthGrant>;
