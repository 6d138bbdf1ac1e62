import type { MemberRole } from '@toolgate/api/schemas/members';

export const ROLE_LABELS: Record<MemberRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};

export const ROLE_DESCRIPTIONS: Record<MemberRole, string> = {
  owner: 'Full control of the workspace, including who else can manage it.',
  admin: 'Manages servers, gateways, tokens and teams.',
  member: 'Uses the gateways shared with them and their teams.',
};
