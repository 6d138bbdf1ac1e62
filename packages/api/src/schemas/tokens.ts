import { TOKEN_CAPABILITIES, TOKEN_SCOPES } from '@toolgate/db/schema';
import { z } from 'zod';
import { ZId, ZTimestamp, ZName } from './common.ts';

export const ZCreateApiTokenRequest = z
  .strictObject({
    name: ZName,
    /**
     * user: acts as the caller (anyone); org tokens are for owners and admins, a team's tokens
     * also for the team's maintainers.
     */
    scope: z.enum(TOKEN_SCOPES).default('user'),
    teamId: ZId.optional(),
    /** mcp: call gateways; admin: use this REST API. */
    capabilities: z
      .array(z.enum(TOKEN_CAPABILITIES))
      .min(1, 'a token needs at least one capability')
      .default(['mcp'])
      .transform((c) => [...new Set(c)]),
    /** Absent or null: the token does not expire. */
    expiresAt: ZTimestamp.nullable().default(null),
    /**
     * Gateways the token may call. Absent or null: every gateway its scope allows. Elsewhere the
     * proxy refuses it exactly like an unknown token.
     */
    gatewayIds: z
      .array(ZId)
      .min(1, 'name at least one gateway, or leave gatewayIds out for all')
      .max(100)
      .transform((ids) => [...new Set(ids)])
      .nullable()
      .default(null),
  })
  .superRefine((input, ctx) => {
    if (input.scope === 'team' && !input.teamId)
      ctx.addIssue({ code: 'custom', path: ['teamId'], message: 'a team token needs teamId' });
    if (input.scope !== 'team' && input.teamId)
      ctx.addIssue({ code: 'custom', path: ['teamId'], message: `a ${input.scope} token takes no teamId` });
  });
export type CreateApiTokenRequest = z.input<typeof ZCreateApiTokenRequest>;

export const ZApiToken = z.object({
  id: ZId,
  name: z.string(),
  /** The token's first characters, to recognise it; never enough to use it. */
  displayPrefix: z.string(),
  scope: z.enum(TOKEN_SCOPES),
  userId: ZId.nullable(),
  teamId: ZId.nullable(),
  capabilities: z.array(z.enum(TOKEN_CAPABILITIES)),
  /** Null: every gateway the token's scope allows. */
  gatewayIds: z.array(ZId).nullable(),
  createdBy: ZId.nullable(),
  createdAt: ZTimestamp,
  expiresAt: ZTimestamp.nullable(),
  revokedAt: ZTimestamp.nullable(),
  lastUsedAt: ZTimestamp.nullable(),
});
export type ApiToken = z.infer<typeof ZApiToken>;

export const ZApiTokenList = z.object({ tokens: z.array(ZApiToken) });

/** The plaintext `token` is in this answer only; it is stored hashed. */
export const ZCreatedApiToken = ZApiToken.extend({ token: z.string() });
export type CreatedApiToken = z.infer<typeof ZCreatedApiToken>;
