import {
  ASSIGNMENT_KINDS,
  CLIENT_AUTH_METHODS,
  GATEWAY_VISIBILITIES,
  TOOL_EXPOSURES,
} from '@toolgate/db/schema';
import { ZSlug } from '@toolgate/core/slug';
import { TOOL_NAME_PATTERN } from '@toolgate/core/tool-naming';
import { NEVER_FORWARDED_HEADERS } from '@toolgate/core/passthrough-headers';
import { z } from 'zod';
import { ZId, ZTimestamp, ZName } from './common.ts';

/** Client headers never forwarded upstream; refusing them in an allow-list tells the admin early. */
export const FORBIDDEN_PASSTHROUGH_HEADERS = NEVER_FORWARDED_HEADERS;

export const ZHeaderAllowlist = z
  .array(
    z
      .string()
      .trim()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be an HTTP header name')
      .transform((h) => h.toLowerCase())
      .refine((h) => !FORBIDDEN_PASSTHROUGH_HEADERS.has(h), {
        message: 'is never forwarded upstream (hop-by-hop, framing, credential or session header)',
      }),
  )
  .max(50)
  .transform((headers) => [...new Set(headers)]);

const ZClientAuthMethods = z
  .array(z.enum(CLIENT_AUTH_METHODS))
  .min(1, 'a gateway needs at least one client authentication method')
  .transform((methods) => [...new Set(methods)]);

const ZTeamIds = z
  .array(ZId)
  .max(200)
  .transform((ids) => [...new Set(ids)]);

const gatewayFields = {
  slug: ZSlug,
  name: ZName,
  description: z.string().max(2000),
  /** org: every member's callers; teams: members of `teamIds` only. */
  visibility: z.enum(GATEWAY_VISIBILITIES),
  teamIds: ZTeamIds,
  clientAuthMethods: ZClientAuthMethods,
  /** full: every assigned tool is listed; search: clients find tools through a search tool. */
  toolExposure: z.enum(TOOL_EXPOSURES),
  /** Client headers forwarded upstream; stored lower-case. */
  headerAllowlist: ZHeaderAllowlist,
  /** The tenant's identity provider whose JWTs `idp_jwt` accepts; null: none. */
  identityProviderId: ZId.nullable(),
  /** The one server a pass-through gateway fronts (method `passthrough`); null otherwise. */
  passthroughEntryId: ZId.nullable(),
};

/** Accepting identity-provider JWTs needs a provider to check them against. */
export function identityProviderIssue(
  methods: readonly string[],
  identityProviderId: string | null | undefined,
): string | undefined {
  return methods.includes('idp_jwt') && !identityProviderId
    ? 'choose the identity provider whose tokens this gateway accepts'
    : undefined;
}

/**
 * Pass-through is all or nothing: a gateway that forwards its callers' tokens to one server takes
 * no other credential (never Toolgate's own tokens), names that server, and is open to whoever that
 * server's authorization server lets in (visibility `org`: its callers are not workspace members).
 */
export function passthroughIssue(
  methods: readonly string[],
  passthroughEntryId: string | null | undefined,
  visibility: string,
): { path: string; message: string } | undefined {
  if (!methods.includes('passthrough')) {
    return passthroughEntryId
      ? { path: 'passthroughEntryId', message: 'applies to pass-through gateways only' }
      : undefined;
  }
  if (methods.length > 1)
    return {
      path: 'clientAuthMethods',
      message:
        "pass-through cannot be combined with other methods: the gateway accepts only the server's tokens",
    };
  if (!passthroughEntryId)
    return { path: 'passthroughEntryId', message: 'choose the server this gateway passes tokens through to' };
  if (visibility !== 'org')
    return {
      path: 'visibility',
      message: "a pass-through gateway's callers are the server's users, not teams: use visibility org",
    };
  return undefined;
}

/** The rule every gateway obeys, checked on creation and on the merged result of an update. */
export function visibilityIssue(visibility: string, teamIds: readonly string[]): string | undefined {
  if (visibility === 'teams' && teamIds.length === 0)
    return 'a gateway visible to teams needs at least one team';
  if (visibility === 'org' && teamIds.length > 0) return 'teamIds apply to visibility "teams" only';
  return undefined;
}

export const ZCreateGatewayRequest = z
  .strictObject({
    ...gatewayFields,
    description: gatewayFields.description.default(''),
    visibility: gatewayFields.visibility.default('org'),
    teamIds: gatewayFields.teamIds.default([]),
    clientAuthMethods: gatewayFields.clientAuthMethods.default(['api_token', 'oauth']),
    toolExposure: gatewayFields.toolExposure.default('full'),
    headerAllowlist: gatewayFields.headerAllowlist.default([]),
    identityProviderId: gatewayFields.identityProviderId.default(null),
    passthroughEntryId: gatewayFields.passthroughEntryId.default(null),
  })
  .superRefine((g, ctx) => {
    const passthrough = passthroughIssue(g.clientAuthMethods, g.passthroughEntryId, g.visibility);
    if (passthrough) ctx.addIssue({ code: 'custom', path: [passthrough.path], message: passthrough.message });
    const message = visibilityIssue(g.visibility, g.teamIds);
    if (message) ctx.addIssue({ code: 'custom', path: ['teamIds'], message });
    const idp = identityProviderIssue(g.clientAuthMethods, g.identityProviderId);
    if (idp) ctx.addIssue({ code: 'custom', path: ['identityProviderId'], message: idp });
  });
export type CreateGatewayRequest = z.input<typeof ZCreateGatewayRequest>;

/** Fields to change; absent fields keep their value. */
export const ZUpdateGatewayRequest = z
  .strictObject({
    slug: gatewayFields.slug.optional(),
    name: gatewayFields.name.optional(),
    description: gatewayFields.description.optional(),
    visibility: gatewayFields.visibility.optional(),
    teamIds: gatewayFields.teamIds.optional(),
    clientAuthMethods: gatewayFields.clientAuthMethods.optional(),
    toolExposure: gatewayFields.toolExposure.optional(),
    headerAllowlist: gatewayFields.headerAllowlist.optional(),
    identityProviderId: gatewayFields.identityProviderId.optional(),
    passthroughEntryId: gatewayFields.passthroughEntryId.optional(),
  })
  .refine((g) => Object.keys(g).length > 0, 'name at least one field to change');
export type UpdateGatewayRequest = z.input<typeof ZUpdateGatewayRequest>;

export const ZAssignmentInput = z
  .strictObject({
    /** tool (default), prompt, or resources (all resources of the server; no toolName). */
    kind: z.enum(ASSIGNMENT_KINDS).default('tool'),
    registryEntryId: ZId,
    /** The upstream's name for the tool or prompt. */
    toolName: z.string().min(1).max(200).optional(),
    /** Pinned installation; absent/null = the caller's own installation at call time. */
    installationId: ZId.nullable().default(null),
    /** The name clients see instead of `{server}__{tool}`. */
    alias: z.string().regex(TOOL_NAME_PATTERN, 'use 1–128 of A–Z a–z 0–9 _ . -').nullable().default(null),
    descriptionOverride: z.string().max(2000).nullable().default(null),
  })
  .superRefine((a, ctx) => {
    if (a.kind === 'resources') {
      if (a.toolName !== undefined && a.toolName !== '*')
        ctx.addIssue({
          code: 'custom',
          path: ['toolName'],
          message: 'a resources assignment takes no toolName',
        });
      if (a.alias !== null)
        ctx.addIssue({ code: 'custom', path: ['alias'], message: 'a resources assignment takes no alias' });
    } else if (a.toolName === undefined) {
      ctx.addIssue({ code: 'custom', path: ['toolName'], message: `a ${a.kind} assignment needs toolName` });
    }
  })
  .transform((a) => ({ ...a, toolName: a.kind === 'resources' ? '*' : a.toolName! }));
export type AssignmentInput = z.input<typeof ZAssignmentInput>;

export const ZSetGatewayAssignmentsRequest = z.strictObject({
  assignments: z.array(ZAssignmentInput).max(1000),
});
export type SetGatewayAssignmentsRequest = z.input<typeof ZSetGatewayAssignmentsRequest>;

export const ZAssignment = z.object({
  id: ZId,
  kind: z.enum(ASSIGNMENT_KINDS),
  registryEntryId: ZId,
  toolName: z.string(),
  installationId: ZId.nullable(),
  alias: z.string().nullable(),
  descriptionOverride: z.string().nullable(),
});
export type Assignment = z.infer<typeof ZAssignment>;

export const ZGateway = z.object({
  id: ZId,
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  visibility: z.enum(GATEWAY_VISIBILITIES),
  teamIds: z.array(ZId),
  clientAuthMethods: z.array(z.enum(CLIENT_AUTH_METHODS)),
  toolExposure: z.enum(TOOL_EXPOSURES),
  headerAllowlist: z.array(z.string()),
  identityProviderId: ZId.nullable(),
  passthroughEntryId: ZId.nullable(),
  assignments: z.array(ZAssignment),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type Gateway = z.infer<typeof ZGateway>;

/** What a gateway serves after an assignment change, as the proxy will compile it. */
export const ZGatewayAssignments = z.object({
  gatewayId: ZId,
  assignments: z.array(ZAssignment),
  /** Tool names clients will see; assignments of tools not discovered yet are not listed. */
  exposedTools: z.array(z.string()),
  exposedPrompts: z.array(z.string()),
});
export type GatewayAssignments = z.infer<typeof ZGatewayAssignments>;
