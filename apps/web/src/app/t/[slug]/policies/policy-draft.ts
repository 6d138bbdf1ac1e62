import type { PolicyAction } from '@toolgate/core/policy';
import type { Policy } from './labels';
import type { PolicyTemplate } from './policy-templates';

export type ApproverKind = 'caller' | 'admins' | 'team';

/** The form's fields as typed (priority as text until it is checked). */
export interface PolicyDraft {
  name: string;
  description: string;
  /** Every gateway of the workspace, those created later too. */
  allGateways: boolean;
  gatewayIds: string[];
  priority: string;
  enabled: boolean;
  condition: string;
  action: PolicyAction;
  message: string;
  approverKind: ApproverKind;
  approverTeamId: string;
}

export type DraftField = keyof PolicyDraft | 'gatewayIds' | 'approvers';

export const EMPTY_DRAFT: PolicyDraft = {
  name: '',
  description: '',
  allGateways: true,
  gatewayIds: [],
  priority: '0',
  enabled: true,
  condition: '',
  action: 'deny',
  message: '',
  approverKind: 'caller',
  approverTeamId: '',
};

export function draftOf(policy: Policy): PolicyDraft {
  return {
    name: policy.name,
    description: policy.description,
    allGateways: policy.gatewayIds === null,
    gatewayIds: policy.gatewayIds ?? [],
    priority: String(policy.priority),
    enabled: policy.enabled,
    condition: policy.condition,
    action: policy.action,
    message: policy.message,
    approverKind: policy.approvers?.kind ?? 'caller',
    approverTeamId: policy.approvers?.kind === 'team' ? (policy.approvers.teamId ?? '') : '',
  };
}

/** A template's fields over the current draft (its scope and switch are left as they are). */
export const applyTemplate = (draft: PolicyDraft, template: PolicyTemplate): PolicyDraft => ({
  ...draft,
  ...template.fields,
  priority: String(template.fields.priority),
});

const INTEGER = /^-?\d+$/;

/** What the browser can tell before asking the server (it checks everything again). */
export function draftErrors(draft: PolicyDraft): Partial<Record<DraftField, string>> {
  const errors: Partial<Record<DraftField, string>> = {};
  if (!draft.name.trim()) errors.name = 'Give the policy a name';
  if (!INTEGER.test(draft.priority.trim())) errors.priority = 'Use a whole number';
  if (!draft.allGateways && draft.gatewayIds.length === 0)
    errors.gatewayIds = 'Choose at least one gateway, or apply it to all of them';
  if (draft.action === 'require_approval' && draft.approverKind === 'team' && !draft.approverTeamId)
    errors.approvers = 'Choose the team whose maintainers approve';
  return errors;
}

/** The policy as the API takes it (create, or the full patch of an update). */
export function policyInput(draft: PolicyDraft) {
  return {
    name: draft.name.trim(),
    description: draft.description,
    gatewayIds: draft.allGateways ? null : draft.gatewayIds,
    priority: Number(draft.priority.trim()),
    enabled: draft.enabled,
    condition: draft.condition,
    action: draft.action,
    message: draft.message,
    ...(draft.action === 'require_approval'
      ? {
          approvers:
            draft.approverKind === 'team'
              ? { kind: 'team' as const, teamId: draft.approverTeamId }
              : { kind: draft.approverKind },
        }
      : {}),
  };
}
