import { MAX_CONDITION_LENGTH, POLICY_ACTIONS } from '@toolgate/core/policy';
import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';
import { MAX_PRIORITY, MIN_PRIORITY, ZPolicyGatewayIds } from './policies.ts';
import { ZUsageRef } from './usage.ts';

/** Most past calls one test replays. */
export const MAX_POLICY_TEST_CALLS = 500;
export const DEFAULT_POLICY_TEST_CALLS = 100;

/** A policy as drafted in a form: what decides calls, not yet saved. */
export const ZDraftPolicy = z.strictObject({
  /** The saved policy this draft edits: it is left out of the current set and the draft takes its place. */
  id: ZId.optional(),
  /** Breaks ties of priority as a saved policy's name does. */
  name: z.string().max(100).default(''),
  condition: z.string().max(MAX_CONDITION_LENGTH),
  action: z.enum(POLICY_ACTIONS),
  message: z.string().max(1000).default(''),
  priority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY).default(0),
  gatewayIds: ZPolicyGatewayIds.default(null),
});

/** POST /policies/test: replay a gateway's last `limit` audited tool calls with the draft. */
export const ZTestPolicyRequest = z.strictObject({
  policy: ZDraftPolicy,
  gatewayId: ZId,
  limit: z.number().int().min(1).max(MAX_POLICY_TEST_CALLS).default(DEFAULT_POLICY_TEST_CALLS),
});
export type TestPolicyRequest = z.input<typeof ZTestPolicyRequest>;

/** What the policies decide about one call. */
export const ZPolicyTestOutcome = z.object({
  action: z.enum(POLICY_ACTIONS),
  /** The policy that decided; null when none matched (allowed by default). */
  policy: z
    .object({
      /** null for the draft. */
      id: ZId.nullable(),
      name: z.string(),
      draft: z.boolean(),
    })
    .nullable(),
  /** The deciding condition failed to evaluate on this call (deny and approval policies then match). */
  error: z.string().nullable(),
});
export type PolicyTestOutcome = z.infer<typeof ZPolicyTestOutcome>;

export const ZPolicyTestCall = z.object({
  /** The audit event replayed. */
  eventId: ZId,
  occurredAt: ZTimestamp,
  caller: ZUsageRef.nullable(),
  /** The tool as the gateway exposes it. */
  tool: z.string(),
  /** What happened then, as audited: the call's status and its policy outcome. */
  recorded: z.object({ status: z.string(), policyOutcome: z.string().nullable() }),
  /** Today's enabled policies of the gateway, without the draft; null when skipped. */
  current: ZPolicyTestOutcome.nullable(),
  /** The same with the draft; null when skipped. */
  withDraft: ZPolicyTestOutcome.nullable(),
  /** The draft changes the action taken (allow, deny, require approval). */
  changed: z.boolean(),
  /** Why the call could not be replayed (the tool or the caller is gone); null when it was. */
  skipped: z.string().nullable(),
});
export type PolicyTestCall = z.infer<typeof ZPolicyTestCall>;

export const ZPolicyTestResult = z.object({
  gatewayId: ZId,
  /**
   * Whether the draft's scope includes the gateway. If not, it adds nothing here (an edited policy
   * then leaves this gateway: calls it decided are decided by the others).
   */
  draftApplies: z.boolean(),
  /** The facts a replay cannot know and what it takes instead. */
  assumptions: z.array(z.string()),
  counts: z.object({
    /** Audited tool calls read (newest first, at most `limit`). */
    calls: z.number().int(),
    evaluated: z.number().int(),
    changed: z.number().int(),
    skipped: z.number().int(),
  }),
  /** How the changed calls change, e.g. 3 × allow → deny. */
  changes: z.array(
    z.object({ from: z.enum(POLICY_ACTIONS), to: z.enum(POLICY_ACTIONS), count: z.number().int() }),
  ),
  /** Newest first. */
  calls: z.array(ZPolicyTestCall),
});
export type PolicyTestResult = z.infer<typeof ZPolicyTestResult>;
