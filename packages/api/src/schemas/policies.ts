import { MAX_CONDITION_LENGTH, POLICY_ACTIONS, TOOL_LABEL_PATTERN } from '@toolgate/core/policy';
import { z } from 'zod';
import { ZId, ZName, ZTimestamp } from './common.ts';
import { ZToolCallsPerMinute } from './installations.ts';

/** Most policies a workspace may have: each one is evaluated on every call of its gateways. */
export const MAX_POLICIES = 500;
export const MIN_PRIORITY = -1_000_000;
export const MAX_PRIORITY = 1_000_000;

/**
 * Where a policy applies: `null` = every gateway of the workspace (those created later too); a
 * list = those gateways only. `[]` is refused: a policy that applies nowhere is one to disable.
 */
export const ZPolicyGatewayIds = z
  .array(ZId)
  .max(200)
  .nullable()
  .refine((ids) => ids === null || ids.length > 0, {
    message: 'choose at least one gateway, or null for every gateway of the workspace',
  })
  .transform((ids) => (ids === null ? null : [...new Set(ids.map((id) => id.toLowerCase()))].sort()));

/**
 * Who approves the calls a `require_approval` policy holds: the caller (asked to confirm in their
 * client), the workspace's owners and admins, or a team's maintainers (owners and admins too).
 * Only `require_approval` policies take it; they default to the caller.
 */
export const ZPolicyApprovers = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('caller') }),
  z.strictObject({ kind: z.literal('admins') }),
  z.strictObject({ kind: z.literal('team'), teamId: ZId.transform((id) => id.toLowerCase()) }),
]);
export type PolicyApproversInput = z.output<typeof ZPolicyApprovers>;

/** As answered: a team policy whose team was deleted says `teamId: null` (owners and admins approve). */
export const ZPolicyApproversView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('caller') }),
  z.object({ kind: z.literal('admins') }),
  z.object({
    kind: z.literal('team'),
    teamId: ZId.nullable().meta({
      description: 'null: the team was deleted; the workspace’s owners and admins approve',
    }),
  }),
]);
export type PolicyApproversView = z.infer<typeof ZPolicyApproversView>;

const policyFields = {
  name: ZName,
  description: z.string().max(2000),
  gatewayIds: ZPolicyGatewayIds,
  /** Higher first; the first policy whose condition holds decides; no match: allow. */
  priority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY),
  enabled: z.boolean(),
  /** A CEL expression over tool, args, caller, gateway, session and request; type-checked when saved. */
  condition: z.string().max(MAX_CONDITION_LENGTH),
  action: z.enum(POLICY_ACTIONS),
  /** A deny's message is returned to the model as a tool error; an approval request shows it. */
  message: z.string().max(1000),
  /** `require_approval` only (refused with other actions); default: the caller. */
  approvers: ZPolicyApprovers,
};

export const ZCreatePolicyRequest = z.strictObject({
  ...policyFields,
  description: policyFields.description.default(''),
  gatewayIds: policyFields.gatewayIds.default(null),
  priority: policyFields.priority.default(0),
  enabled: policyFields.enabled.default(true),
  message: policyFields.message.default(''),
  approvers: policyFields.approvers.optional(),
});
export type CreatePolicyRequest = z.input<typeof ZCreatePolicyRequest>;

/** Fields to change; absent fields keep their value (`gatewayIds: null` makes it workspace-wide). */
export const ZUpdatePolicyRequest = z
  .strictObject({
    name: policyFields.name.optional(),
    description: policyFields.description.optional(),
    gatewayIds: policyFields.gatewayIds.optional(),
    priority: policyFields.priority.optional(),
    enabled: policyFields.enabled.optional(),
    condition: policyFields.condition.optional(),
    action: policyFields.action.optional(),
    message: policyFields.message.optional(),
    /** Refused unless the policy's action (after the change) is `require_approval`. */
    approvers: policyFields.approvers.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  });
export type UpdatePolicyRequest = z.input<typeof ZUpdatePolicyRequest>;

export const ZPolicy = z.object({
  id: ZId,
  name: z.string(),
  description: z.string(),
  /**
   * null: every gateway of the workspace. A list: those gateways; `[]` when every gateway it was
   * given has since been deleted (it then applies nowhere).
   */
  gatewayIds: z.array(ZId).nullable(),
  priority: z.number().int(),
  enabled: z.boolean(),
  condition: z.string(),
  action: z.enum(POLICY_ACTIONS),
  message: z.string(),
  /** Who approves the calls it holds; null for `allow` and `deny` policies. */
  approvers: ZPolicyApproversView.nullable(),
  createdBy: ZId.nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type Policy = z.infer<typeof ZPolicy>;

/** In evaluation order: priority descending, then name, then id. */
export const ZPolicyList = z.object({ policies: z.array(ZPolicy) });

/** Where a condition fails to check, for an editor's marker (`offset` 0-based; line and column 1-based). */
export const ZConditionProblem = z.object({
  message: z.string(),
  offset: z.number().int(),
  line: z.number().int(),
  column: z.number().int(),
});
export type ConditionProblem = z.infer<typeof ZConditionProblem>;

export const MAX_TOOL_LABELS = 20;

/**
 * A tool's labels: each 1–64 of lower-case letters, digits and `. _ : / -` (starting with a letter
 * or digit), at most 20; stored deduplicated and sorted.
 */
export const ZToolLabels = z
  .array(
    z
      .string()
      .trim()
      .regex(
        TOOL_LABEL_PATTERN,
        'use 1–64 lower-case letters, digits and . _ : / - (starting with a letter or digit)',
      ),
  )
  .max(MAX_TOOL_LABELS, `a tool takes at most ${MAX_TOOL_LABELS} labels`)
  .transform((labels) => [...new Set(labels)].sort());

/** Labels of one installation's tool (replacing its labels). */
export const ZSetToolLabelsRequest = z.strictObject({ labels: ZToolLabels });
export type SetToolLabelsRequest = z.input<typeof ZSetToolLabelsRequest>;

/** PATCH /installations/{id}/tools/{toolId}: on/off, labels, call limit, or any of them together. */
export const ZPatchToolRequest = z
  .strictObject({
    enabled: z.boolean().optional(),
    labels: ZToolLabels.optional(),
    callsPerMinute: ZToolCallsPerMinute.optional(),
  })
  .refine((p) => p.enabled !== undefined || p.labels !== undefined || p.callsPerMinute !== undefined, {
    message: 'give enabled, labels, callsPerMinute or several of them',
  });

/**
 * Labels for tools of a registry entry by tool name, on every installation of it: each tool named
 * gets exactly these labels (`[]` removes its labels); tools not named keep theirs.
 */
export const ZSetEntryToolLabelsRequest = z.strictObject({
  tools: z
    .record(z.string().min(1).max(200), ZToolLabels)
    .refine((tools) => Object.keys(tools).length > 0, { message: 'name at least one tool' })
    .refine((tools) => Object.keys(tools).length <= 500, { message: 'at most 500 tools at once' }),
});
export type SetEntryToolLabelsRequest = z.input<typeof ZSetEntryToolLabelsRequest>;
