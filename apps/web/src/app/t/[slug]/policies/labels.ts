import type { AppRouter } from '@toolgate/api/trpc/root';
import type { PolicyAction } from '@toolgate/core/policy';
import type { inferRouterOutputs } from '@trpc/server';

type Outputs = inferRouterOutputs<AppRouter>;
export type Policy = Outputs['policies']['list'][number];
export type PolicyTestResult = Outputs['policies']['test'];
export type PolicyTestCall = PolicyTestResult['calls'][number];
export type PolicyTestOutcome = NonNullable<PolicyTestCall['current']>;

export const ACTION_LABELS: Record<PolicyAction, string> = {
  allow: 'Allow',
  deny: 'Deny',
  require_approval: 'Require approval',
};

export const ACTION_TONES = { allow: 'green', deny: 'red', require_approval: 'amber' } as const;

/** What the message is for, by action. */
export const MESSAGE_HINTS: Record<PolicyAction, string> = {
  allow: 'Not shown to anyone when a call is allowed; keep it for your own notes, or leave it empty.',
  deny: 'Returned to the model as a tool error: say what was refused and what to do instead.',
  require_approval: 'Shown to whoever approves, with the tool and its arguments.',
};

/** Who approves a `require_approval` policy's calls, as the form offers and the table shows it. */
export const APPROVER_LABELS = {
  caller: 'The caller confirms in their client',
  admins: 'Owners and admins approve',
  team: 'A team’s maintainers approve',
} as const;

/** Where a policy applies, for the table and the read-only view. */
export function scopeText(
  gatewayIds: string[] | null,
  gatewayNames: ReadonlyMap<string, string>,
  isAdmin: boolean,
): string {
  if (gatewayIds === null) return 'All gateways';
  if (gatewayIds.length === 0) return 'No gateway (its gateways were deleted)';
  return gatewayIds
    .map((id) => gatewayNames.get(id) ?? (isAdmin ? 'a deleted gateway' : 'a gateway you cannot see'))
    .join(', ');
}
