import { IDP_USER_CLAIMS } from '@toolgate/db/schema';
import { z } from 'zod';
import { ZHttpUrl, ZId, ZTimestamp } from './common.ts';

const identityProviderFields = {
  name: z.string().trim().min(1, 'enter a name').max(100),
  /** The `iss` its tokens carry, exactly. */
  issuer: ZHttpUrl,
  jwksUri: ZHttpUrl,
  /** The `aud` its tokens must carry for Toolgate. */
  audience: z.string().trim().min(1, 'enter the audience its tokens carry').max(500),
  /** email: the claim `email` names a tenant member; sub: the subject, linked on first sight. */
  userClaim: z.enum(IDP_USER_CLAIMS),
  /** A claim listing group names; a group matching a team's slug or name acts for that team. */
  groupsClaim: z
    .string()
    .trim()
    .max(100)
    .nullable()
    .transform((v) => v || null),
  /** Accept its Identity Assertion JWT Authorization Grants (ID-JAG) at the token endpoint. */
  trustIdJag: z.boolean(),
  enabled: z.boolean(),
};

export const ZCreateIdentityProviderRequest = z.strictObject({
  ...identityProviderFields,
  userClaim: identityProviderFields.userClaim.default('email'),
  groupsClaim: identityProviderFields.groupsClaim.default(null),
  trustIdJag: identityProviderFields.trustIdJag.default(false),
  enabled: identityProviderFields.enabled.default(true),
});
export type CreateIdentityProviderRequest = z.input<typeof ZCreateIdentityProviderRequest>;

/** Fields to change; absent fields keep their value. */
export const ZUpdateIdentityProviderRequest = z
  .strictObject({
    name: identityProviderFields.name.optional(),
    issuer: identityProviderFields.issuer.optional(),
    jwksUri: identityProviderFields.jwksUri.optional(),
    audience: identityProviderFields.audience.optional(),
    userClaim: identityProviderFields.userClaim.optional(),
    groupsClaim: identityProviderFields.groupsClaim.optional(),
    trustIdJag: identityProviderFields.trustIdJag.optional(),
    enabled: identityProviderFields.enabled.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'name at least one field to change');
export type UpdateIdentityProviderRequest = z.input<typeof ZUpdateIdentityProviderRequest>;

export const ZIdentityProvider = z.object({
  id: ZId,
  name: z.string(),
  issuer: z.string(),
  jwksUri: z.string(),
  audience: z.string(),
  userClaim: z.enum(IDP_USER_CLAIMS),
  groupsClaim: z.string().nullable(),
  trustIdJag: z.boolean(),
  enabled: z.boolean(),
  /** Gateways that accept this provider's tokens. */
  gateways: z.array(z.object({ id: ZId, slug: z.string(), name: z.string() })),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type IdentityProvider = z.infer<typeof ZIdentityProvider>;

export const ZSetJitUsersRequest = z.strictObject({ allowJitUsers: z.boolean() });
export type SetJitUsersRequest = z.input<typeof ZSetJitUsersRequest>;

export const ZJitUsersSetting = z.object({ allowJitUsers: z.boolean() });
export type JitUsersSetting = z.infer<typeof ZJitUsersSetting>;
