/**
 * Guardrails (docs/policies.md "Guardrails and DLP"): what the control plane stores, what a
 * gateway snapshot carries to the proxy, and the vocabulary the audit records. The proxy applies
 * them (apps/proxy/src/dispatch/guardrail-gate.ts); the detectors are this folder's Scanner.
 */
import type { CustomPattern, DetectorName, FindingCounts } from './types.ts';

/** What a guardrail looks at: a call's arguments (to the upstream), its result (to the client), or both. */
export const GUARDRAIL_DIRECTIONS = ['arguments', 'results', 'both'] as const;
export type GuardrailDirection = (typeof GUARDRAIL_DIRECTIONS)[number];

/**
 * `log`: record the findings, forward unchanged; `redact`: replace each match with a typed
 * placeholder in what is forwarded; `block`: refuse with a tool error naming the detector.
 */
export const GUARDRAIL_ACTIONS = ['log', 'redact', 'block'] as const;
export type GuardrailAction = (typeof GUARDRAIL_ACTIONS)[number];

/** An external guardrail's answer when it cannot be had (timeout, error, bad answer). */
export const GUARDRAIL_FAIL_MODES = ['open', 'closed'] as const;
export type GuardrailFailMode = (typeof GUARDRAIL_FAIL_MODES)[number];

/** The most an external guardrail may take, and its default. */
export const MAX_EXTERNAL_TIMEOUT_MS = 10_000;
export const DEFAULT_EXTERNAL_TIMEOUT_MS = 2_000;

/** Per call, the strongest thing any guardrail did, in this order; `none` when nothing was found. */
export const DLP_OUTCOMES = ['none', 'logged', 'redacted', 'blocked'] as const;
export type DlpOutcome = (typeof DLP_OUTCOMES)[number];

/** The stronger of two outcomes (blocked > redacted > logged > none). */
export function strongerOutcome(a: DlpOutcome, b: DlpOutcome): DlpOutcome {
  return DLP_OUTCOMES.indexOf(a) >= DLP_OUTCOMES.indexOf(b) ? a : b;
}

/** An external guardrail as the proxy receives it. */
export interface SnapshotGuardrailExternal {
  /** https (http only to loopback in development, as the SSRF guard allows). */
  url: string;
  /** The signing secret, sealed with the key ring under `guardrailSecretAad(guardrail id)`. */
  secretSealed: string;
  timeoutMs: number;
  failMode: GuardrailFailMode;
}

/** One enabled guardrail that applies to a gateway. */
export interface SnapshotGuardrail {
  id: string;
  name: string;
  direction: GuardrailDirection;
  detectors: DetectorName[];
  patterns: CustomPattern[];
  action: GuardrailAction;
  /** Called after the detectors (on what they let through, already redacted). */
  external?: SnapshotGuardrailExternal;
}

/** Additional authenticated data of a guardrail's sealed signing secret. */
export const guardrailSecretAad = (guardrailId: string): string => `guardrail-secret:${guardrailId}`;

/**
 * The header an external guardrail's request is signed in (signBody in @toolgate/core/webhook-signature,
 * whose SIGNATURE_HEADER it equals). Spelled out rather than imported: this module reaches the
 * browser (forms), and that one needs node:crypto.
 */
export const GUARDRAIL_SIGNATURE_HEADER = 'toolgate-signature';

/**
 * What an external guardrail is sent (JSON, signed over `${t}.${body}` with the guardrail's
 * secret). `value` is the call's arguments (direction `arguments`) or its result (`results`).
 */
export interface ExternalGuardrailRequest {
  version: 1;
  guardrail: { id: string; name: string };
  direction: 'arguments' | 'results';
  tenant: { id: string; slug: string };
  gateway: { id: string; slug: string };
  tool: { name: string; exposedName: string; server: string };
  caller: { userId: string; email: string; client: string };
  value: unknown;
}

/** What it answers (200, JSON): anything else counts as a failure (see the fail mode). */
export type ExternalGuardrailVerdict =
  { action: 'allow' } | { action: 'deny'; message?: string } | { action: 'modify'; value: unknown };

/** The DLP part of an audit event. */
export interface DlpRecord {
  outcome: DlpOutcome;
  /** Findings counted by detector (`external` for an external guardrail's deny or change). */
  findings: FindingCounts & { external?: number };
}

/**
 * A tool call's policy decision as logs and usage filter it, from the audit's `policyOutcome`
 * (see UsageDraft.decided in the proxy): `none` no policy matched; `allow` an allow policy;
 * `deny` a deny policy (or policies that could not be evaluated); `approved` a held call was
 * approved; `approval_denied` declined, timed out unconfirmed or refused by an approver;
 * `pending` still waiting for approval. '' for anything that is not a policy's decision.
 */
export const POLICY_DECISIONS = ['none', 'allow', 'deny', 'approved', 'approval_denied', 'pending'] as const;
export type PolicyDecision = (typeof POLICY_DECISIONS)[number];

export function policyDecisionOf(policyOutcome: string | null | undefined): PolicyDecision | '' {
  if (!policyOutcome) return '';
  if (policyOutcome === 'allow') return 'none';
  if (policyOutcome.startsWith('allow:')) return 'allow';
  if (policyOutcome.startsWith('approved:')) return 'approved';
  if (policyOutcome.startsWith('pending_approval:')) return 'pending';
  if (policyOutcome.startsWith('deny:policy:') || policyOutcome === 'deny:policy_unavailable') return 'deny';
  if (
    policyOutcome.startsWith('deny:needs_confirmation:') ||
    policyOutcome.startsWith('deny:declined:') ||
    policyOutcome.startsWith('deny:approval_unavailable:') ||
    policyOutcome.startsWith('deny:approval:')
  )
    return 'approval_denied';
  return '';
}
