import { INSTALL_SCOPES, INSTALL_STATUSES } from '@toolgate/db/schema';
import { z } from 'zod';
import { ZId, ZTimestamp, ZName } from './common.ts';

export const ZCreateInstallationRequest = z
  .strictObject({
    registryEntryId: ZId,
    /** Default: the registry entry's name. */
    name: ZName.optional(),
    /** org and team installations are for owners and admins; anyone may install for themselves. */
    scope: z.enum(INSTALL_SCOPES),
    teamId: ZId.optional(),
    /** Install-time field values by key; secret ones are encrypted and never returned. */
    values: z.record(z.string(), z.string().max(10_000)).default({}),
  })
  .superRefine((input, ctx) => {
    if (input.scope === 'team' && !input.teamId)
      ctx.addIssue({ code: 'custom', path: ['teamId'], message: 'a team installation needs teamId' });
    if (input.scope !== 'team' && input.teamId)
      ctx.addIssue({
        code: 'custom',
        path: ['teamId'],
        message: `a ${input.scope} installation takes no teamId`,
      });
  });
export type CreateInstallationRequest = z.input<typeof ZCreateInstallationRequest>;

export const ZInstallation = z.object({
  id: ZId,
  registryEntryId: ZId,
  name: z.string(),
  scope: z.enum(INSTALL_SCOPES),
  teamId: ZId.nullable(),
  userId: ZId.nullable(),
  /** Non-secret field values. */
  config: z.record(z.string(), z.string()),
  /** Whether secret values are stored (encrypted); they are never returned. */
  hasCredentials: z.boolean(),
  status: z.enum(INSTALL_STATUSES),
  lastError: z.string().nullable(),
  enabled: z.boolean(),
  discoveredAt: ZTimestamp.nullable(),
  /** When a discovery or health check last reached `status`. */
  checkedAt: ZTimestamp.nullable(),
  /**
   * What the server says it is (`serverInfo` of its `initialize` answer), as the last discovery
   * or health check saw it; null until one did (or when the server names no version).
   */
  serverInfo: z
    .object({
      name: z.string().nullable(),
      version: z.string(),
      /** When this version was first seen. */
      seenAt: ZTimestamp,
    })
    .nullable(),
  /**
   * The last change of the version the server reports: a remote server cannot be pinned, so this
   * is drift, noticed by a discovery or health check (audited as `installation/version-change`).
   */
  serverVersionChange: z.object({ from: z.string(), to: z.string(), at: ZTimestamp }).nullable(),
  /** Packaged servers: the version an admin pinned (null: the entry's version). */
  pinnedVersion: z.string().nullable(),
  /** Packaged servers: the exact version a runner last started (null until one did). */
  packageVersion: z.string().nullable(),
  /** A canary running next to the stable version, for `percent` of callers (sticky per caller). */
  canary: z.object({ version: z.string(), percent: z.number().int(), startedAt: ZTimestamp }).nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type Installation = z.infer<typeof ZInstallation>;

/**
 * Rename, and replace install-field values (credential rotation): a value given replaces the
 * stored one (secret ones are sealed anew, the old ciphertext is gone); fields left out keep theirs.
 */
export const ZUpdateInstallationRequest = z
  .strictObject({
    name: ZName.optional(),
    values: z.record(z.string(), z.string().max(10_000)).optional(),
  })
  .refine((input) => input.name !== undefined || input.values !== undefined, {
    message: 'give a new name, new values, or both',
  });
export type UpdateInstallationRequest = z.input<typeof ZUpdateInstallationRequest>;

/** PATCH /installations/{id}: any of a new name, new values, and on/off. */
export const ZPatchInstallationRequest = z
  .strictObject({
    name: ZName.optional(),
    values: z.record(z.string(), z.string().max(10_000)).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((i) => i.name !== undefined || i.values !== undefined || i.enabled !== undefined, {
    message: 'give a new name, new values or enabled',
  });

const ZJsonObject = z.record(z.string(), z.unknown());

export const ZTool = z.object({
  id: ZId,
  installationId: ZId,
  name: z.string(),
  title: z.string().nullable(),
  description: z.string(),
  inputSchema: ZJsonObject,
  outputSchema: ZJsonObject.nullable(),
  annotations: ZJsonObject.nullable(),
  /** SHA-256 (hex) of the tool's canonical JSON definition. */
  schemaHash: z.string(),
  approvedHash: z.string().nullable(),
  /**
   * Definition pinning (docs/policies.md): null when gateways serve the definition the server
   * lists. Otherwise a `new` tool (never approved: not served) or a `changed` one (gateways serve
   * the approved definition, or under onToolChange "disable" switch the tool off while the change
   * is pending), whose review is `pending` or was `rejected`, as on the Tool changes page.
   */
  review: z.object({ kind: z.enum(['new', 'changed']), status: z.enum(['pending', 'rejected']) }).nullable(),
  enabled: z.boolean(),
  /** Labels admins set on this tool (policies read them as `tool.labels`, with the entry's). */
  labels: z.array(z.string()),
  /**
   * Admins' limit on calls to this tool through this installation, per minute, all callers
   * together (every proxy replica counts against it); null when none.
   */
  callsPerMinute: z.number().int().nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type Tool = z.infer<typeof ZTool>;

export const ZToolList = z.object({ tools: z.array(ZTool) });

/** A prompt discovered on an installation (prompts/list): what a gateway can expose. */
export const ZPrompt = z.object({
  id: ZId,
  installationId: ZId,
  name: z.string(),
  title: z.string().nullable(),
  description: z.string(),
  arguments: z.array(
    z.object({ name: z.string(), description: z.string().optional(), required: z.boolean().optional() }),
  ),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type Prompt = z.infer<typeof ZPrompt>;

/** An installation after discovery: its tools, and whether the server offers resources. */
export const ZDiscoveredInstallation = z.object({
  installation: ZInstallation,
  tools: z.array(ZTool),
  /** From prompts/list at discovery (servers that declare prompts). */
  prompts: z.array(ZPrompt),
  /** From resources/list at discovery; null when discovery failed. */
  hasResources: z.boolean().nullable(),
});
export type DiscoveredInstallation = z.infer<typeof ZDiscoveredInstallation>;

/** Turns an installation or one of its tools on or off for every gateway. */
export const ZSetEnabledRequest = z.strictObject({ enabled: z.boolean() });
export type SetEnabledRequest = z.input<typeof ZSetEnabledRequest>;

export const MAX_TOOL_CALLS_PER_MINUTE = 1_000_000;
const CALLS_PER_MINUTE_MESSAGE = 'must be a whole number from 1 to 1,000,000, or empty for none';

/** A tool's call limit: calls per minute, 1…1,000,000; null removes it. */
export const ZToolCallsPerMinute = z
  .number({ error: CALLS_PER_MINUTE_MESSAGE })
  .int({ error: CALLS_PER_MINUTE_MESSAGE })
  .min(1, { error: CALLS_PER_MINUTE_MESSAGE })
  .max(MAX_TOOL_CALLS_PER_MINUTE, { error: CALLS_PER_MINUTE_MESSAGE })
  .nullable();

/** Sets or removes (null) the call limit of one installation's tool. */
export const ZSetToolLimitRequest = z.strictObject({ callsPerMinute: ZToolCallsPerMinute });
export type SetToolLimitRequest = z.input<typeof ZSetToolLimitRequest>;

const ZGatewayRef = z.object({ id: ZId, slug: z.string(), name: z.string() });

/** One installation with its tools, and the gateways whose assignments pin it. */
export const ZInstallationDetail = z.object({
  installation: ZInstallation,
  tools: z.array(ZTool),
  /** Gateways with assignments pinned to this installation: it cannot be deleted while any exist. */
  pinnedBy: z.array(ZGatewayRef),
});
export type InstallationDetail = z.infer<typeof ZInstallationDetail>;

export const ZInstallationList = z.object({
  installations: z.array(
    z.object({ installation: ZInstallation, tools: z.array(ZTool), prompts: z.array(ZPrompt) }),
  ),
});
