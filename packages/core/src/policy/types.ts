/**
 * Tool-call policies as the control plane stores them and the proxy receives them in a gateway's
 * snapshot (already scoped to that gateway, enabled ones only, highest priority first).
 */

export const POLICY_ACTIONS = ['allow', 'deny', 'require_approval'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** Labels with a meaning of their own (admins may set any others, for their policies). */
export const TOOL_LABEL_UNTRUSTED_OUTPUT = 'untrusted-output';
export const TOOL_LABEL_EXTERNAL_SEND = 'external-send';

/** A label: lower-case letters, digits, `-`, `_`, `.`, `:`, `/`; 1–64 characters. */
export const TOOL_LABEL_PATTERN = /^[a-z0-9][a-z0-9._:/-]{0,63}$/;

export interface SnapshotPolicy {
  id: string;
  name: string;
  /** Higher first; ties broken by name, then id (the same order on every replica). */
  priority: number;
  action: PolicyAction;
  /** A CEL condition (checked when saved; see environment.ts for its variables). */
  condition: string;
  /** Returned to the model with a deny (as a tool error), shown with an approval request. */
  message: string;
  /** `require_approval` only: who approves (default: the caller). */
  approvers?: PolicyApprovers;
}

/**
 * Who approves a call a `require_approval` policy holds: the caller themselves (a confirmation
 * asked through elicitation), the workspace's owners and admins, or a team's maintainers (and
 * owners and admins).
 */
export type PolicyApprovers = { kind: 'caller' } | { kind: 'admins' } | { kind: 'team'; teamId: string };

/** Policy order: priority descending, then name, then id. */
export function comparePolicies(a: SnapshotPolicy, b: SnapshotPolicy): number {
  return (
    b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.id.localeCompare(b.id)
  );
}
