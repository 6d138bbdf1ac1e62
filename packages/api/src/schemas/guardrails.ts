import {
  checkCustomPattern,
  DEFAULT_EXTERNAL_TIMEOUT_MS,
  DETECTOR_NAMES,
  GUARDRAIL_ACTIONS,
  GUARDRAIL_DIRECTIONS,
  GUARDRAIL_FAIL_MODES,
  MAX_EXTERNAL_TIMEOUT_MS,
} from '@toolgate/core/dlp';
import { z } from 'zod';
import { ZHttpUrl, ZId, ZName, ZTimestamp } from './common.ts';
import { ZPolicyGatewayIds } from './policies.ts';

/** Most guardrails a workspace may have: each applicable one scans every call of its gateways. */
export const MAX_GUARDRAILS = 100;
export const MAX_PATTERNS = 50;

/** A tenant's pattern: a name (shown in placeholders and findings) and RE2 syntax, checked when saved. */
export const ZCustomPattern = z.strictObject({
  name: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9][\w.-]{0,39}$/,
      'use 1–40 letters, digits and . _ - (starting with a letter or digit)',
    ),
  pattern: z.string().superRefine((source, ctx) => {
    const check = checkCustomPattern(source);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.message });
  }),
});

/** The external guardrail, as written: the signing secret is made by Toolgate, never given. */
export const ZGuardrailExternalInput = z.strictObject({
  /** https; plain http only to loopback when the deployment allows private URLs (development). */
  url: ZHttpUrl,
  timeoutMs: z.number().int().min(100).max(MAX_EXTERNAL_TIMEOUT_MS).default(DEFAULT_EXTERNAL_TIMEOUT_MS),
  /** `closed`: a call is refused when the endpoint cannot answer in time; `open`: it goes on. */
  failMode: z.enum(GUARDRAIL_FAIL_MODES).default('closed'),
});

const guardrailFields = {
  name: ZName,
  description: z.string().max(2000),
  /** null: every gateway of the workspace; a list: those gateways only (`[]` refused). */
  gatewayIds: ZPolicyGatewayIds,
  direction: z.enum(GUARDRAIL_DIRECTIONS),
  /** Built-in detectors; `custom` is implied by patterns and need not be listed. */
  detectors: z
    .array(z.enum(DETECTOR_NAMES))
    .max(DETECTOR_NAMES.length)
    .transform((d) => [...new Set(d)].sort()),
  patterns: z
    .array(ZCustomPattern)
    .max(MAX_PATTERNS)
    .refine((p) => new Set(p.map((x) => x.name.toLowerCase())).size === p.length, {
      message: 'pattern names must differ',
    }),
  action: z.enum(GUARDRAIL_ACTIONS),
  enabled: z.boolean(),
  /** null: no external guardrail. */
  external: ZGuardrailExternalInput.nullable(),
};

/** A guardrail must look for something: a detector, a pattern or an external endpoint. */
const looksForSomething = (g: { detectors?: unknown[]; patterns?: unknown[]; external?: unknown }): boolean =>
  // `custom` alone stands for patterns: without any it looks for nothing.
  (g.detectors ?? []).some((d) => d !== 'custom') || (g.patterns?.length ?? 0) > 0 || !!g.external;

export const ZCreateGuardrailRequest = z
  .strictObject({
    ...guardrailFields,
    description: guardrailFields.description.default(''),
    gatewayIds: guardrailFields.gatewayIds.default(null),
    direction: guardrailFields.direction.default('both'),
    detectors: guardrailFields.detectors.default([]),
    patterns: guardrailFields.patterns.default([]),
    enabled: guardrailFields.enabled.default(true),
    external: guardrailFields.external.default(null),
  })
  .refine(looksForSomething, {
    message: 'choose at least one detector, a pattern or an external endpoint',
    path: ['detectors'],
  });
export type CreateGuardrailRequest = z.input<typeof ZCreateGuardrailRequest>;

/**
 * Fields to change; absent fields keep their value. `external: null` removes the endpoint (and its
 * secret); a changed URL keeps the secret unless `rotateSecret` is true.
 */
export const ZUpdateGuardrailRequest = z
  .strictObject({
    name: guardrailFields.name.optional(),
    description: guardrailFields.description.optional(),
    gatewayIds: guardrailFields.gatewayIds.optional(),
    direction: guardrailFields.direction.optional(),
    detectors: guardrailFields.detectors.optional(),
    patterns: guardrailFields.patterns.optional(),
    action: guardrailFields.action.optional(),
    enabled: guardrailFields.enabled.optional(),
    external: guardrailFields.external.optional(),
    /** Make a new signing secret (answered once, in `signingSecret`). */
    rotateSecret: z.literal(true).optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  });
export type UpdateGuardrailRequest = z.input<typeof ZUpdateGuardrailRequest>;

export const ZGuardrail = z.object({
  id: ZId,
  name: z.string(),
  description: z.string(),
  /** null: every gateway; a list (`[]` when all it named were deleted: it applies nowhere). */
  gatewayIds: z.array(ZId).nullable(),
  direction: z.enum(GUARDRAIL_DIRECTIONS),
  detectors: z.array(z.enum(DETECTOR_NAMES)),
  patterns: z.array(z.object({ name: z.string(), pattern: z.string() })),
  action: z.enum(GUARDRAIL_ACTIONS),
  enabled: z.boolean(),
  /** The endpoint without its secret. */
  external: z
    .object({ url: z.string(), timeoutMs: z.number().int(), failMode: z.enum(GUARDRAIL_FAIL_MODES) })
    .nullable(),
  createdBy: ZId.nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type Guardrail = z.infer<typeof ZGuardrail>;

/**
 * Create and update answer the guardrail, plus the signing secret when one was just made (an
 * endpoint added, or `rotateSecret`): shown this once, stored sealed, never answered again.
 */
export const ZGuardrailWithSecret = ZGuardrail.extend({
  signingSecret: z.string().optional(),
});
export type GuardrailWithSecret = z.infer<typeof ZGuardrailWithSecret>;

/** Ordered by name. */
export const ZGuardrailList = z.object({ guardrails: z.array(ZGuardrail) });
