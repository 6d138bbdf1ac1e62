import type { Approval } from '@toolgate/api/schemas/approvals';

export const STATUS_LABELS: Record<Approval['status'], string> = {
  pending: 'Pending',
  approved: 'Approved',
  used: 'Approved · used',
  denied: 'Denied',
  expired: 'Expired',
};

export const STATUS_TONES = {
  pending: 'amber',
  approved: 'green',
  used: 'green',
  denied: 'red',
  expired: 'slate',
} as const satisfies Record<Approval['status'], string>;

/** Who decides a request, in words: "Admins", "Team Design", "Admins (team deleted)". */
export function approversLabel({ approvers }: Approval): string {
  if (approvers.kind === 'admins') return 'Owners and admins';
  if (approvers.teamName) return `Team ${approvers.teamName}`;
  return 'Owners and admins (team deleted)';
}

/** Who decided, for the status cell: a member's name or address, else "an API token". */
export const deciderLabel = ({ decidedBy }: Approval): string =>
  decidedBy ? (decidedBy.name ?? decidedBy.email) : 'an API token';
