import { z } from 'zod';

export const ZStartConnectionRequest = z.object({
  registryEntryId: z.uuid(),
  scope: z.enum(['personal', 'team', 'org']).default('personal'),
  teamId: z.uuid().optional(),
  installationId: z.uuid().optional(),
});
export type StartConnectionRequest = z.input<typeof ZStartConnectionRequest>;

export const ZStartedConnection = z.object({
  authorizationUrl: z
    .url()
    .meta({ description: "Send the user here to consent at the server's authorization server" }),
  expiresAt: z.string().meta({ description: 'The sign-in must be completed before this time' }),
});

export const ZConnection = z.object({
  id: z.uuid(),
  installationId: z.uuid(),
  server: z.object({ registryEntryId: z.uuid(), slug: z.string(), name: z.string() }),
  scope: z.enum(['personal', 'team', 'org']),
  teamId: z.uuid().nullable(),
  userId: z.uuid().nullable().meta({ description: 'The owner of a personal connection' }),
  account: z.string().nullable().meta({ description: 'Who the server says the account is, when it tells' }),
  issuer: z.string(),
  scopes: z.array(z.string()),
  status: z.enum(['active', 'needs_reconnect']),
  connectedAt: z.string(),
  lastUsedAt: z.string().nullable(),
  lastRefreshedAt: z.string().nullable(),
  accessTokenExpiresAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type Connection = z.infer<typeof ZConnection>;
export const ZConnectionList = z.object({ connections: z.array(ZConnection) });

export const ZConnectionRemoval = z.object({
  id: z.uuid(),
  revokedAtServer: z.boolean().meta({ description: 'The server confirmed the revocation (RFC 7009)' }),
});

export const ZSetUpstreamClientRequest = z.strictObject({
  clientId: z.string().min(1).max(500),
  clientSecret: z.string().min(1).max(2000).optional(),
});
export type SetUpstreamClientRequest = z.output<typeof ZSetUpstreamClientRequest>;

export const ZUpstreamClient = z.object({
  issuer: z.string(),
  registration: z.enum(['cimd', 'dcr', 'manual']),
  clientId: z.string(),
  confidential: z.boolean().meta({ description: 'A client secret is stored (sealed); it is never returned' }),
  redirectUri: z.string().meta({ description: "Toolgate's callback: register it at the server" }),
});
export type UpstreamClient = z.infer<typeof ZUpstreamClient>;
